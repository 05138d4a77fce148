import type { Check } from '../types.js';

export const abuseChecks: readonly Check[] = [];
export const loginLimitCheck: Check = undefined as unknown as Check;
