// `wxlogin/client`: the simulated mini program, for test authors: the mock's client face and admin reads
// (createMockClient), a backend shaped by its contract (createBackendClient, resolveContract, PROFILES), one login
// (loginOnce), the whole journey (runFlow) and load runs (runLoad).
export { createMockClient, MockApiError, CLIENT_APIS, type MockClient, type MockClientOptions, type MockUserView, type MockAppView, type MockFaultSpec, type MockJournalEntry, type MockJournalQuery, type WxResult, type ClientApi } from './mock-client.js';
export { createBackendClient, describeFailure, type BackendClient, type BackendClientOptions, type BackendResult } from './backend-client.js';
export { resolveContract, ContractError, PROFILES, BACKEND_STEPS, TOKEN_PLACEMENTS, type BackendContract, type BackendStep, type ContractOverrides, type ProfileName, type TokenPlacement } from './contract.js';
export { contractFileOverrides, mergeOverrides, type ContractFile } from './contract-file.js';
export { loginOnce, type LoginOutcome, type LoginOnceOptions } from './login.js';
export { runFlow, DEFAULT_FLOW_USER, DEFAULT_SCOPES, STEP_STATUS, type FlowOptions, type FlowReport, type StepResult, type StepStatus } from './flow.js';
export { runLoad, type LoadOptions, type LoadReport } from './load.js';
export { NetworkError, requestJson, type HttpDeps, type JsonRequest, type JsonResponse } from './http.js';
export { createWx, type CreateWxOptions, type Wx } from '../runtime/wx.js';
