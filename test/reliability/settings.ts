// Shared settings of the reliability suite. WXLOGIN_RELIABILITY=short (what .ci/run uses) scales every run down;
// anything else is the full run whose figures the README reports.
export const SHORT = process.env.WXLOGIN_RELIABILITY === 'short';
export const SEED = process.env.WXLOGIN_SEED ?? 'reliability-1';
export const APP = { appid: 'wx1234567890abcdef', secret: 'mocksecret000000000000000000000a' } as const;
export const OTHER_APP = { appid: 'wxfedcba0987654321', secret: 'mocksecret000000000000000000000b' } as const;

export function caseCount(n: { short: number; full: number }): number {
  return SHORT ? n.short : n.full;
}
