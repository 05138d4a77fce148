// `wxlogin/audit`: the scorecard as a library: audit a backend reachable through a mock client and a backend client
// (from `wxlogin/client`), or write checks of your own against the same context.
export { auditBackend, plannedChecks, AuditSetupError, type AuditOptions } from './audit.js';
export { ALL_CHECKS } from './checks/index.js';
export { toJUnit } from './junit.js';
export { createAuditContext, type AuditContext, type AuditContextOptions } from './context.js';
export { runAudit, selectChecks } from './runner.js';
export { CATEGORIES, SEVERITIES, OUTCOMES, pass, fail, na, SetupFailed, NotApplicable, type AuditReport, type Check, type CheckResult, type Category, type Evidence, type Outcome, type ProveReport, type Reference, type Severity, type Verdict } from './types.js';
