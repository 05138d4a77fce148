// What the mock serves when nothing says otherwise. Plain values with no imports, so that a CLI can show them in its
// help without loading the mock.

/** The one app served by default (fake credentials: no real AppID or secret belongs here). */
export const DEFAULT_APP = { appid: 'wx1234567890abcdef', secret: 'mocksecret000000000000000000000a' } as const;
export const DEFAULT_PORT = 9400;
export const DEFAULT_HOST = '127.0.0.1';
