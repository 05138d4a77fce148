// Every check, in the order they run. Each file holds one category's checks as an array of small units; adding a
// check is adding an entry there. The order matters only where a check changes what follows: the login-limit check
// trips the backend's limit (so it runs after every other check that logs in), and the secrets checks read every
// answer and the log (so they run last). The scorecard groups results by category whatever the order.
import type { Check } from '../types.js';
import { loginChecks } from './login.js';
import { tokenChecks } from './tokens.js';
import { openDataChecks } from './open-data.js';
import { resilienceChecks } from './resilience.js';
import { abuseChecks, loginLimitCheck } from './abuse.js';
import { secretChecks } from './secrets.js';

export const ALL_CHECKS: readonly Check[] = [
  ...loginChecks,
  ...tokenChecks,
  ...openDataChecks,
  ...resilienceChecks,
  ...abuseChecks,
  loginLimitCheck,
  ...secretChecks,
];
