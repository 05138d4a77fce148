export { buildBackend, BACKEND_DEFAULTS, type BackendConfig } from './app.js';
export { backendConfigFromEnv, BACKEND_ENV, ConfigError, DEFAULT_API_BASE, DEFAULT_DATA_DIR, type BackendFlags } from './config.js';
export { AppError, ENVELOPE_CODES, FAILURES, openDataErrorName, type EnvelopeCode, type FailureName } from './errors.js';
export { hashToken, sessionId } from './service.js';
export { parseCorsOrigin } from './cors.js';
export { openStore, StoreError, StoreUnavailableError, STORE_KINDS, parseStoreUri, redactUri, type Store, type StoreKind, type OpenStoreOptions, type Namespace, type SessionRecord, type UserRecord, type ProfileRecord, type PhoneRecord, type AccessTokenRecord } from '../store/index.js';
