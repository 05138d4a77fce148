import type { Check } from '../types.js';

export const secretChecks: readonly Check[] = [];
