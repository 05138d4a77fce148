// `wxlogin exec -- CMD`: the command sees the mock (and the backend), wxlogin exits with its code, signals reach it,
// and no process it started is left behind. Runs the built CLI; every wait is a bounded poll, never a timed assertion.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, ensureBuilt, ROOT, run } from './helpers.js';

const FIXTURES = join(ROOT, 'test', 'cli', 'exec-fixtures');
const PROBE = join(FIXTURES, 'probe.mjs');
const TRAP = join(FIXTURES, 'trap-term.mjs');

const dir = mkdtempSync(join(tmpdir(), 'wxlogin-exec-'));
/** A fresh directory for one test's pid and marker files. */
const scratch = () => mkdtempSync(join(dir, 't-'));

// Whatever a failing test leaves running is killed here, so one failure does not leave `sleep 300`s around.
const watched: number[] = [];
const watch = (pid: number) => (watched.push(pid), pid);
afterEach(() => {
  for (const pid of watched.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
});
beforeAll(() => ensureBuilt());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Whether the process runs (a zombie is dead, only not yet reaped by init, so it counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    // no /proc here, or no such process: ask the kernel
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function waitFor(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function expectGone(pid: number): Promise<void> {
  await waitFor(`process ${pid} to be gone`, () => !alive(pid));
}

/** Resolves with the connection error's code: ECONNREFUSED once nothing listens there. */
function connectError(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? String(err)));
  });
}

