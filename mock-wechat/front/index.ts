// The TLS drop-in: the mock's app over HTTPS with a certificate for api.weixin.qq.com signed by a local CA, and an
// optional CONNECT proxy that routes api.weixin.qq.com there and refuses every other host. createFront builds both
// (not listening); the entry point listens (listenOn) and owns close().
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { loadOrCreateCa, loadOrIssueServerCert, type CaOptions, type LocalCa, type ServerCert } from './ca.js';
import { createConnectProxy, type ConnectProxy } from './proxy.js';
import { createTlsFront, type ServerGuards } from './tls.js';

export { issueCertificate, loadOrCreateCa, loadOrIssueServerCert, tlsPaths, type LocalCa, type ServerCert, type TlsPaths } from './ca.js';
export { createConnectProxy, parseAuthority, type ConnectProxy, type ProxyOptions } from './proxy.js';
export { createTlsFront, type ServerGuards, type TlsFrontOptions } from './tls.js';
export { DEFAULT_TLS_PORT, TLS_DNS_NAMES, TLS_IPS, WECHAT_API_HOST } from './defaults.js';
export { MockTlsError } from './errors.js';

export interface FrontOptions extends ServerGuards, CaOptions {
  /** Where the CA lives (in its tls/ folder); made if absent. */
  dataDir: string;
  /** Build the CONNECT proxy too. */
  proxy?: boolean;
  onRefused?: (destination: string) => void;
}

export interface Front {
  ca: LocalCa;
  serverCert: ServerCert;
  tls: HttpsServer;
  proxy: ConnectProxy | undefined;
  /** Closes the proxy (and its tunnels), then the HTTPS server and its connections. The app is the caller's. */
  close(): Promise<void>;
}

/** The HTTPS face of `app` (which must be ready before a request arrives) and, if asked, the proxy in front of it. */
export async function createFront(app: FastifyInstance, opts: FrontOptions): Promise<Front> {
  const ca = await loadOrCreateCa(opts.dataDir, opts);
  const serverCert = await loadOrIssueServerCert(ca, opts);
  const tls = createTlsFront(app, { ...opts, certPem: serverCert.certPem, keyPem: serverCert.keyPem });
  const proxy = opts.proxy ? createConnectProxy({ ...opts, targets: { tls, http: app.server, handle: (req, res) => app.routing(req, res) } }) : undefined;
  return {
    ca,
    serverCert,
    tls,
    proxy,
    async close() {
      await proxy?.close();
      await closeServer(tls);
    },
  };
}

/** Listens and resolves with the address, or rejects with the listen error (EADDRINUSE) instead of throwing later. */
export function listenOn(server: NetServer, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Stops accepting, ends keep-alive and in-flight connections at once (as the plain port does), resolves when closed. */
export function closeServer(server: HttpsServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** scheme://host:port for an address, IPv6 in brackets. */
export function urlOf(scheme: 'http' | 'https', a: AddressInfo): string {
  return `${scheme}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
}
