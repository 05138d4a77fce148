import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTarget, type AuditTarget } from './helpers.js';

describe.each(['reference', 'weak'] as const)('audit target %s', (kind) => {
  let t: AuditTarget;
  beforeAll(async () => {
    t = await auditTarget(kind);
  });
  afterAll(() => t.close());
  it('logs in and knows the session key', async () => {
    const l = await t.ctx.login(t.ctx.user('smoke'));
    expect(l.token.length).toBeGreaterThan(10);
    expect(Buffer.from(l.sessionKey, 'base64')).toHaveLength(16);
  });
});
