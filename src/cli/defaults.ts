// What the CLI starts servers with and points clients at when no flag says otherwise. Plain values, no imports:
// command definitions read them for their help text, which must stay cheap to load.
export const HOST = '127.0.0.1';
export const MOCK_PORT = 9400;
export const BACKEND_PORT = 9401;
/** Where `wxlogin up` listens by default, so `wxlogin login` finds it with no flags. */
export const MOCK_URL = `http://${HOST}:${MOCK_PORT}`;
export const BACKEND_URL = `http://${HOST}:${BACKEND_PORT}`;

/** The mock's default app (fake credentials); the embedded stack gives the backend the same pair. */
export const DEFAULT_APP = { appid: 'wx1234567890abcdef', secret: 'mocksecret000000000000000000000a' } as const;

/** Where `wxlogin up` keeps its SQLite store, relative to the working directory. */
export const DATA_DIR = '.wxlogin';
/** The SQLite file `wxlogin up` creates in its data directory (`wxlogin backend` names its own, backend.sqlite). */
export const UP_STORE_FILE = 'wxlogin.sqlite';