/** The probe's JSON line (the last line of stdout). */
function probeOutput(stdout: string): {
  env: Record<string, string | null>;
  argv: string[];
  apps: { status: number; body: { apps: { appid: string; secret: string }[] } };
  session: { status: number; body: { openid?: string; session_key?: string; errcode?: number } };
  backendLogin?: { status: number; body: { code: number; data?: { token?: string } } };
} {
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

/** `wxlogin exec` as a child the test can signal; resolves once CMD wrote DIR/ready. */
async function startExec(args: string[], readyFile: string) {
  const child = spawn(process.execPath, [BIN, 'exec', ...args], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  watch(child.pid!);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let ended = false;
  void exited.then(() => (ended = true));
  await waitFor('the command to be ready', () => existsSync(readyFile) || ended);
  if (!existsSync(readyFile)) throw new Error(`wxlogin exec ended before the command was ready: ${stderr}`);
  return { child, exited, stderr: () => stderr };
}

// Two cores shared with other test files: the grace-period tests take seconds, the ceiling leaves room for a busy machine.
describe('wxlogin exec', { timeout: 60_000 }, () => {
  it('gives the command the mock URL and app, which log a user in; the mock is closed afterwards', async () => {
    const r = await run(['exec', '--', process.execPath, PROBE, 'two words', '--seed', '5'], { env: { EXEC_TEST_INHERITED: 'yes' } });
    expect(r.stderr).toMatch(/^wxlogin exec: mock WeChat http:\/\/127\.0\.0\.1:\d+ \(app wx\w+\); running /);
    expect(r.code).toBe(0);
    const out = probeOutput(r.stdout);
    expect(out.env.WXLOGIN_MOCK_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out.env.WX_API_BASE).toBe(out.env.WXLOGIN_MOCK_URL);
    expect(out.env.WXLOGIN_BACKEND_URL).toBeNull();
    expect(out.env.EXEC_TEST_INHERITED).toBe('yes');
    // Flags after -- are the command's, even those wxlogin also has.
    expect(out.argv).toEqual(['two words', '--seed', '5']);
    expect(out.apps.status).toBe(200);
    expect(out.apps.body.apps[0]).toMatchObject({ appid: out.env.WX_APPID, secret: out.env.WX_SECRET });
    expect(out.session.status).toBe(200);
    expect(out.session.body.errcode ?? 0).toBe(0);
    expect(out.session.body.openid).toMatch(/\S/);
    expect(out.session.body.session_key).toMatch(/\S/);
    expect(await connectError(out.env.WXLOGIN_MOCK_URL!)).toBe('ECONNREFUSED');
  });

  it('serves the app given with --app as WX_APPID and WX_SECRET', async () => {
    const r = await run(['exec', '--app', 'wx1111111111111111:secret1', '--seed', '42', '--', process.execPath, PROBE]);
    expect(r.code).toBe(0);
    const out = probeOutput(r.stdout);
    expect(out.env).toMatchObject({ WX_APPID: 'wx1111111111111111', WX_SECRET: 'secret1' });
    expect(out.session.body.openid).toMatch(/\S/);
  });

  it('with --backend the command gets WXLOGIN_BACKEND_URL, a backend that logs in through the mock', async () => {
    const r = await run(['exec', '--backend', '--', process.execPath, PROBE]);
    expect(r.code).toBe(0);
    const out = probeOutput(r.stdout);
    expect(out.env.WXLOGIN_BACKEND_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out.env.WXLOGIN_BACKEND_URL).not.toBe(out.env.WXLOGIN_MOCK_URL);
    expect(out.backendLogin?.status).toBe(200);
    expect(out.backendLogin?.body.data?.token).toMatch(/\S/);
    expect(r.stderr).toContain(`reference backend ${out.env.WXLOGIN_BACKEND_URL}`);
    expect(await connectError(out.env.WXLOGIN_BACKEND_URL!)).toBe('ECONNREFUSED');
    expect(await connectError(out.env.WXLOGIN_MOCK_URL!)).toBe('ECONNREFUSED');
  });

  it('with --tls the command trusts the mock over HTTPS (NODE_EXTRA_CA_CERTS) and gets its proxy', async () => {
    const data = scratch();
    const script = `
      const r = await fetch(process.env.WXLOGIN_MOCK_HTTPS_URL + '/__admin/apps');
      const keys = ['WXLOGIN_MOCK_HTTPS_URL', 'WXLOGIN_MOCK_CA', 'NODE_EXTRA_CA_CERTS', 'HTTPS_PROXY', 'https_proxy'];
      console.log(JSON.stringify({ status: r.status, body: await r.json(), env: Object.fromEntries(keys.map((k) => [k, process.env[k]])) }));`;
    const r = await run(['exec', '--tls', '--data-dir', data, '--', process.execPath, '--input-type=module', '-e', script]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.status).toBe(200);
    expect(out.body.apps[0].appid).toMatch(/^wx/);
    expect(out.env.WXLOGIN_MOCK_HTTPS_URL).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(out.env.WXLOGIN_MOCK_CA).toBe(join(data, 'tls', 'ca.pem'));
    expect(out.env.NODE_EXTRA_CA_CERTS).toBe(out.env.WXLOGIN_MOCK_CA);
    expect(out.env.HTTPS_PROXY).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out.env.https_proxy).toBe(out.env.HTTPS_PROXY);
    expect(await connectError(out.env.HTTPS_PROXY)).toBe('ECONNREFUSED');
    expect(await connectError(out.env.WXLOGIN_MOCK_HTTPS_URL.replace('https:', 'http:'))).toBe('ECONNREFUSED');
  });

  it("exits with the command's exit code: 0, 3, 128 + N after signal N, 127 when it is not found", async () => {
    const [ok, three, signalled, missing] = await Promise.all([
      run(['exec', '--', process.execPath, '-e', '']),
      run(['exec', '--', process.execPath, '-e', 'process.exit(3)']),
      run(['exec', '--', 'sh', '-c', 'kill -TERM $$']),
      run(['exec', '--', 'wxlogin-no-such-command']),
    ]);
    expect(ok.code).toBe(0);
    expect(three.code).toBe(3);
    expect(three.stderr).toContain('ended with exit status 3; servers stopped');
    expect(three.stderr).not.toContain('wxlogin: error');
    expect(signalled.code).toBe(128 + 15);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('wxlogin: error: cannot run "wxlogin-no-such-command": command not found (ENOENT)');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });

  it('stops what the command left running in the background, even when it ignores SIGTERM', async () => {
    const d = scratch();
    const plain = join(d, 'plain.pid');
    const stubborn = join(d, 'stubborn.pid');
    const [a, b] = await Promise.all([
      run(['exec', '--', 'sh', '-c', `sleep 300 >/dev/null 2>&1 & echo $! > '${plain}'; exit 0`]),
      run(['exec', '--', 'sh', '-c', `trap '' TERM; sleep 300 >/dev/null 2>&1 & echo $! > '${stubborn}'; exit 0`]),
    ]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const pids = [plain, stubborn].map((file) => watch(Number(readFileSync(file, 'utf8'))));
    for (const pid of pids) {
      expect(pid).toBeGreaterThan(1);
      await expectGone(pid);
    }
  });

  it('passes SIGTERM on to the command, exits with its code, and leaves nothing behind', async () => {
    const d = scratch();
    const { child, exited } = await startExec(['--backend', '--', process.execPath, TRAP, d], join(d, 'ready'));
    const cmdPid = watch(Number(readFileSync(join(d, 'ready'), 'utf8')));
    const grandchild = watch(Number(readFileSync(join(d, 'grandchild.pid'), 'utf8')));
    expect(alive(grandchild)).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(7);
    expect(readFileSync(join(d, 'signal'), 'utf8')).toBe('SIGTERM');
    await expectGone(cmdPid);
    await expectGone(grandchild);
  });

  it('passes Ctrl-C (SIGINT) on: a command that dies of it gives 130', async () => {
    const d = scratch();
    const { child, exited } = await startExec(['--', process.execPath, TRAP, d], join(d, 'ready'));
    const grandchild = watch(Number(readFileSync(join(d, 'grandchild.pid'), 'utf8')));
    child.kill('SIGINT');
    expect(await exited).toBe(128 + 2);
    expect(existsSync(join(d, 'signal'))).toBe(false);
    await expectGone(grandchild);
  });

  it('kills a command that ignores the forwarded SIGTERM once the grace period is over (137)', async () => {
    const d = scratch();
    const { child, exited, stderr } = await startExec(['--', process.execPath, TRAP, d, 'ignore'], join(d, 'ready'));
    const cmdPid = watch(Number(readFileSync(join(d, 'ready'), 'utf8')));
    child.kill('SIGTERM');
    expect(await exited).toBe(128 + 9);
    expect(readFileSync(join(d, 'signal'), 'utf8')).toBe('SIGTERM');
    expect(stderr()).toContain('ended with exit status 137');
    await expectGone(cmdPid);
  });

  it('refuses a missing command, a command not after --, --store without --backend, --data-dir without --tls (exit 2)', async () => {
    const [none, noDash, store, dataDir] = await Promise.all([
      run(['exec']),
      run(['exec', 'node', '-e', '1']),
      run(['exec', '--store', 'memory://', '--', 'true']),
      run(['exec', '--data-dir', dir, '--', 'true']),
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("missing required argument 'cmd'");
    expect(noDash.code).toBe(2);
    expect(noDash.stderr).toContain("wxlogin: error: put -- between wxlogin's options and the command");
    expect(store.code).toBe(2);
    expect(store.stderr).toContain('wxlogin: error: --store is for the reference backend: add --backend');
    expect(dataDir.code).toBe(2);
    expect(dataDir.stderr).toContain('wxlogin: error: --data-dir is where the --tls CA is kept: add --tls');
    // Nothing was started: no note about a mock.
    for (const r of [none, noDash, store, dataDir]) expect(r.stderr).not.toContain('mock WeChat');
  });
});
