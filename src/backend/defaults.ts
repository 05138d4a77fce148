// The reference backend's defaults that a command line shows and builds on. Plain values with no imports, so that a
// CLI's help can show them without loading the backend.
export const DEFAULT_BACKEND_PORT = 9401;
/** The data directory a relative SQLite path is resolved in. */
export const DEFAULT_DATA_DIR = '.wxlogin';
/** The SQLite file of the default store, inside the data directory. */
export const DEFAULT_STORE_FILE = 'backend.sqlite';
