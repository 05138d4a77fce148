import type { Check } from '../types.js';

export const loginChecks: readonly Check[] = [];
