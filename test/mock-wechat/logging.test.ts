import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildMockWechat } from '../../mock-wechat/index.js';
import { APPID, SECRET } from './helpers.js';

describe('logging', () => {
  it('with the logger on, request lines carry the path only (no secret, code or token)', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const { app, control } = buildMockWechat({ seed: 1, logger: { level: 'info', stream } });
    try {
      const { code } = control.client.login({ user: 'alice' });
      await app.inject(`/sns/jscode2session?appid=${APPID}&secret=${SECRET}&js_code=${code}&grant_type=authorization_code`);
      const all = lines.join('');
      expect(all).toContain('"url":"/sns/jscode2session"');
      expect(all).not.toContain(SECRET);
      expect(all).not.toContain(code!);
    } finally {
      await app.close();
    }
  });
});
