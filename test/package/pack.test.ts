// wxlogin as another project gets it: packed (`npm pack`), installed from the tarball into a fresh project without
// the optional SQLite packages, every entry point imported from TypeScript (type-checked) and from plain
// JavaScript, and a tiny node:test file there that uses the mock in-process through `wxlogin/testing`.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../cli/helpers.js';

ensureBuilt();

const ENTRIES = ['wxlogin', 'wxlogin/mock', 'wxlogin/backend', 'wxlogin/client', 'wxlogin/testing', 'wxlogin/audit'];
// Asynchronous: an install takes a minute, and a blocked worker cannot answer vitest's own calls meanwhile.
const run = promisify(execFile);
const sh = async (cmd: string, args: string[], cwd: string) => (await run(cmd, args, { cwd, encoding: 'utf8', timeout: 240_000, maxBuffer: 16 << 20 })).stdout;

describe('the packed package in a fresh project', () => {
  let dir: string;
  let project: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wxlogin-pack-'));
    // --ignore-scripts: dist/ is built already (npm test builds first); packing must not rebuild it under the tests
    // that are running from it.
    const out = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
    const tarball = join(dir, (JSON.parse(out) as { filename: string }[])[0]!.filename);
    project = join(dir, 'consumer');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const typesNode = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['@types/node'];
    await sh('npm', ['install', '--omit=optional', '--no-audit', '--no-fund', tarball, `@types/node@${typesNode}`], project);
  }, 300_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs without the optional SQLite packages and ships declarations', () => {
    expect(existsSync(join(project, 'node_modules', 'wxlogin', 'dist', 'src', 'testing', 'index.d.ts'))).toBe(true);
    expect(existsSync(join(project, 'node_modules', 'sqlite3'))).toBe(false);
  });

  it('every entry point type-checks from TypeScript', async () => {
    writeFileSync(
      join(project, 'check.ts'),
      `import { buildMockWechat, buildBackend, runFlow, startMockWechat, auditBackend } from 'wxlogin';
import { buildMockWechat as bm, type MockOptions, type MockControl, type FaultSpec } from 'wxlogin/mock';
import { buildBackend as bb, openStore, type BackendConfig, type Store } from 'wxlogin/backend';
import { createMockClient, createBackendClient, resolveContract, runLoad, type FlowReport } from 'wxlogin/client';
import { useMockWechat, type TestMock } from 'wxlogin/testing';
import { ALL_CHECKS, toJUnit, type AuditReport, type Check } from 'wxlogin/audit';
const opts: MockOptions = { seed: 1 };
const fault: FaultSpec = { endpoint: '/sns/jscode2session', kind: 'errcode', errcode: -1 };
const config: BackendConfig = { appId: 'wx1234567890abcdef', appSecret: 'x', wechatBaseUrl: 'http://127.0.0.1:1', store: 'memory://' };
export async function use(m: TestMock, control: MockControl, store: Store, r: FlowReport, a: AuditReport, c: Check): Promise<number> {
  const code: string = m.code('alice');
  const id: string = m.fault(fault);
  const x: string = toJUnit(a);
  // @ts-expect-error a fault needs a kind
  m.fault({ endpoint: '*' });
  return code.length + id.length + x.length + r.steps.length + c.id.length + control.now() + ALL_CHECKS.length + (await store.ping(10), 0);
}
export const all = [buildMockWechat, buildBackend, runFlow, startMockWechat, auditBackend, bm, bb, openStore, createMockClient, createBackendClient, resolveContract, runLoad, useMockWechat, opts, config];
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] }, files: ['check.ts'] }),
    );
    const r = await (async () => {
      try {
        return await sh(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], project);
      } catch (err) {
        return String((err as { stdout?: string }).stdout ?? err);
      }
    })();
    expect(r).toBe('');
  }, 120_000);

  it('every entry point imports from plain JavaScript, and a node:test file uses the mock in-process', async () => {
    writeFileSync(join(project, 'imports.mjs'), `${ENTRIES.map((e, i) => `import * as m${i} from '${e}';`).join('\n')}\nconsole.log(JSON.stringify([${ENTRIES.map((_, i) => `Object.keys(m${i}).length`).join(', ')}]));\n`);
    const counts = JSON.parse(await sh(process.execPath, ['imports.mjs'], project)) as number[];
    for (const n of counts) expect(n).toBeGreaterThan(0);
    writeFileSync(
      join(project, 'login.test.mjs'),
      `import { before, after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { useMockWechat } from 'wxlogin/testing';

const wx = useMockWechat({ seed: 'consumer' }, { before, after, afterEach });

test('a backend exchanges a code at the mock', async () => {
  const q = new URLSearchParams({ appid: wx.appid, secret: wx.secret, js_code: wx.code('alice'), grant_type: 'authorization_code' });
  const body = await (await fetch(wx.env.WX_API_BASE + '/sns/jscode2session?' + q)).json();
  assert.match(body.openid, /^o/);
  assert.equal(typeof body.session_key, 'string');
});

test('a fault lasts for its test only', async () => {
  wx.fault({ endpoint: '/sns/jscode2session', kind: 'errcode', errcode: -1, times: 5 });
  const q = new URLSearchParams({ appid: wx.appid, secret: wx.secret, js_code: wx.code('bob'), grant_type: 'authorization_code' });
  assert.equal((await (await fetch(wx.url + '/sns/jscode2session?' + q)).json()).errcode, -1);
});

test('the next test starts clean', async () => {
  const q = new URLSearchParams({ appid: wx.appid, secret: wx.secret, js_code: wx.code('bob'), grant_type: 'authorization_code' });
  assert.match((await (await fetch(wx.url + '/sns/jscode2session?' + q)).json()).openid, /^o/);
});
`,
    );
    const out = await sh(process.execPath, ['--test', 'login.test.mjs'], project);
    expect(out).toMatch(/# pass 3/);
    expect(out).toMatch(/# fail 0/);
  }, 120_000);
});
