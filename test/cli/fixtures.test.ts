import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT, run } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'wxlogin-fixtures-'));
beforeAll(() => ensureBuilt());
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('wxlogin fixtures', () => {
  it("the repo's fixtures/ have not drifted: regenerating with the README's command gives the same bytes", async () => {
    const readme = readFileSync(join(ROOT, 'fixtures', 'README.md'), 'utf8');
    const cmd = /npx wxlogin (fixtures [^\n]+)/.exec(readme)![1]!.split(/\s+/);
    const out = join(tmp, 'drift');
    const args = cmd.map((a, i) => (cmd[i - 1] === '--out' ? out : a));
    const r = await run(args);
    expect(r.code).toBe(0);
    const committed = readdirSync(join(ROOT, 'fixtures')).filter((f) => f.endsWith('.json')).sort();
    expect(readdirSync(out).sort()).toEqual(committed);
    for (const f of committed) {
      expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join(ROOT, 'fixtures', f), 'utf8'));
    }
  });

  it('same seed, same bytes; another seed, other bytes; --count multiplies the sets', async () => {
    const a = join(tmp, 'a');
    const b = join(tmp, 'b');
    const c = join(tmp, 'c');
    await run(['fixtures', '--out', a, '--seed', 's1', '--count', '3']);
    await run(['fixtures', '--out', b, '--seed', 's1', '--count', '3']);
    await run(['fixtures', '--out', c, '--seed', 's2', '--count', '3']);
    const files = readdirSync(a).sort();
    expect(files).toHaveLength(3 * 14 + 1);
    expect(files).toContain('userinfo_classic-2.json');
    for (const f of files) expect(readFileSync(join(b, f), 'utf8')).toBe(readFileSync(join(a, f), 'utf8'));
    expect(readFileSync(join(c, 'phone-1.json'), 'utf8')).not.toBe(readFileSync(join(a, 'phone-1.json'), 'utf8'));
  });

  it('--json reports counts; --app sets the watermark; a rerun with a smaller count leaves no stale files', async () => {
    const d = join(tmp, 'json');
    const r = await run(['--json', 'fixtures', '--out', d, '--count', '2', '--app', 'wxaaaaaaaaaaaaaaaa']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: true, cases: 28, files: 29, count: 2, appid: 'wxaaaaaaaaaaaaaaaa', seed: 'wxlogin' });
    const phone = JSON.parse(readFileSync(join(d, 'phone-1.json'), 'utf8'));
    expect(phone.expect.plaintext.watermark.appid).toBe('wxaaaaaaaaaaaaaaaa');
    const index = JSON.parse(readFileSync(join(d, 'index.json'), 'utf8'));
    expect(index.cases).toHaveLength(28);
    writeFileSync(join(d, 'notes.txt'), 'mine');
    await run(['fixtures', '--out', d, '--count', '1']);
    expect(readdirSync(d).filter((f) => f.endsWith('.json'))).toHaveLength(15);
    expect(readdirSync(d)).toContain('notes.txt');
  });

  it('text output is one summary line plus the kinds, without colour when not a TTY', async () => {
    const r = await run(['fixtures', '--out', join(tmp, 'text')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✔ 14 cases \+ index\.json in .* \(seed "wxlogin", app wx1234567890abcdef, \d+ cases\/s\)\n/);
    expect(r.stdout).not.toMatch(/\x1b\[/);
    const forced = await run(['fixtures', '--out', join(tmp, 'text')], { env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toMatch(/\x1b\[/);
    const nc = await run(['fixtures', '--out', join(tmp, 'text')], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(nc.stdout).not.toMatch(/\x1b\[/);
  });

  it('a bad --count is a usage error (exit 2)', async () => {
    const r = await run(['fixtures', '--out', join(tmp, 'bad'), '--count', 'zero']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--count must be a positive integer/);
  });
});
