// Encrypted open-data fixtures for people testing their own decrypt code, in any language. Pure: a seed in, the same
// cases out, byte for byte (seeded keys, ivs, profiles and timestamps; no clock, no Math.random). The error names
// are the backend's own (src/crypto OPEN_DATA_ERRORS), and a test checks every case against src/crypto.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { encryptOpenData, rawDataSignature } from '../../mock-wechat/crypto.js';
// Profiles look like the mock's users (one list of names and places), and the anonymised profile is WeChat's own
// output, which the mock plays too: one definition of each.
import { ALNUM, B64URL } from '../../mock-wechat/random.js';
import { ANON_AVATAR, ANON_NICKNAME, NICKNAMES, PLACES } from '../../mock-wechat/state.js';
import { createPrng, type Prng } from './prng.js';

export const FIXTURE_FORMAT = 'wxlogin-fixtures/1';
export const DEFAULT_FIXTURE_APPID = 'wx1234567890abcdef';
export const OTHER_FIXTURE_APPID = 'wxfedcba0987654321';
export const DEFAULT_FIXTURE_SEED = 'wxlogin';

/** Every kind, in the order a set lists them, with what a consumer's decoder is expected to do. */
export const FIXTURE_KINDS = {
  userinfo_classic: 'getUserInfo, classic shape (real profile, openId, unionId), with rawData + signature',
  userinfo_anonymised: 'getUserInfo after 2022: 微信用户, gray avatar, empty gender/region; openId kept',
  phone: 'old encrypted getPhoneNumber payload (countryCode is the string "86")',
  werun: 'getWeRunData: 31 days of stepInfoList at local (+08:00) midnights',
  shareinfo: 'getShareInfo: openGId',
  plus_as_space: 'userinfo whose encryptedData had "+" turned into spaces by URL form-decoding: repair it (only a space can stand for "+")',
  wrong_key: 'encrypted under another key: strict PKCS#7 check fails',
  stale_key: 'encrypted under previous_session_key, which the user no longer holds: report the stale key, do not decrypt',
  tampered_ciphertext: 'one bit of the first ciphertext block flipped: padding survives, the plaintext is not JSON',
  other_app_watermark: "watermark.appid names another app than input.appid",
  padding_32: 'PKCS#7 over 32-byte blocks (the message-crypto sample some SDKs reuse): pad byte > 16 is refused',
  truncated: 'encryptedData cut short: not a whole number of AES blocks',
  wrong_iv_length: 'iv decodes to 12 bytes instead of 16',
  bad_signature: 'userinfo whose signature was made with another session_key',
} as const;
export type FixtureKind = keyof typeof FIXTURE_KINDS;

/**
 * Expected refusal per negative kind: the precise reason, as `wxlogin decrypt` names it (openDataErrorName). A server
 * must not answer these apart (a padding oracle): the reference backend says decrypt_failed for all but stale keys.
 */
export const FIXTURE_ERRORS = {
  wrong_key: 'bad_padding',
  stale_key: 'stale_session_key',
  tampered_ciphertext: 'bad_ciphertext',
  other_app_watermark: 'watermark_appid_mismatch',
  padding_32: 'bad_padding',
  truncated: 'bad_ciphertext',
  wrong_iv_length: 'bad_iv',
  bad_signature: 'bad_signature',
} as const satisfies Partial<Record<FixtureKind, string>>;

export interface FixtureInput {
  appid: string;
  session_key: string;
  iv: string;
  encryptedData: string;
  rawData?: string;
  signature?: string;
  /** Only in stale_key cases: the key the data was really encrypted under, which the user has since replaced. */
  previous_session_key?: string;
}

export interface FixtureCase {
  name: string;
  kind: FixtureKind;
  input: FixtureInput;
  expect: { plaintext: Record<string, unknown> } | { error: string };
}

export interface FixtureOptions {
  seed?: string | number;
  /** Sets of cases: each set holds one case of every kind. */
  count?: number;
  appid?: string;
}


