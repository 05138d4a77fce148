// The mock's public types, gathered from the modules that define them (src/client imports CLIENT_APIS from here).
export { CLIENT_APIS, type ClientApiName } from './client/apis.js';
export type { AuthorizeRequest, ClientRequest, ClientResult, MockClientApi, NicknameRequest, ShareInfoRequest, UserInfoRequest } from './client/types.js';
export type { MockControl } from './control.js';
export type { PluginLoginRequest } from './client/types.js';
export type { PaymentInput } from './control.js';
export type { PaymentRecord } from './state/payments.js';
export { FAULT_KINDS, type FaultKind, type FaultSpec } from './faults.js';
export type { JournalEntry, JournalQuery } from './journal.js';
export type { MockOptions, SessionKeyRotation } from './options.js';
export { QUIRK_MODES, QUIRKS, type QuirkMode, type QuirkName } from './quirks.js';
export type { MockAppConfig } from './state/apps.js';
export type { ConsentDecision, MockUser, MockUserSeed } from './state/user-schema.js';
export type { MockStateSnapshot } from './state/snapshot.js';
