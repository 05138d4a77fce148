#!/usr/bin/env node
// The mock's TLS front: GET /sns/jscode2session with fresh single-use codes over HTTPS (certificate for
// api.weixin.qq.com from the local CA), against the same mock's plain-HTTP port measured in the same run (run
// `npx tsc -p .` first: imports ../dist). Same shape as mock.bench.js (lib/code-rounds.js): the mock lives in this
// process, a load process of its own drives it over loopback with CONNECTIONS keep-alive connections, rounds alternate
// between targets so background load hits them alike. The CONNECT proxy is measured too, for information.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alternateRounds, mintCodes, rate, serveLoad } from './lib/code-rounds.js';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist', 'mock-wechat');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 2500);
const ROUNDS = 2;
const WARM_MS = 1000;
const CODES = Number(process.env.BENCH_CODES ?? 300_000);
const TARGETS = ['http', 'tls', 'proxy'];

if (process.argv[2] === 'load') await loadProcess();
else await main();

async function main() {
  if (!existsSync(join(dist, 'front', 'index.js'))) {
    console.error('dist/mock-wechat/front/index.js is missing: run `npx tsc -p .` first');
    process.exit(1);
  }
  const { buildMockWechat } = await import(join(dist, 'index.js'));
  const { createFront, listenOn, urlOf } = await import(join(dist, 'front', 'index.js'));

  const dataDir = mkdtempSync(join(tmpdir(), 'wxlogin-tls-bench-'));
  const { app, control } = buildMockWechat({ seed: 'bench', loginRateLimitPerMinute: 0, logger: false });
  const [{ appid, secret }] = control.apps();
  const httpUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  const t0 = performance.now();
  const front = await createFront(app, { dataDir, proxy: true });
  const tlsUrl = urlOf('https', await listenOn(front.tls, 0, '127.0.0.1'));
  const proxyUrl = urlOf('http', await listenOn(front.proxy.server, 0, '127.0.0.1'));
  console.log(`made the local CA and the server certificate in ${Math.round(performance.now() - t0)} ms`);

  const setup = {
    httpUrl,
    tlsUrl,
    proxyUrl,
    ca: readFileSync(front.ca.certPath, 'utf8'),
    path: `/sns/jscode2session?appid=${appid}&secret=${secret}&grant_type=authorization_code&js_code=`,
    codes: mintCodes(control, CODES),
    connections: CONNECTIONS,
  };
  const total = await alternateRounds(fileURLToPath(import.meta.url), setup, TARGETS, { warmMs: WARM_MS, roundMs: ROUND_MS, rounds: ROUNDS });
  await front.close();
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });

  const line = (label, t) =>
    console.log(`${label.padEnd(40)} ${rate(t).toFixed(0).padStart(7)} req/s  (${t.n} requests, ${t.ok} exchanged a fresh code)`);
  console.log(`connections ${CONNECTIONS}, ${ROUNDS} alternating rounds of ${ROUND_MS} ms each (after ${WARM_MS} ms warm-up)`);
  line('mock jscode2session, plain HTTP', total.http);
  line('mock jscode2session, HTTPS', total.tls);
  line('mock jscode2session, HTTPS via the proxy', total.proxy);
  for (const t of TARGETS) if (total[t].ok !== total[t].n) console.log(`!! ${total[t].n - total[t].ok} ${t} answers were not a session`);
  console.log(`(via the CONNECT proxy: ${(rate(total.proxy) / rate(total.http)).toFixed(2)} of plain HTTP, for information)`);
  console.log(`RATIO mock-tls-vs-http ${(rate(total.tls) / rate(total.http)).toFixed(2)} (aim >= 0.5)`);
}

async function loadProcess() {
  const { Pool, ProxyAgent } = await import('undici');
  let next = 0;
  serveLoad((cfg) => {
    // The HTTPS clients verify the certificate for api.weixin.qq.com against the CA, as a backend would.
    const tls = { ca: cfg.ca, servername: 'api.weixin.qq.com' };
    const path = () => `${cfg.path}${cfg.codes[next++ % cfg.codes.length]}`;
    return {
      http: { dispatcher: new Pool(cfg.httpUrl, { connections: cfg.connections }), next: () => ({ origin: cfg.httpUrl, path: path() }) },
      tls: { dispatcher: new Pool(cfg.tlsUrl, { connections: cfg.connections, connect: tls }), next: () => ({ origin: cfg.tlsUrl, path: path() }) },
      proxy: {
        dispatcher: new ProxyAgent({ uri: cfg.proxyUrl, requestTls: tls, connections: cfg.connections }),
        next: () => ({ origin: 'https://api.weixin.qq.com', path: path() }),
      },
    };
  });
}
