import type { Check } from '../types.js';

export const tokenChecks: readonly Check[] = [];
