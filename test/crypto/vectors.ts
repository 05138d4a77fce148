// The known-answer vectors under the names the backend-side tests use (one copy: test/vectors.ts).
import { LOGIN_STATE_HMAC, OFFICIAL_DEMO, RAW_DATA_SIGNATURE } from '../vectors.js';

export const DEMO = OFFICIAL_DEMO;
export const RAW_SIGNATURE = RAW_DATA_SIGNATURE;
export const HMAC = {
  key: LOGIN_STATE_HMAC.sessionKey,
  message: LOGIN_STATE_HMAC.body,
  hex: LOGIN_STATE_HMAC.signature,
  emptyHex: LOGIN_STATE_HMAC.emptyBodySignature,
} as const;
