// What the TLS front serves when nothing says otherwise. Plain values with no imports, so that a CLI can show them in
// its help without loading node-forge.

/** The host the certificate is for: the origin of WeChat's server API, which backends keep in their code. */
export const WECHAT_API_HOST = 'api.weixin.qq.com';
/** Every name the server certificate carries (SANs), and the only names the local CA may sign for. */
export const TLS_DNS_NAMES = [WECHAT_API_HOST, 'localhost'] as const;
export const TLS_IPS = ['127.0.0.1'] as const;
export const DEFAULT_TLS_PORT = 9443;
/** Inside the data directory: ca.pem, ca-key.pem and server.pem (the server's certificate and key). */
export const TLS_DIR_NAME = 'tls';
