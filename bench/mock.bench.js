#!/usr/bin/env node
// Mock WeChat throughput: GET /sns/jscode2session with fresh single-use codes, against a bare fastify JSON GET route
// measured in the same run (run `npx tsc -p .` first: imports ../dist). Both servers live in this process; a load
// process of its own drives each over loopback with CONNECTIONS concurrent keep-alive connections, alternating
// bare/mock rounds so background load hits both alike (lib/code-rounds.js). Codes are minted in this process
// beforehand (control.client.login, spread over many users; the 45011 per-user limit is off) and handed over.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alternateRounds, mintCodes, rate, serveLoad } from './lib/code-rounds.js';

const here = dirname(fileURLToPath(import.meta.url));
const entry = join(here, '..', 'dist', 'mock-wechat', 'index.js');
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

  const codes = mintCodes(control, CODES);
  const setup = {
    bare: `${bareUrl}/json`,
    mockBase: mockUrl,
    prefix: `/sns/jscode2session?appid=${appid}&secret=${secret}&grant_type=authorization_code&js_code=`,
    codes,
    connections: CONNECTIONS,
  };
  const total = await alternateRounds(fileURLToPath(import.meta.url), setup, ['bare', 'mock'], { warmMs: WARM_MS, roundMs: ROUND_MS, rounds: ROUNDS });
  await mock.close();
  await bare.close();

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
  let next = 0;
  serveLoad((cfg) => {
    const bare = new URL(cfg.bare);
    return {
      bare: { dispatcher: new Pool(bare.origin, { connections: cfg.connections }), next: () => ({ path: bare.pathname }) },
      mock: {
        dispatcher: new Pool(cfg.mockBase, { connections: cfg.connections }),
        next: () => ({ path: `${cfg.prefix}${cfg.codes[next++ % cfg.codes.length]}` }),
      },
    };
  });
}
