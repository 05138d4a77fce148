import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, ensureBuilt, ROOT, run } from './helpers.js';

const dataDir = mkdtempSync(join(tmpdir(), 'wxlogin-up-text-'));
beforeAll(() => ensureBuilt());
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('wxlogin up', () => {
  it('prints both URLs and a copy-paste example, and stops both on SIGINT with exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'up', '--mock-port', '0', '--port', '0', '--data-dir', dataDir], {
      cwd: ROOT,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ctrl-C stops both.')) resolve();
      });
      child.on('exit', () => reject(new Error(`exited early: ${err}`)));
    });
    const mock = /mock WeChat +(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    const backend = /reference backend +(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(mock).toBeDefined();
    expect(backend).toBeDefined();
    expect(out).toContain(`npx wxlogin flow --backend ${backend} --mock ${mock}`);
    expect(out).toContain(`TOKEN=$(npx wxlogin login --backend ${backend} --mock ${mock})`);
    expect(out).toContain(`store sqlite://${join(dataDir, 'backend.sqlite')}`);
    expect(out).not.toMatch(/\x1b\[/);

    // The printed example works while it runs.
    const flow = await run(['flow', '--backend', backend!, '--mock', mock!]);
    expect(flow.code).toBe(0);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(err).toMatch(/SIGINT: mock and backend stopped/);
  });

  it('a port in use is one clear line, exit 1', async () => {
    const first = spawn(process.execPath, [BIN, '--json', 'up', '--mock-port', '0', '--port', '0', '--data-dir', dataDir], {
      cwd: ROOT,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ready = await new Promise<{ mock: string; backend: string; dashboard: string }>((resolve) => {
      let out = '';
      first.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!));
      });
    });
    // The dashboard's URL names the backend, which lets the mock's own origin call it (CORS) from the page.
    expect(ready.dashboard).toBe(`${ready.mock}/__ui/?backend=${encodeURIComponent(ready.backend)}`);
    const pre = await fetch(`${ready.backend}/login`, { method: 'OPTIONS', headers: { origin: new URL(ready.mock).origin, 'access-control-request-method': 'POST' } });
    expect(pre.headers.get('access-control-allow-origin')).toBe(new URL(ready.mock).origin);
    const other = await fetch(`${ready.backend}/login`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const port = new URL(ready.mock).port;
    const r = await run(['up', '--mock-port', port, '--port', '0', '--data-dir', dataDir]);
    first.kill('SIGTERM');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^wxlogin: error: a port is already in use .*--mock-port and --port/);
  });
});
