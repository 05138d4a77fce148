import { describe, expect, it } from 'vitest';
import { decryptOpenData, OpenDataError, verifyRawDataSignature, OPEN_DATA_ERRORS } from '../../src/crypto/index.js';
import { openDataErrorName } from '../../src/backend/index.js';
import {
  FIXTURE_ERRORS,
  FIXTURE_KINDS,
  KINDS_PER_SET,
  fixtureFileText,
  generateFixtures,
  type FixtureCase,
} from '../../src/client/fixtures.js';

function refusal(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof OpenDataError) return openDataErrorName(err.code);
    throw err;
  }
}

/** What the reference backend's crypto makes of a case, named like expect.error. */
function verdict(c: FixtureCase): { plaintext: Record<string, unknown> } | { error: string } {
  const { input } = c;
  const args = { encryptedData: input.encryptedData, iv: input.iv, sessionKey: input.session_key, appId: input.appid };
  const err = refusal(() => decryptOpenData(args));
  if (err) {
    // A stale key is the backend's verdict when the data opens under the user's previous key.
    if (input.previous_session_key && !refusal(() => decryptOpenData({ ...args, sessionKey: input.previous_session_key! }))) {
      return { error: 'stale_session_key' };
    }
    return { error: err };
  }
  if (input.rawData !== undefined && input.signature !== undefined && !verifyRawDataSignature(input.rawData, input.session_key, input.signature)) {
    return { error: 'bad_signature' };
  }
  return { plaintext: decryptOpenData(args) };
}

describe('fixture generator', () => {
  const cases = [...generateFixtures({ seed: 'test', count: 3 })];

  it('makes one case of every kind per set, with unique names', () => {
    expect(cases).toHaveLength(3 * KINDS_PER_SET);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(Object.keys(FIXTURE_KINDS)));
  });

  it('every expectation is what the backend crypto concludes', () => {
    for (const c of cases) expect({ name: c.name, ...verdict(c) }).toEqual({ name: c.name, ...c.expect });
  });

  it('every error name is one of the backend error names', () => {
    for (const name of Object.values(FIXTURE_ERRORS)) expect(Object.keys(OPEN_DATA_ERRORS)).toContain(name);
  });

  it('the same seed gives the same bytes, another seed other bytes', () => {
    const a = [...generateFixtures({ seed: 'test', count: 3 })].map(fixtureFileText).join('');
    const b = cases.map(fixtureFileText).join('');
    const c = [...generateFixtures({ seed: 'other', count: 3 })].map(fixtureFileText).join('');
    expect(a).toBe(b);
    expect(c).not.toBe(b);
  });

  it('the "+" case really has spaces where "+" were, and the padding case really pads past 16', () => {
    const plus = cases.find((c) => c.kind === 'plus_as_space')!;
    expect(plus.input.encryptedData).toContain(' ');
    expect(plus.input.encryptedData).not.toContain('+');
    const p32 = cases.find((c) => c.kind === 'padding_32')!;
    expect(Buffer.from(p32.input.encryptedData, 'base64').length % 32).toBe(0);
  });

  it('keeps the documented case shape', () => {
    for (const c of cases) {
      expect(Object.keys(c)).toEqual(['name', 'kind', 'input', 'expect']);
      expect(Object.keys(c.input).slice(0, 4)).toEqual(['appid', 'session_key', 'iv', 'encryptedData']);
    }
  });
});