const LANGS = ['zh_CN', 'zh_TW', 'en'] as const;

const b64 = (b: Buffer) => b.toString('base64');

/** AES-128-CBC with PKCS#7 padding to `block` bytes (16 is WeChat's; 32 reproduces the message-crypto mistake). */
function encryptPadded(plaintext: string, key: string, iv: string, block: number): string {
  const data = Buffer.from(plaintext, 'utf8');
  const pad = block - (data.length % block);
  const padded = Buffer.concat([data, Buffer.alloc(pad, pad)]);
  const c = createCipheriv('aes-128-cbc', Buffer.from(key, 'base64'), Buffer.from(iv, 'base64'));
  c.setAutoPadding(false);
  return b64(Buffer.concat([c.update(padded), c.final()]));
}

/** Whether decrypting under `key` ends in valid 16-byte PKCS#7 padding (to pick wrong keys that surely fail). */
function padsValidly(encryptedData: string, key: string, iv: string): boolean {
  const dec = createDecipheriv('aes-128-cbc', Buffer.from(key, 'base64'), Buffer.from(iv, 'base64'));
  dec.setAutoPadding(false);
  const plain = Buffer.concat([dec.update(Buffer.from(encryptedData, 'base64')), dec.final()]);
  const pad = plain[plain.length - 1]!;
  if (pad < 1 || pad > 16) return false;
  for (let i = plain.length - pad; i < plain.length; i++) if (plain[i] !== pad) return false;
  return true;
}

function makeUser(rng: Prng, appid: string, ts: number) {
  const [city, province, country] = rng.pick(PLACES);
  return {
    openId: `o${rng.chars(27, B64URL)}`,
    nickName: rng.pick(NICKNAMES),
    gender: rng.int(3),
    language: rng.pick(LANGS),
    city,
    province,
    country,
    avatarUrl: `https://thirdwx.qlogo.cn/mmopen/vi_32/${rng.chars(80, ALNUM)}/132`,
    unionId: `o${rng.chars(27, B64URL)}`,
    watermark: { timestamp: ts, appid },
  };
}

/** What the cases of one set share: the seeded source, the user, the session key, and the clock of the watermarks. */
interface SetContext {
  rng: Prng;
  appid: string;
  /** Another app, for the watermark that names the wrong one. */
  other: string;
  sk: string;
  user: ReturnType<typeof makeUser>;
  /** The next watermark timestamp (each case 37 s after the one before). */
  tick(): number;
  key(): string;
  iv(): string;
  /** A classic getUserInfo payload with rawData and its signature (signed with signKey). */
  classic(sessionKey: string, ivB64: string, plain: Record<string, unknown>, signKey?: string): FixtureInput;
  /** The phone payload of the set, which the padding_32 case encrypts again. */
  phone?: Record<string, unknown>;
}

type Made = [FixtureInput, FixtureCase['expect']];

/** Encrypted under the set's key, with a fresh iv. */
const sealed = (c: SetContext, plain: Record<string, unknown>): FixtureInput => {
  const ivB64 = c.iv();
  return { appid: c.appid, session_key: c.sk, iv: ivB64, encryptedData: encryptOpenData(JSON.stringify(plain), c.sk, ivB64) };
};

/**
 * One maker per kind, in the order a set lists them. They draw from the set's seeded source in this order, so a seed
 * gives the same bytes; a new kind goes at the end of FIXTURE_KINDS (and here) to keep earlier sets unchanged.
 */
