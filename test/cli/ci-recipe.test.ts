// The README's CI script, as written there, run the way its recipe runs it (`npx wxlogin exec -- sh
// ci/wechat-login.sh`) in a fresh project with wxlogin linked in, against a small backend of the tutorial's contract
// (the script's one backend line swapped for it): everything of the recipe but GitHub itself.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt, ROOT } from './helpers.js';

ensureBuilt();

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe("the README's CI recipe", () => {
  let dir: string;
  let out: { code: number | null; stdout: string; stderr: string };
  let port: number;
  beforeAll(async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /<!-- ci-script:start -->\n```sh\n([\s\S]*?)```\n<!-- ci-script:end -->/.exec(readme);
    expect(block, 'the README has the ci-script block').not.toBeNull();
    const backendLine = 'python manage.py runserver "$PORT"';
    expect(block![1]).toContain(backendLine);
    const script = block![1]!.replace(backendLine, `node ${JSON.stringify(join(ROOT, 'test', 'cli', 'exec-fixtures', 'tutorial-backend.mjs'))} "$PORT"`);
    dir = mkdtempSync(join(tmpdir(), 'wxlogin-ci-recipe-'));
    mkdirSync(join(dir, 'ci'));
    writeFileSync(join(dir, 'ci', 'wechat-login.sh'), script);
    writeFileSync(join(dir, 'package.json'), '{"name":"my-backend","private":true}');
    // wxlogin as `npm install` would leave it: the package, and its bin where npx looks first.
    mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(ROOT, join(dir, 'node_modules', 'wxlogin'));
    symlinkSync(join('..', 'wxlogin', 'bin', 'wxlogin.js'), join(dir, 'node_modules', '.bin', 'wxlogin'));
    port = await freePort();
    out = await new Promise((resolve) => {
      execFile(process.execPath, [BIN, 'exec', '--', 'sh', 'ci/wechat-login.sh'], { cwd: dir, env: { ...process.env, PORT: String(port), NO_COLOR: '1' }, timeout: 150_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
      );
    });
  }, 160_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes the journey and the load run, writes the audit scorecard, and exits 0', () => {
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/PASS 13 steps: 6 ok, 0 failed, 7 skipped/);
    expect(out.stdout).toMatch(/PASS 200 users/);
    expect(out.stdout).toMatch(/wxlogin audit · backend http:\/\/127\.0\.0\.1:\d+\/api \(seed contract\)/);
    const xml = join(dir, 'wxlogin-audit.xml');
    expect(existsSync(xml)).toBe(true);
    expect(XMLValidator.validate(readFileSync(xml, 'utf8'))).toBe(true);
  });

  it('leaves no backend running: its port is closed once exec returns', async () => {
    const { connect } = await import('node:net');
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.on('connect', () => (s.destroy(), resolve(false)));
      s.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});
