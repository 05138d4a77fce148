// The encrypted open data the mock issued, for checkEncryptedData: WeChat answers whether it generated the data in
// the last 3 days, for this appid, and currently only for phone-number data
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-info/basic-info/checkEncryptedData.html).
// The caller sends the hex SHA-256 of "the encrypted data"; the page does not say whether that is the base64
// encryptedData string or its decoded bytes. `encryptedMsgHash` chooses: "base64" (default: the string the backend
// receives from the mini program, hashed as it is) or "bytes" (the decoded ciphertext).
import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { MockUsageError } from '../errors.js';
import { badField, checkPart, type RestoreContext } from './snapshot.js';
import { pruneFront } from './prune-front.js';

export const ENCRYPTED_MSG_TTL_MS = 3 * 86_400_000;
/** Keep at most this many; the oldest go first. */
const ENCRYPTED_MSG_CAP = 100_000;

export const ENCRYPTED_MSG_HASHES = ['base64', 'bytes'] as const;
export type EncryptedMsgHash = (typeof ENCRYPTED_MSG_HASHES)[number];

export interface EncryptedMsgRecord {
  appid: string;
  /** ms since the epoch, by the mock's clock. */
  createdAt: number;
}

/** Reads the `encryptedMsgHash` setting; a bad value is a MockUsageError naming it. */
export function encryptedMsgHashOf(opts: object): EncryptedMsgHash {
  const v = (opts as { encryptedMsgHash?: unknown }).encryptedMsgHash;
  if (v === undefined) return 'base64';
  if (!(ENCRYPTED_MSG_HASHES as readonly unknown[]).includes(v)) {
    throw new MockUsageError(`encryptedMsgHash must be "base64" or "bytes", got ${JSON.stringify(v)}`);
  }
  return v as EncryptedMsgHash;
}

/** The hash a caller sends for `encryptedData` under the setting: lowercase hex SHA-256. */
export function encryptedMsgHash(encryptedData: string, mode: EncryptedMsgHash): string {
  const input = mode === 'bytes' ? Buffer.from(encryptedData, 'base64') : Buffer.from(encryptedData, 'utf8');
  return createHash('sha256').update(input).digest('hex');
}

const EncryptedMsgsPart = Type.Object(
  {
    issued: Type.Array(
      Type.Object(
        { hash: Type.String({ pattern: '^[0-9a-f]{64}$' }), appid: Type.String(), createdAt: Type.Integer() },
        { additionalProperties: false },
      ),
      { maxItems: ENCRYPTED_MSG_CAP },
    ),
  },
  { additionalProperties: false },
);

export function createEncryptedMsgs(mode: EncryptedMsgHash, now: () => number) {
  let issued = new Map<string, EncryptedMsgRecord>();

  /**
   * Called where the client simulator seals open data: remembers phone-number data (the only kind the API checks
   * today) and hands the ciphertext back unchanged.
   */
  function registerSealed(encryptedData: string, payload: unknown): string {
    if (payload === null || typeof payload !== 'object' || !('phoneNumber' in payload)) return encryptedData;
    const appid = (payload as { watermark?: { appid?: unknown } }).watermark?.appid;
    if (typeof appid !== 'string') return encryptedData;
    const t = now();
    pruneFront(issued, (v, size) => size >= ENCRYPTED_MSG_CAP || v.createdAt + ENCRYPTED_MSG_TTL_MS <= t);
    issued.set(encryptedMsgHash(encryptedData, mode), { appid, createdAt: t });
    return encryptedData;
  }

  /** The record of a hash issued to `appid` less than 3 days ago. */
  function lookupEncrypted(hash: string, appid: string): EncryptedMsgRecord | undefined {
    const r = issued.get(hash);
    return r && r.appid === appid && now() < r.createdAt + ENCRYPTED_MSG_TTL_MS ? r : undefined;
  }

  return {
    encryptedMsgHash: mode,
    registerSealed,
    lookupEncrypted,
    resetEncrypted(): void {
      issued = new Map();
    },
    /**
     * The data issued less than 3 days ago, hashed under this mock's `encryptedMsgHash` (a mock restored with the
     * other setting would not find them: the setting is the build's, as the snapshot's settings are).
     */
    snapshot() {
      const t = now();
      return { issued: [...issued].filter(([, r]) => r.createdAt + ENCRYPTED_MSG_TTL_MS > t).map(([hash, r]) => ({ hash, ...r })) };
    },
    restore(part: unknown, path: string, ctx: RestoreContext) {
      const p = checkPart(EncryptedMsgsPart, part, path);
      const seen = new Set<string>();
      p.issued.forEach((r, i) => {
        const at = `${path}.issued[${i}]`;
        if (seen.has(r.hash)) throw badField(`${at}.hash`, 'appears twice');
        seen.add(r.hash);
        if (!ctx.hasApp(r.appid)) throw badField(`${at}.appid`, `${r.appid} is not an app of this mock`);
      });
      // Oldest first, which pruning at register relies on.
      const list = [...p.issued].sort((a, b) => a.createdAt - b.createdAt);
      return () => {
        issued = new Map(list.map(({ hash, ...r }) => [hash, r]));
      };
    },
  };
}
