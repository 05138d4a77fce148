// What the CLI starts servers with and points clients at when no flag says otherwise: the mock's and the backend's own
// defaults, from modules with no imports (command definitions read them for their help text, which must stay cheap).
import { DEFAULT_BACKEND_PORT, DEFAULT_DATA_DIR, DEFAULT_STORE_FILE } from '../backend/defaults.js';
import { DEFAULT_APP as MOCK_DEFAULT_APP, DEFAULT_HOST, DEFAULT_PORT } from '../../mock-wechat/defaults.js';

export const HOST = DEFAULT_HOST;
export const MOCK_PORT = DEFAULT_PORT;
export const BACKEND_PORT = DEFAULT_BACKEND_PORT;
/** Where `wxlogin up` listens by default, so `wxlogin login` finds it with no flags. */
export const MOCK_URL = `http://${HOST}:${MOCK_PORT}`;
export const BACKEND_URL = `http://${HOST}:${BACKEND_PORT}`;

/** The mock's default app (fake credentials); the embedded stack gives the backend the same pair. */
export const DEFAULT_APP = MOCK_DEFAULT_APP;

/** Where `wxlogin up` keeps its SQLite store, relative to the working directory. */
export const DATA_DIR = DEFAULT_DATA_DIR;
/** The SQLite file in the data directory: the same for `wxlogin up` as for `wxlogin backend`. */
export const STORE_FILE = DEFAULT_STORE_FILE;
