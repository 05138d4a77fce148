// `wxlogin fixtures --out DIR` in a directory someone else may have prepared: it deletes only case files it wrote,
// never writes through a symbolic link, and writes into a foreign non-empty directory only with --force.
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, run } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'wxlogin-fixtures-out-'));
beforeAll(() => ensureBuilt());
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** A fresh directory `parent/` holding `out/` (not created) and a bystander file next to it. */
function sandbox(): { parent: string; out: string; outside: string } {
  const parent = join(tmp, `s${++n}`);
  mkdirSync(parent);
  const outside = join(parent, 'package.json');
  writeFileSync(outside, '{"name":"bystander"}\n');
  return { parent, out: join(parent, 'out'), outside };
}

const index = (files: string[]) => `${JSON.stringify({ format: 'wxlogin-fixtures/1', cases: files.map((file) => ({ name: file, kind: 'phone', file })) })}\n`;

describe('wxlogin fixtures --out: what it may delete', () => {
  it('a planted index.json naming ../package.json and package.json deletes neither', async () => {
    const { out, outside } = sandbox();
    mkdirSync(out);
    const inside = join(out, 'package.json');
    writeFileSync(inside, '{"name":"mine"}\n');
    writeFileSync(join(out, 'index.json'), index(['../package.json', 'package.json', 'phone/../package.json', 'phone.json']));
    const r = await run(['fixtures', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(outside, 'utf8')).toBe('{"name":"bystander"}\n');
    expect(readFileSync(inside, 'utf8')).toBe('{"name":"mine"}\n');
    // Its own index replaced the planted one.
    expect(JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')).cases).toHaveLength(14);
  });

  it('regenerating over its own output works, and cases of an earlier, larger run are removed', async () => {
    const { out } = sandbox();
    expect((await run(['fixtures', '--out', out, '--count', '3'])).code).toBe(0);
    expect(readdirSync(out)).toContain('werun-3.json');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    writeFileSync(join(out, 'keep.json'), '{}');
    const r = await run(['fixtures', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const files = readdirSync(out).sort();
    expect(files.filter((f) => /-\d+\.json$/.test(f))).toEqual([]);
    expect(files).toContain('werun.json');
    expect(files).toContain('notes.txt');
    expect(files).toContain('keep.json');
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(14 + 1 + 1);
    // And back up again.
    expect((await run(['fixtures', '--out', out, '--count', '2'])).code).toBe(0);
    expect(readdirSync(out).filter((f) => f.endsWith('.json'))).toHaveLength(28 + 1 + 1);
    expect(readdirSync(out)).not.toContain('werun.json');
  });
});

describe('wxlogin fixtures --out: symbolic links', () => {
  it('a link (symbolic or hard) inside DIR where a case goes is replaced, its target untouched, listed in the old index or not', async () => {
    const { out, outside, parent } = sandbox();
    expect((await run(['fixtures', '--out', out])).code).toBe(0);
    const other = join(parent, 'other.txt');
    writeFileSync(other, 'precious\n');
    rmSync(join(out, 'phone.json'));
    symlinkSync(outside, join(out, 'phone.json'));
    // Names the next run (--count 2) writes but this set's index does not list.
    symlinkSync(outside, join(out, 'phone-1.json'));
    symlinkSync(other, join(out, 'werun-2.json'));
    // A hard link is detached, not written through.
    linkSync(other, join(out, 'shareinfo-1.json'));
    const r = await run(['fixtures', '--out', out, '--count', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(outside, 'utf8')).toBe('{"name":"bystander"}\n');
    expect(readFileSync(other, 'utf8')).toBe('precious\n');
    expect(existsSync(join(out, 'phone.json'))).toBe(false);
    for (const f of ['phone-1.json', 'werun-2.json', 'shareinfo-1.json']) {
      expect(lstatSync(join(out, f)).isSymbolicLink(), f).toBe(false);
      expect(JSON.parse(readFileSync(join(out, f), 'utf8')).kind).toBe(f.replace(/-\d\.json$/, ''));
    }
  });

  it('an index.json that is a link to a fixture set elsewhere is not followed (nor its cases deleted)', async () => {
    const { out, parent } = sandbox();
    const elsewhere = join(parent, 'elsewhere');
    expect((await run(['fixtures', '--out', elsewhere])).code).toBe(0);
    const before = readFileSync(join(elsewhere, 'index.json'), 'utf8');
    mkdirSync(out);
    symlinkSync(join(elsewhere, 'index.json'), join(out, 'index.json'));
    symlinkSync(join(elsewhere, 'phone.json'), join(out, 'phone.json'));
    // Not a fixture set of its own (its index is a link): refused without --force.
    const refused = await run(['fixtures', '--out', out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--force/);
    const r = await run(['fixtures', '--out', out, '--force', '--seed', 'other']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(elsewhere, 'index.json'), 'utf8')).toBe(before);
    expect(readdirSync(elsewhere)).toHaveLength(15);
    expect(JSON.parse(readFileSync(join(elsewhere, 'phone.json'), 'utf8')).input).not.toEqual(
      JSON.parse(readFileSync(join(out, 'phone.json'), 'utf8')).input,
    );
    expect(lstatSync(join(out, 'index.json')).isSymbolicLink()).toBe(false);
  });

  it('DIR itself a symbolic link: refused with a clear error, exit 2, nothing written through it', async () => {
    const { out, parent, outside } = sandbox();
    const target = join(parent, 'target');
    mkdirSync(target);
    writeFileSync(join(target, 'index.json'), index(['phone.json']));
    writeFileSync(join(target, 'phone.json'), 'theirs');
    symlinkSync(target, out);
    for (const args of [[], ['--force']]) {
      const r = await run(['fixtures', '--out', out, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^wxlogin: error: --out: .*out is a symbolic link \(to .*target\)/);
    }
    expect(readdirSync(target).sort()).toEqual(['index.json', 'phone.json']);
    expect(readFileSync(join(target, 'phone.json'), 'utf8')).toBe('theirs');
    expect(readFileSync(outside, 'utf8')).toBe('{"name":"bystander"}\n');
    const json = await run(['--json', 'fixtures', '--out', out]);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, code: 'symlink' });
  });

  it('a link on the way to DIR in a directory others can write to is refused; one only its owner could make is followed', async () => {
    const { parent } = sandbox();
    const real = join(parent, 'real');
    mkdirSync(real);
    const shared = join(parent, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    symlinkSync(real, join(shared, 'link'));
    const r = await run(['fixtures', '--out', join(shared, 'link', 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/shared\/link is a symbolic link .*others can create entries/);
    expect(existsSync(join(real, 'out'))).toBe(false);

    const own = join(parent, 'own');
    mkdirSync(own, { mode: 0o755 });
    chmodSync(own, 0o755);
    symlinkSync(real, join(own, 'link'));
    const ok = await run(['fixtures', '--out', join(own, 'link', 'out')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readdirSync(join(real, 'out'))).toHaveLength(15);
  });
});

describe('wxlogin fixtures --out: a directory that is not a fixture set', () => {
  it('non-empty and foreign: refused (exit 2, names the problem and --force) and left alone; --force writes the cases only', async () => {
    const { out } = sandbox();
    mkdirSync(out);
    writeFileSync(join(out, 'package.json'), '{"name":"mine"}\n');
    writeFileSync(join(out, 'README.md'), 'hello');
    const r = await run(['fixtures', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^wxlogin: error: --out: .* is not empty and holds no fixture set .*--force/);
    expect(readdirSync(out).sort()).toEqual(['README.md', 'package.json']);
    const json = await run(['--json', 'fixtures', '--out', out]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, code: 'not_fixtures_dir' });

    const forced = await run(['fixtures', '--out', out, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readdirSync(out)).toHaveLength(2 + 15);
    expect(readFileSync(join(out, 'package.json'), 'utf8')).toBe('{"name":"mine"}\n');
    // Now it is a fixture set: a rerun needs no --force.
    expect((await run(['fixtures', '--out', out, '--count', '2'])).code).toBe(0);
    expect(readFileSync(join(out, 'package.json'), 'utf8')).toBe('{"name":"mine"}\n');
  });

  it('an index.json of another format does not make a fixture set', async () => {
    const { out } = sandbox();
    mkdirSync(out);
    writeFileSync(join(out, 'index.json'), JSON.stringify({ format: 'something-else', cases: [{ file: 'phone.json' }] }));
    const r = await run(['fixtures', '--out', out]);
    expect(r.code).toBe(2);
    expect(readFileSync(join(out, 'index.json'), 'utf8')).toContain('something-else');
  });

  it('an empty existing directory, or a new nested one, needs no --force', async () => {
    const { out } = sandbox();
    mkdirSync(out);
    expect((await run(['fixtures', '--out', out])).code).toBe(0);
    const nested = join(sandbox().out, 'a', 'b');
    expect((await run(['fixtures', '--out', nested])).code).toBe(0);
    expect(readdirSync(nested)).toHaveLength(15);
  });

  it('--out naming a file is an error, and the file is left alone', async () => {
    const { outside } = sandbox();
    const r = await run(['fixtures', '--out', outside]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not a directory/);
    expect(readFileSync(outside, 'utf8')).toBe('{"name":"bystander"}\n');
  });
});
