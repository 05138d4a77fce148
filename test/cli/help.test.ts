import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt, run } from './helpers.js';

beforeAll(() => ensureBuilt());

const MINE = ['up', 'flow', 'login', 'fixtures', 'decrypt', 'encrypt', 'sign'];

describe('wxlogin --help and usage', () => {
  it('--help lists every command and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const c of MINE) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(r.stdout).toMatch(/\$ npx wxlogin flow/);
  });

  it.each(MINE)('%s --help shows an example and exits 0', async (name) => {
    const r = await run([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples?( \([^)]*\))?:\n {2}\$ npx wxlogin /);
  });

  it('--version prints the version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('an unknown command or option is a usage error: exit 2, nothing on stdout', async () => {
    const a = await run(['flwo']);
    expect(a.code).toBe(2);
    expect(a.stdout).toBe('');
    expect(a.stderr).toMatch(/unknown command 'flwo'/);
    const b = await run(['flow', '--nope']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/unknown option '--nope'/);
  });
});

describe('help into a pipe that closed', () => {
  it('exits 0 without an EPIPE crash when the reader went away (wxlogin --help | head -1)', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [BIN, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader is gone before wxlogin writes a byte.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  });
});
