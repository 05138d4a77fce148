#!/usr/bin/env node
// Mock WeChat throughput: GET /sns/jscode2session with fresh single-use codes, against a bare fastify JSON GET route
// measured in the same run (run `npx tsc -p .` first: imports ../dist). Both servers live in this process; a load
// process of its own (child_process.fork) drives each over loopback with CONNECTIONS concurrent keep-alive
// connections, alternating bare/mock rounds so background load hits both alike. Codes are minted in this process
// beforehand (control.client.login, spread over many users; the 45011 per-user limit is off) and handed over.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const entry = join(here, '..', 'dist', 'mock-wechat', 'index.js');
const self = fileURLToPath(import.meta.url);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 2500);
const ROUNDS = 2;
const WARM_MS = 1000;
const CODES = Number(process.env.BENCH_CODES ?? 250_000);

if (process.argv[2] === 'load') await loadProcess();
else await main();

async function main() {
  if (!existsSync(entry)) {
    console.error('dist/mock-wechat/index.js is missing: run `npx tsc -p .` first');
    process.exit(1);
  }
  const { buildMockWechat } = await import(entry);
  const { default: Fastify } = await import('fastify');

  const { app: mock, control } = buildMockWechat({ seed: 'bench', loginRateLimitPerMinute: 0, logger: false });
  const [{ appid, secret }] = control.apps();
  const mockUrl = await mock.listen({ port: 0, host: '127.0.0.1' });

  const bare = Fastify({ logger: false });
  const str = { type: 'string' };
  bare.get(
    '/json',
    { schema: { response: { 200: { type: 'object', properties: { session_key: str, openid: str } } } } },
    async () => ({ session_key: 'LDpW+CFPbtlKOoY4mw+GHg==', openid: 'oxWuWDMwOxNAateqTdlvrEYmaAeK' }),
  );
  const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });

  const t0 = performance.now();
  const codes = new Array(CODES);
  for (let i = 0; i < CODES; i++) codes[i] = control.client.login({ user: `bench-user-${i % 5000}` }).code;
  console.log(`minted ${CODES} codes for 5000 users in ${Math.round(performance.now() - t0)} ms`);

  const child = fork(self, ['load'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  const ask = (msg) =>
    new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('error', reject);
      child.send(msg);
    });
  await ask({
    setup: {
      bare: `${bareUrl}/json`,
      mockBase: mockUrl,
      prefix: `/sns/jscode2session?appid=${appid}&secret=${secret}&grant_type=authorization_code&js_code=`,
      codes,
      connections: CONNECTIONS,
    },
  });

  await ask({ run: 'bare', ms: WARM_MS });
  await ask({ run: 'mock', ms: WARM_MS });
  const total = { bare: { n: 0, ok: 0, ms: 0 }, mock: { n: 0, ok: 0, ms: 0 } };
  for (let r = 0; r < ROUNDS; r++) {
    for (const target of ['bare', 'mock']) {
      const res = await ask({ run: target, ms: ROUND_MS });
      total[target].n += res.n;
      total[target].ok += res.ok;
      total[target].ms += res.ms;
    }
  }
  child.send({ stop: true });
  await new Promise((r) => child.once('exit', r));
  await mock.close();
  await bare.close();

  const rate = (t) => (t.n * 1000) / t.ms;
  const bareRate = rate(total.bare);
  const mockRate = rate(total.mock);
  console.log(`connections ${CONNECTIONS}, ${ROUNDS} alternating rounds of ${ROUND_MS} ms each (after ${WARM_MS} ms warm-up)`);
  console.log(`bare fastify JSON GET        ${bareRate.toFixed(0).padStart(7)} req/s  (${total.bare.n} requests)`);
  console.log(
    `mock jscode2session (fresh)   ${mockRate.toFixed(0).padStart(7)} req/s  (${total.mock.n} requests, ${total.mock.ok} exchanged a fresh code)`,
  );
  if (total.mock.ok !== total.mock.n) console.log(`!! ${total.mock.n - total.mock.ok} mock answers were not a session`);
  console.log(`RATIO mock-jscode2session-vs-bare ${(mockRate / bareRate).toFixed(2)} (aim >= 0.5)`);
}

async function loadProcess() {
  const { Pool } = await import('undici');
  let cfg;
  let pools;
  let next = 0;
  process.on('message', async (m) => {
    if (m.setup) {
      cfg = m.setup;
      const bare = new URL(cfg.bare);
      pools = {
        bare: { pool: new Pool(bare.origin, { connections: cfg.connections }), path: () => bare.pathname },
        mock: {
          pool: new Pool(cfg.mockBase, { connections: cfg.connections }),
          path: () => `${cfg.prefix}${cfg.codes[next++ % cfg.codes.length]}`,
        },
      };
      process.send({ ok: true });
    } else if (m.run) {
      const { pool, path } = pools[m.run];
      const expect = m.run === 'mock' ? '"openid"' : '"openid"';
      let n = 0;
      let ok = 0;
      const start = performance.now();
      const deadline = start + m.ms;
      const worker = async () => {
        while (performance.now() < deadline) {
          const res = await pool.request({ method: 'GET', path: path() });
          const text = await res.body.text();
          n++;
          if (res.statusCode === 200 && text.includes(expect)) ok++;
        }
      };
      await Promise.all(Array.from({ length: cfg.connections }, worker));
      process.send({ n, ok, ms: performance.now() - start });
    } else if (m.stop) {
      await Promise.all(Object.values(pools).map((p) => p.pool.close()));
      process.exit(0);
    }
  });
}
