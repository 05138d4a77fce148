// `wxlogin mock --export-on-exit FILE` and `--import FILE` with the built CLI: a user logged in before a restart keeps
// their openid and session key after it, the code they used stays used, and bad files are one-line errors.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/wxlogin.js', import.meta.url));
const APP = { appid: 'wx1234567890abcdef', secret: 'mocksecret000000000000000000000a' };
const running: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const p of running.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'wxlogin-mock-state-'));
  dirs.push(d);
  return d;
}

function start(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.WXLOGIN_MOCK_ADMIN_TOKEN;
  const child = spawn(process.execPath, [BIN, '--json', 'mock', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  running.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  // --json prints one object and then serves: its closing brace says the mock is listening.
  const started = new Promise<{ url: string }>((res, rej) => {
    child.stdout!.on('data', () => {
      if (/^\}$/m.test(out)) res(JSON.parse(out) as { url: string });
    });
    void exited.then((c) => rej(new Error(`exited ${c}: ${out}${err}`)));
  });
  return { child, exited, started, stderr: () => err };
}

async function json(url: string, init?: RequestInit): Promise<any> {
  return (await fetch(url, init)).json();
}
const login = (url: string, user: string) =>
  json(`${url}/__client/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) }) as Promise<{
    code: string;
  }>;
const exchange = (url: string, code: string) =>
  json(`${url}/sns/jscode2session?appid=${APP.appid}&secret=${APP.secret}&js_code=${code}&grant_type=authorization_code`) as Promise<{
    openid?: string;
    session_key?: string;
    errcode?: number;
  }>;

describe('wxlogin mock --export-on-exit / --import', () => {
  it('keeps a logged-in user across a SIGTERM and restart, without bringing a used code back', async () => {
    const file = join(tempDir(), 'state.json');
    const first = start(['--seed', 'restart', '--export-on-exit', file]);
    const { url } = await first.started;
    const { code } = await login(url, 'dave');
    const session = await exchange(url, code);
    expect(session.openid).toMatch(/^o/);
    const pending = (await login(url, 'erin')).code;
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toContain(`state written to ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).format).toBe('wxlogin-mock-state/1');

    const second = start(['--import', file]);
    const again = await second.started;
    expect(second.stderr()).toMatch(/state from .*state\.json: 6 users/);
    const dave = await json(`${again.url}/__admin/users/dave`);
    expect(dave.openid).toBe(session.openid);
    const key = await json(`${again.url}/__admin/users/dave/session-key`);
    expect(key.session_key).toBe(session.session_key);
    // The code dave used is still used; erin's, never exchanged, still works once.
    expect((await exchange(again.url, code)).errcode).toBe(40163);
    const erin = await exchange(again.url, pending);
    expect(erin.openid).toBe((await json(`${again.url}/__admin/users/erin`)).openid);
    // A new login gets a code never handed out before the restart.
    const next = (await login(again.url, 'dave')).code;
    expect([code, pending]).not.toContain(next);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });

  it.each([
    ['a missing file', (d: string) => join(d, 'absent.json'), /--import .*absent\.json: cannot read it: no such file/],
    [
      'a file that is not JSON',
      (d: string) => {
        writeFileSync(join(d, 'x.json'), '{"format":');
        return join(d, 'x.json');
      },
      /--import .*x\.json: not JSON/,
    ],
    [
      'a snapshot of another format',
      (d: string) => {
        writeFileSync(join(d, 'old.json'), JSON.stringify({ format: 'wxlogin-mock-state/0', apps: [], modules: {} }));
        return join(d, 'old.json');
      },
      /--import .*old\.json: state: format: must be "wxlogin-mock-state\/1", got "wxlogin-mock-state\/0"/,
    ],
  ])('refuses %s with one line and exit code 2', async (_name, make, message) => {
    const p = start(['--import', make(tempDir())]);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toMatch(message);
    expect(p.stderr()).not.toMatch(/\n\s+at /);
  });

  it('refuses --export-on-exit into a folder that does not exist, at start', async () => {
    const p = start(['--export-on-exit', join(tempDir(), 'no', 'such', 'state.json')]);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toMatch(/--export-on-exit .*state\.json: folder .*such: no such file/);
  });
});
