// `wxlogin`: the main pieces in one import. The entry points `wxlogin/mock`, `wxlogin/backend`, `wxlogin/client`,
// `wxlogin/testing` and `wxlogin/audit` hold everything else of each part.
export { buildMockWechat, type MockOptions, type MockControl, type FaultSpec } from '../mock-wechat/index.js';
export { buildBackend, openStore, type BackendConfig, type Store } from './backend/index.js';
export { createMockClient, createBackendClient, resolveContract, runFlow, runLoad, loginOnce } from './client/index.js';
export { startMockWechat, useMockWechat, type TestMock, type TestMockOptions, type TestHooks } from './testing/index.js';
export { auditBackend, type AuditReport } from './audit/index.js';
