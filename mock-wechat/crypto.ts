// The mock's own encrypt and sign code. It imports nothing from src/: if the mock and the backend shared one helper,
// a shared bug (wrong key encoding, lax padding) would pass every round trip. Both sides are instead held to the
// known-answer vectors of WeChat's documentation (test/mock-wechat/vectors.ts).
import { createCipheriv, createHash, createHmac } from 'node:crypto';

/**
 * Encrypts open data the way WeChat does: AES-128-CBC, key = base64-decoded session_key (16 bytes), iv = base64-decoded
 * iv (16 bytes), standard PKCS#7 padding over 16-byte blocks (Node's default), base64 output on a single line.
 * The official demo plaintext re-encrypts to the official ciphertext byte for byte with exactly this.
 */
export function encryptOpenData(plaintext: string, sessionKeyB64: string, ivB64: string): string {
  const key = Buffer.from(sessionKeyB64, 'base64');
  const iv = Buffer.from(ivB64, 'base64');
  if (key.length !== 16) throw new RangeError(`session_key must decode to 16 bytes, got ${key.length}`);
  if (iv.length !== 16) throw new RangeError(`iv must decode to 16 bytes, got ${iv.length}`);
  const cipher = createCipheriv('aes-128-cbc', key, iv);
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

/** signature = sha1(rawData + session_key), lowercase hex; session_key is the base64 text (open-data signature doc). */
export function rawDataSignature(rawData: string, sessionKey: string): string {
  return createHash('sha1').update(rawData + sessionKey, 'utf8').digest('hex');
}

/**
 * Login-state signature: hmac_sha256 keyed by the session_key's base64 TEXT (UTF-8 bytes, not the decoded 16 bytes),
 * over the POST body, or the empty string for GET requests such as checksession. Lowercase hex.
 */
export function loginStateSignature(sessionKey: string, body = ''): string {
  return createHmac('sha256', Buffer.from(sessionKey, 'utf8')).update(body, 'utf8').digest('hex');
}