const MAKERS: Record<FixtureKind, (c: SetContext) => Made> = {
  userinfo_classic: (c) => [c.classic(c.sk, c.iv(), c.user), { plaintext: c.user }],
  userinfo_anonymised(c) {
    const anon = {
      openId: c.user.openId,
      nickName: ANON_NICKNAME,
      gender: 0,
      language: '',
      city: '',
      province: '',
      country: '',
      avatarUrl: ANON_AVATAR,
      unionId: c.user.unionId,
      watermark: { timestamp: c.tick(), appid: c.appid },
    };
    const rawData = JSON.stringify({ nickName: anon.nickName, gender: 0, language: '', city: '', province: '', country: '', avatarUrl: ANON_AVATAR });
    return [{ ...sealed(c, anon), rawData, signature: rawDataSignature(rawData, c.sk) }, { plaintext: anon }];
  },
  phone(c) {
    const pure = `1${c.rng.pick(['3', '5', '7', '8'])}${c.rng.chars(9, '0123456789')}`;
    c.phone = { phoneNumber: pure, purePhoneNumber: pure, countryCode: '86', watermark: { timestamp: c.tick(), appid: c.appid } };
    return [sealed(c, c.phone), { plaintext: c.phone }];
  },
  werun(c) {
    // 31 local (+08:00) midnights ending on the day of the watermark.
    const wts = c.tick();
    const lastMidnight = Math.floor((wts + 8 * 3600) / 86_400) * 86_400 - 8 * 3600;
    const stepInfoList = Array.from({ length: 31 }, (_, i) => ({ timestamp: lastMidnight - (30 - i) * 86_400, step: c.rng.int(20_000) }));
    const werun = { stepInfoList, watermark: { timestamp: wts, appid: c.appid } };
    return [sealed(c, werun), { plaintext: werun }];
  },
  shareinfo(c) {
    const share = { openGId: `tG${c.rng.chars(27, B64URL)}`, watermark: { timestamp: c.tick(), appid: c.appid } };
    return [sealed(c, share), { plaintext: share }];
  },
  plus_as_space(c) {
    // Draw ivs until the ciphertext has a "+" to damage (deterministic for a seed).
    let input = c.classic(c.sk, c.iv(), c.user);
    while (!input.encryptedData.includes('+')) input = c.classic(c.sk, c.iv(), c.user);
    return [{ ...input, encryptedData: input.encryptedData.replaceAll('+', ' ') }, { plaintext: c.user }];
  },
  wrong_key(c) {
    const { rawData: _r, signature: _s, ...bare } = c.classic(c.sk, c.iv(), c.user);
    let wrong = c.key();
    while (padsValidly(bare.encryptedData, wrong, bare.iv)) wrong = c.key();
    return [{ ...bare, session_key: wrong }, { error: FIXTURE_ERRORS.wrong_key }];
  },
  stale_key(c) {
    const previous = c.key();
    const ivS = c.iv();
    let current = c.key();
    const encryptedData = encryptOpenData(JSON.stringify(c.user), previous, ivS);
    while (padsValidly(encryptedData, current, ivS)) current = c.key();
    return [{ appid: c.appid, session_key: current, iv: ivS, encryptedData, previous_session_key: previous }, { error: FIXTURE_ERRORS.stale_key }];
  },
  tampered_ciphertext(c) {
    const input = sealed(c, c.user);
    const bytes = Buffer.from(input.encryptedData, 'base64');
    // Flipping a bit of block 1 garbles block 1 and flips one bit of block 2; the last block (the padding) is
    // untouched, so only the JSON check can catch it.
    bytes[3] = bytes[3]! ^ 0x01;
    return [{ ...input, encryptedData: b64(bytes) }, { error: FIXTURE_ERRORS.tampered_ciphertext }];
  },
  other_app_watermark(c) {
    const ivO = c.iv();
    const foreign = { ...c.user, watermark: { timestamp: c.tick(), appid: c.other } };
    return [{ appid: c.appid, session_key: c.sk, iv: ivO, encryptedData: encryptOpenData(JSON.stringify(foreign), c.sk, ivO) }, { error: FIXTURE_ERRORS.other_app_watermark }];
  },
  padding_32(c) {
    // A plaintext whose 32-byte pad exceeds 16, so a strict 16-byte check must refuse it. Trailing spaces keep it
    // valid JSON; they only move the length to where the 32-byte pad is 17..32.
    const ivP = c.iv();
    let plain = JSON.stringify(c.phone);
    while (Buffer.byteLength(plain) % 32 >= 16) plain += ' ';
    return [{ appid: c.appid, session_key: c.sk, iv: ivP, encryptedData: encryptPadded(plain, c.sk, ivP, 32) }, { error: FIXTURE_ERRORS.padding_32 }];
  },
  truncated(c) {
    const input = sealed(c, c.user);
    const full = Buffer.from(input.encryptedData, 'base64');
    return [{ ...input, encryptedData: b64(full.subarray(0, full.length - 6)) }, { error: FIXTURE_ERRORS.truncated }];
  },
  wrong_iv_length(c) {
    const input = sealed(c, c.user);
    return [{ ...input, iv: b64(Buffer.from(input.iv, 'base64').subarray(0, 12)) }, { error: FIXTURE_ERRORS.wrong_iv_length }];
  },
  bad_signature: (c) => [c.classic(c.sk, c.iv(), c.user, c.key()), { error: FIXTURE_ERRORS.bad_signature }],
};

