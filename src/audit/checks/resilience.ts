import type { Check } from '../types.js';

export const resilienceChecks: readonly Check[] = [];
