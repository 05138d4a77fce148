// buildMockWechat(opts) -> { app, control }: one fastify app (not listening) with three faces on one port:
// the server API a backend calls (server-api/: /sns, /cgi-bin, /wxa), the client simulator that plays the WeChat app
// (client/: /__client/*), and the admin API that scripts it (admin/: /__admin/*). `control` is the in-process twin of
// the last two. This file only wires them; README.md says where a new WeChat API goes.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { adminTokenProblem, createAdminGuard } from './admin/auth.js';
import { registerAdmin } from './admin/routes.js';
import { registerJournalStream } from './admin/stream.js';
import { CLIENT_PATHS, registerClientApi } from './client/routes.js';
import { createClientApi } from './client/simulator.js';
import { createControl, type MockControl } from './control.js';
import { MockUsageError } from './errors.js';
import { createFaults } from './faults.js';
import { createInstrument } from './http/instrument.js';
import { registerNotFound } from './http/not-found.js';
import { BODY_LIMIT, createServer } from './http/server.js';
import { createJournal } from './journal.js';
import { createMasker } from './masking.js';
import type { MockOptions } from './options.js';
import { SERVER_ENDPOINTS } from './server-api/endpoints.js';
import { createErrorBody } from './server-api/error-body.js';
import { registerServerApi } from './server-api/routes.js';
import { createState } from './state.js';
import { registerUi } from './ui/serve.js';

export { encryptOpenData, loginStateSignature, rawDataSignature } from './crypto.js';
export { loadMockConfig, MockConfigError, validateMockConfig, type MockFileConfig } from './config.js';
export { DEFAULT_APP, DEFAULT_USERS } from './state.js';
export { DEFAULT_MAX_USERS, SERVER_DEFAULTS, USER_FIELD_LIMITS } from './limits.js';
export { adminTokenProblem } from './admin/auth.js';
export { resolveServerOptions } from './http/server.js';
export type * from './types.js';

export { DEFAULT_HOST, DEFAULT_PORT } from './defaults.js';

export function buildMockWechat(opts: MockOptions = {}): { app: FastifyInstance; control: MockControl } {
  const state = createState(opts);
  const faults = createFaults(new Set<string>([...SERVER_ENDPOINTS, ...CLIENT_PATHS]), () => state.random().stream('fault'));
  const secrets = state.appConfigs.map((a) => a.secret);
  const masker = createMasker(() => secrets);
  const journal = createJournal(state.options.journalLimit, masker);
  if (opts.adminToken !== undefined) {
    const problem = adminTokenProblem(opts.adminToken);
    if (problem) throw new MockUsageError(`adminToken ${problem}`);
  }
  const adminGuard = opts.adminToken === undefined ? undefined : createAdminGuard(opts.adminToken);
  const adminAllowed = (request: FastifyRequest) => !adminGuard || adminGuard(request.headers.authorization);

  const app = createServer(opts, masker);
  const http = createInstrument({ now: state.now, faults, journal });
  const errorBody = createErrorBody(state.now, state.random);
  const client = createClientApi(state);
  const control = createControl(state, faults, journal, client);

  registerServerApi(app, { state, errorBody, bodyLimit: BODY_LIMIT, http });
  registerClientApi(app, client, http);
  registerAdmin(app, control, adminAllowed);
  registerJournalStream(app, control, adminAllowed);
  registerUi(app);
  registerNotFound(app, { masker, adminAllowed, errorBody, http });
  return { app, control };
}