/** Yields the cases set by set, so that large counts stream to disk without being held in memory. */
export function* generateFixtures(o: FixtureOptions = {}): Generator<FixtureCase> {
  const seed = o.seed ?? DEFAULT_FIXTURE_SEED;
  const count = Math.max(1, Math.floor(o.count ?? 1));
  const appid = o.appid ?? DEFAULT_FIXTURE_APPID;
  const other = appid === OTHER_FIXTURE_APPID ? DEFAULT_FIXTURE_APPID : OTHER_FIXTURE_APPID;
  const rng = createPrng(`wxlogin-fixtures:${seed}`);
  // Fixed timestamps derived from the seed: somewhere in 2020-2023, one step per case.
  let ts = 1_577_836_800 + rng.int(4 * 365 * 86_400);
  const width = String(count).length;
  const key = () => b64(rng.bytes(16));
  const iv = () => b64(rng.bytes(16));
  const tick = () => (ts += 37);

  for (let set = 1; set <= count; set++) {
    const suffix = count === 1 ? '' : `-${String(set).padStart(width, '0')}`;
    const sk = key();
    const user = makeUser(rng, appid, tick());
    const { watermark: _w, openId: _o, unionId: _u, ...visible } = user;
    const rawData = JSON.stringify(visible);
    const c: SetContext = {
      rng,
      appid,
      other,
      sk,
      user,
      tick,
      key,
      iv,
      classic: (sessionKey, ivB64, plain, signKey = sessionKey) => ({
        appid,
        session_key: sessionKey,
        iv: ivB64,
        encryptedData: encryptOpenData(JSON.stringify(plain), sessionKey, ivB64),
        rawData,
        signature: rawDataSignature(rawData, signKey),
      }),
    };
    for (const kind of Object.keys(FIXTURE_KINDS) as FixtureKind[]) {
      const [input, expect] = MAKERS[kind](c);
      yield { name: `${kind}${suffix}`, kind, input, expect };
    }
  }
}

/** Cases per set (one of every kind). */
export const KINDS_PER_SET = Object.keys(FIXTURE_KINDS).length;

/** Serialises a case the way the files hold it: 2-space JSON, final newline. */
export function fixtureFileText(c: FixtureCase): string {
  return `${JSON.stringify(c, null, 2)}\n`;
}

export interface FixtureIndexEntry {
  name: string;
  kind: FixtureKind;
  file: string;
  expect: string;
}

export function fixtureIndex(o: Required<Pick<FixtureOptions, 'seed' | 'count' | 'appid'>>, entries: FixtureIndexEntry[]) {
  return {
    format: FIXTURE_FORMAT,
    command: `wxlogin fixtures --out DIR --seed ${o.seed} --count ${o.count} --app ${o.appid}`,
    seed: String(o.seed),
    count: o.count,
    appid: o.appid,
    kinds: FIXTURE_KINDS,
    cases: entries,
  };
}
