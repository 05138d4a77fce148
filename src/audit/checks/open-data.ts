import type { Check } from '../types.js';

export const openDataChecks: readonly Check[] = [];
