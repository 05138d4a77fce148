#!/usr/bin/env node
// Backend benchmarks, each against a baseline measured in the same run (run `npx tsc -p .` first: imports ../dist).
// (a) logins/s: the mock WeChat and the backend each serve from a server process; a load process of its own drives 32
//     concurrent simulated users, each login = POST mock /__client/login for a code, then POST backend /login.
//     Baseline: a pair of bare fastify JSON routes in a server process, driven the same way (2 requests/iteration).
//     First-time logins: the same with a new user at every login, so the user record is written every time.
// (b) decrypts/s of src/crypto decryptOpenData against a bare node:crypto AES-128-CBC loop over the same payloads.
// (c) the time openOpenData (what the backend's open-data routes run) takes for each kind of bad input, against the
//     fastest of them: the backend answers them all alike, so no kind may be measurably slower or faster.
// Knobs (env): BENCH_ONLY=login|decrypt, BENCH_ROUNDS (7), BENCH_RUN_MS (2000), BENCH_WARM_MS (1500),
// BENCH_LAYOUT=one (mock and backend in one process), BENCH_STORE=URI (default an SQLite file in a temp dir),
// BENCH_STUB=1 (a minimal WeChat stub instead of the mock: the backend's own share), BENCH_SERVER_FLAGS="--cpu-prof"
// (profile the servers' whole lives), BENCH_PROFILE=DIR (profile only the counted runs), BENCH_AGAINST=DIR (another
// checkout, built: its mock and backend run as a third side in every round, and the RATIO lines compare this build
// with it; the way to show that a change did not cost the hot path on a machine whose speed drifts).
import { fork } from 'node:child_process';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// A server process of the BENCH_AGAINST side imports that checkout's build; everything else imports this one's.
const dist = process.env.BENCH_SERVER_DIST ?? join(here, '..', 'dist');
const self = fileURLToPath(import.meta.url);
const APPID = 'wx1234567890abcdef';
const SECRET = 'mocksecret000000000000000000000a';
const USERS = 32;
const WARM_MS = Number(process.env.BENCH_WARM_MS ?? 1500);
// Many short rounds rather than a few long ones: on a shared machine the speed of the CPU itself drifts over seconds,
// and the median of more alternations between the two sides is steadier.
const RUN_MS = Number(process.env.BENCH_RUN_MS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const LAYOUT = process.env.BENCH_LAYOUT === 'one' ? 'one' : 'two';

// ---------------------------------------------------------------- servers (child processes)

/** 'mark' starts a CPU count (when a load run starts counting), 'report' answers it, 'stop' closes and exits. */
function onControl(close) {
  let mark = process.cpuUsage();
  // BENCH_PROFILE=DIR: a CPU profile of each server covering only the counted part of each run (not start-up, not
  // the other side's runs), written to DIR as <role>-<pid>-<n>.cpuprofile.
  const profileDir = process.env.BENCH_PROFILE;
  let session;
  let profiles = 0;
  const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (err, r) => (err ? reject(err) : resolve(r))));
  process.on('message', async (m) => {
    if (m === 'mark') {
      mark = process.cpuUsage();
      if (profileDir) {
        if (!session) {
          const { Session } = await import('node:inspector');
          session = new Session();
          session.connect();
          await post('Profiler.enable');
        }
        await post('Profiler.start');
      }
    }
    if (m === 'report') {
      const u = process.cpuUsage(mark);
      if (session) {
        const { profile } = await post('Profiler.stop');
        const { writeFileSync } = await import('node:fs');
        writeFileSync(join(profileDir, `${process.argv[2]}-${process.pid}-${++profiles}.cpuprofile`), JSON.stringify(profile));
      }
      process.send({ cpuUs: u.user + u.system });
    }
    if (m === 'stop') {
      await close();
      process.exit(0);
    }
  });
}

async function bareServer() {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  // Same shapes as the real pair: a code out of the first, a token out of the second, with response schemas.
  let n = 0;
  const str = { type: 'string' };
  app.post('/code', { schema: { response: { 200: { type: 'object', properties: { errMsg: str, code: str } } } } }, async () => ({
    errMsg: 'login:ok',
    code: `c${++n}`,
  }));
  app.post('/login', {
    schema: {
      body: { type: 'object', required: ['code'], properties: { code: str } },
      response: { 200: { type: 'object', properties: { code: { type: 'integer' }, msg: str, data: { type: 'object', properties: { token: str, expiresIn: { type: 'integer' } } } } } },
    },
  }, async (req) => ({ code: 200, msg: 'ok', data: { token: req.body.code, expiresIn: 86400 } }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  process.send({ ready: true, codeUrl: `${url}/code`, loginUrl: `${url}/login` });
  onControl(() => app.close());
}

/**
 * BENCH_STUB=1: a minimal WeChat in place of the mock (single-use codes, one openid and key per user, nothing else),
 * to tell the backend's own cost from the mock's. A diagnostic: the ratios the issue sets are measured with the mock.
 */
async function stubServer() {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  const codes = new Map();
  let n = 0;
  app.post('/__client/login', async (req) => {
    const code = `stub${++n}`;
    codes.set(code, String(req.body?.user));
    return { errMsg: 'login:ok', code };
  });
  app.get('/sns/jscode2session', async (req) => {
    const user = codes.get(req.query.js_code);
    if (user === undefined) return { errcode: 40029, errmsg: 'invalid code' };
    codes.delete(req.query.js_code);
    return { session_key: 'WNxfb+n2/myLQX0kQHT/3Q==', openid: `o${user}` };
  });
  const mockUrl = (await app.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
  process.send({ ready: true, mockUrl });
  onControl(() => app.close());
}

async function mockServer() {
  if (process.env.BENCH_STUB === '1') return stubServer();
  const { buildMockWechat } = await import(join(dist, 'mock-wechat', 'index.js'));
  const { app: mock } = buildMockWechat({ seed: 1, logger: false, loginRateLimitPerMinute: 0, journalLimit: 100, maxUsers: 0 });
  const mockUrl = (await mock.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
  process.send({ ready: true, mockUrl });
  onControl(() => mock.close());
}

async function backendServer(mockUrlArg) {
  const { buildBackend } = await import(join(dist, 'src', 'backend', 'index.js'));
  let mockUrl = mockUrlArg;
  let mock;
  if (!mockUrl) {
    // BENCH_LAYOUT=one: the mock in the backend's process.
    const { buildMockWechat } = await import(join(dist, 'mock-wechat', 'index.js'));
    mock = buildMockWechat({ seed: 1, logger: false, loginRateLimitPerMinute: 0, journalLimit: 100, maxUsers: 0 }).app;
    mockUrl = (await mock.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
  }
  const data = mkdtempSync(join(tmpdir(), 'wxlogin-bench-'));
  const backend = await buildBackend({
    appId: APPID,
    appSecret: SECRET,
    wechatBaseUrl: mockUrl,
    store: process.env.BENCH_STORE ?? `sqlite://${join(data, 'bench.sqlite')}`,
    loginRateLimitPerMinute: 0,
    logger: false,
    maxConnections: 4096,
  });
  const url = (await backend.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
  process.send({ ready: true, codeUrl: `${mockUrl}/__client/login`, loginUrl: `${url}/login` });
  onControl(async () => {
    await backend.close();
    if (mock) await mock.close();
    rmSync(data, { recursive: true, force: true });
  });
}

// ---------------------------------------------------------------- load (child process)

async function load({ codeUrl, loginUrl, users, warmMs, runMs, fresh }) {
  const { Agent, request } = await import('undici');
  const dispatcher = new Agent({ connections: users * 2, pipelining: 1, keepAliveTimeout: 10_000 });
  let counting = false;
  let done = 0;
  let failed = 0;
  let stop = false;
  const lat = [];
  const post = async (url, body) => {
    const r = await request(url, { method: 'POST', dispatcher, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = await r.body.json();
    return { status: r.statusCode, json };
  };
  async function user(i) {
    const name = `bench-user-${i}`;
    let n = 0;
    while (!stop) {
      const t0 = performance.now();
      // fresh: a user the mock and the backend have never seen (the mock creates it on first use).
      const c = await post(codeUrl, { user: fresh ? `${name}-${process.pid}-${n++}` : name });
      const l = await post(loginUrl, { code: c.json.code });
      if (!counting) continue;
      if (c.status === 200 && l.status === 200 && l.json.data?.token) {
        done++;
        lat.push(performance.now() - t0);
      } else failed++;
    }
  }
  const all = Array.from({ length: users }, (_, i) => user(i));
  await new Promise((r) => setTimeout(r, warmMs));
  counting = true;
  process.send({ counting: true });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, runMs));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  counting = false;
  stop = true;
  await Promise.all(all);
  await dispatcher.close();
  lat.sort((a, b) => a - b);
  const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor((lat.length * p) / 100))] : NaN);
  const loadCpuUs = (cpu.user + cpu.system) / Math.max(1, done + failed);
  process.send({ perSecond: done / elapsed, done, failed, p50: pct(50), p99: pct(99), loadCpuUs });
}

// ---------------------------------------------------------------- orchestration

function spawn(args, execArgv = [], env = process.env) {
  const child = fork(self, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv, env });
  const first = new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
  return { child, first };
}

const ask = (child, msg) =>
  new Promise((resolve) => {
    child.once('message', resolve);
    child.send(msg);
  });

/** Starts the servers of one side and keeps them up for every round; serverDist: the build they run (this one's by default). */
async function startSide(kind, serverDist) {
  // BENCH_SERVER_FLAGS="--cpu-prof" profiles the server processes (for finding hot spots, not for the figures).
  const flags = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
  const env = serverDist ? { ...process.env, BENCH_SERVER_DIST: serverDist } : process.env;
  const servers = [];
  let info;
  if (kind === 'bare') {
    servers.push(spawn(['bare-server'], flags));
    info = await servers[0].first;
  } else if (LAYOUT === 'one') {
    servers.push(spawn(['backend-server', ''], flags, env));
    info = await servers[0].first;
  } else {
    // The mock and the backend each in a server process of their own, as they would be deployed.
    servers.push(spawn(['mock-server'], flags, env));
    const { mockUrl } = await servers[0].first;
    servers.push(spawn(['backend-server', mockUrl], flags, env));
    info = await servers[1].first;
  }
  return {
    async run(warmMs, runMs, fresh = false) {
      const loader = spawn(['load', JSON.stringify({ codeUrl: info.codeUrl, loginUrl: info.loginUrl, users: USERS, warmMs, runMs, fresh })]);
      await loader.first; // counting starts
      for (const sv of servers) sv.child.send('mark');
      const result = await new Promise((r) => loader.child.once('message', r));
      const cpu = [];
      for (const sv of servers) cpu.push((await ask(sv.child, 'report')).cpuUs);
      const n = Math.max(1, result.done + result.failed);
      result.serverCpuUs = cpu.map((us) => us / n);
      return result;
    },
    async stop() {
      for (const sv of [...servers].reverse()) {
        const exited = new Promise((r) => sv.child.once('exit', r));
        sv.child.send('stop');
        await exited;
      }
    },
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function decryptBench(decryptOpenData) {
  // 256 distinct payloads shaped like a classic getUserInfo, each under its own key and iv.
  const payloads = [];
  for (let i = 0; i < 256; i++) {
    const key = randomBytes(16);
    const iv = randomBytes(16);
    const plain = JSON.stringify({
      openId: `oGZUI0egBJY1zhBYw2KhdU${i.toString(36).padStart(6, '0')}`,
      nickName: `User ${i}`,
      gender: i % 3,
      language: 'zh_CN',
      city: 'Guangzhou',
      province: 'Guangdong',
      country: 'CN',
      avatarUrl: `http://wx.qlogo.cn/mmopen/vi_32/${randomBytes(60).toString('base64url')}/0`,
      unionId: `ocMvos6NjeKLIBqg5Mr9Qj${i.toString(36).padStart(6, '0')}`,
      watermark: { timestamp: 1477314187 + i, appid: APPID },
    });
    const c = createCipheriv('aes-128-cbc', key, iv);
    const encryptedData = Buffer.concat([c.update(plain, 'utf8'), c.final()]).toString('base64');
    payloads.push({ encryptedData, iv: iv.toString('base64'), sessionKey: key.toString('base64'), appId: APPID });
  }
  // The bare loop: what every SDK minimally does per payload (base64-decode the three inputs, AES-128-CBC decipher
  // with Node's own padding check, read the plaintext as UTF-8 and JSON-parse it). No validation of anything.
  const bare = (p) => {
    const d = createDecipheriv('aes-128-cbc', Buffer.from(p.sessionKey, 'base64'), Buffer.from(p.iv, 'base64'));
    const out = Buffer.concat([d.update(Buffer.from(p.encryptedData, 'base64')), d.final()]);
    return JSON.parse(out.toString('utf8'));
  };
  const ours = (p) => decryptOpenData(p);
  for (const p of payloads) {
    const a = bare(p);
    const b = ours(p);
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error('decrypt mismatch between bare loop and decryptOpenData');
  }
  const rate = (fn, ms) => {
    let n = 0;
    let sink = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ms) {
      for (let i = 0; i < payloads.length; i++) sink += fn(payloads[i]).gender;
      n += payloads.length;
      t = performance.now();
    }
    if (sink < 0) console.log(sink);
    return n / ((t - t0) / 1000);
  };
  rate(bare, 300);
  rate(ours, 300);
  // Interleave rounds so that load from elsewhere on the machine hits both sides alike; keep the best of each.
  let bestBare = 0;
  let bestOurs = 0;
  for (let round = 0; round < 5; round++) {
    bestBare = Math.max(bestBare, rate(bare, 400));
    bestOurs = Math.max(bestOurs, rate(ours, 400));
  }
  return { bare: bestBare, ours: bestOurs };
}

/**
 * ns per call of openOpenData for each kind of bad input a padding-oracle attacker sends: bad padding, valid padding
 * over bytes that are not JSON, JSON that is not an object, another app's watermark, another user's openId.
 */
function failureTiming(openOpenData) {
  const key = randomBytes(16);
  const iv = randomBytes(16);
  const enc = (plain) => {
    const c = createCipheriv('aes-128-cbc', key, iv);
    return Buffer.concat([c.update(plain), c.final()]);
  };
  const filler = 'x'.repeat(300);
  const good = JSON.stringify({ openId: 'oSession', nickName: filler, watermark: { appid: APPID, timestamp: 1 } });
  const raw = (plain) => {
    const c = createCipheriv('aes-128-cbc', key, iv);
    c.setAutoPadding(false);
    return Buffer.concat([c.update(plain), c.final()]);
  };
  const size = enc(good).length;
  // The padding oracle is the difference between garbage whose padding fails and garbage whose padding holds: the
  // ratio compares those two. Wrong lengths depend only on what the sender chose (no secret in their timing), and the
  // last three need the key to make (valid JSON under it): shown, not in the ratio.
  const blind = ['bad_padding', 'valid_padding'];
  // The garbage kinds get many samples each, used in turn: how far the text check reads into one garbage plaintext
  // before refusing it depends on its bytes, so a single sample per kind would give each kind its own luck of the draw.
  const many = (make) => Array.from({ length: 64 }, make);
  const kinds = {
    bad_padding: many(() => raw(randomBytes(size))),
    valid_padding: many(() => raw(Buffer.concat([randomBytes(size - 1), Buffer.from([1])]))),
    short: many(() => randomBytes(size - 7)),
    iv_12_bytes: many(() => raw(randomBytes(size))),
    not_object: [enc(JSON.stringify([filler, APPID, 'oSession', 1, 2, 3, filler.slice(0, 40)]))],
    other_app: [enc(good.replace(APPID, 'wxfedcba0987654321'))],
    other_user: [enc(good.replace('oSession', 'oAnother'))],
  };
  const sessionKey = key.toString('base64');
  const accept = (o) => o.openId === undefined || o.openId === 'oSession';
  for (const data of Object.values(kinds).flat()) {
    if (openOpenData({ data, iv, sessionKey, appId: APPID, accept }) !== undefined) throw new Error('a bad input was accepted');
  }
  // Calls of every kind interleaved, each timed: drift of the machine (frequency, other load, the JIT) falls on all
  // kinds alike instead of on whichever ran last.
  const names = Object.keys(kinds);
  const iv12 = iv.subarray(0, 12);
  const ivOf = (k) => (k === 'iv_12_bytes' ? iv12 : iv);
  const samples = Object.fromEntries(names.map((k) => [k, []]));
  for (let round = 0; round < 7; round++) {
    const total = Object.fromEntries(names.map((k) => [k, 0n]));
    const per = 20_000;
    const order = [...names];
    for (let i = 0; i < per; i++) {
      // A new order every cycle, so that no kind always follows the same other one.
      for (let j = order.length - 1; j > 0; j--) {
        const r = Math.floor(Math.random() * (j + 1));
        [order[j], order[r]] = [order[r], order[j]];
      }
      for (const k of order) {
        const data = kinds[k][i % kinds[k].length];
        const t0 = process.hrtime.bigint();
        openOpenData({ data, iv: ivOf(k), sessionKey, appId: APPID, accept });
        total[k] += process.hrtime.bigint() - t0;
      }
    }
    for (const k of names) samples[k].push(Number(total[k]) / per);
  }
  return { blind, ns: Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, median(xs)])) };
}

async function orchestrate() {
  const backendJs = join(dist, 'src', 'backend', 'index.js');
  const cryptoJs = join(dist, 'src', 'crypto', 'index.js');
  if (!existsSync(backendJs) || !existsSync(cryptoJs) || !existsSync(join(dist, 'mock-wechat', 'index.js'))) {
    console.error('dist/ is missing the backend, crypto or mock build: run `npx tsc -p .` first');
    process.exit(1);
  }
  const only = process.env.BENCH_ONLY;
  if (!only || only === 'decrypt') {
    const { decryptOpenData } = await import(cryptoJs);
    const d = decryptBench(decryptOpenData);
    console.log(`decrypt: bare node:crypto AES-128-CBC ${Math.round(d.bare)}/s, decryptOpenData ${Math.round(d.ours)}/s (256 getUserInfo-sized payloads, best of 5 interleaved rounds)`);
    console.log(`RATIO decrypt-vs-bare-aes ${(d.ours / d.bare).toFixed(3)} (aim >= 0.8)`);
  }
  if (!only || only === 'decrypt') {
    const { openOpenData } = await import(cryptoJs);
    const { blind, ns } = failureTiming(openOpenData);
    const b = blind.map((k) => ns[k]);
    console.log(`decrypt failures, ns per openOpenData call (calls interleaved, median of 7 rounds): ${Object.entries(ns).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
    console.log(`RATIO decrypt-failure-padding-slowest-vs-fastest ${(Math.max(...b) / Math.min(...b)).toFixed(3)} (aim <= 1.1; ${blind.join(' vs ')})`);
  }
  if (!only || only === 'login') {
    const againstDist = process.env.BENCH_AGAINST ? join(resolve(process.env.BENCH_AGAINST), 'dist') : undefined;
    if (againstDist && !existsSync(join(againstDist, 'src', 'backend', 'index.js'))) {
      console.error(`BENCH_AGAINST: no build at ${againstDist} (in that checkout: npm ci, then npx tsc -p .)`);
      process.exit(1);
    }
    const bare = await startSide('bare');
    const real = await startSide('backend');
    const other = againstDist ? await startSide('backend', againstDist) : undefined;
    const rows = [];
    try {
      // Rounds alternate between the sides so that load from elsewhere on the machine falls on all alike; the ratio
      // reported is the median of the per-round ratios. With BENCH_AGAINST, this build and the other take turns at
      // going first.
      for (let round = 0; round < ROUNDS; round++) {
        const warm = round === 0 ? WARM_MS : 500;
        const b = await bare.run(warm, RUN_MS);
        const pair = async (fresh) => {
          if (!other) return [await real.run(fresh ? 500 : warm, RUN_MS, fresh)];
          if (round % 2 === 1) {
            const o = await other.run(fresh ? 500 : warm, RUN_MS, fresh);
            return [await real.run(fresh ? 500 : warm, RUN_MS, fresh), o];
          }
          const r = await real.run(fresh ? 500 : warm, RUN_MS, fresh);
          return [r, await other.run(fresh ? 500 : warm, RUN_MS, fresh)];
        };
        const [r, o] = await pair(false);
        const [f, of] = await pair(true);
        rows.push({ ratio: r.perSecond / b.perSecond, firstRatio: f.perSecond / b.perSecond, vsOther: o && r.perSecond / o.perSecond, firstVsOther: of && f.perSecond / of.perSecond, otherRatio: o && o.perSecond / b.perSecond, otherFirstRatio: of && of.perSecond / b.perSecond });
        const cpu = r.serverCpuUs.map((us) => us.toFixed(0)).join(' + ');
        console.log(
          `login round ${round + 1}: bare pair ${b.perSecond.toFixed(0)}/s (p50 ${b.p50.toFixed(1)} ms, server CPU ${b.serverCpuUs[0].toFixed(0)} µs/iteration, load ${b.loadCpuUs.toFixed(0)})` +
            ` | mock + backend ${r.perSecond.toFixed(0)} logins/s (p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.failed} failed, server CPU ${cpu} µs/login, load ${r.loadCpuUs.toFixed(0)})` +
            ` | ratio ${(r.perSecond / b.perSecond).toFixed(3)}` +
            ` | first-time logins ${f.perSecond.toFixed(0)}/s (p50 ${f.p50.toFixed(1)} ms, ${f.failed} failed) ratio ${(f.perSecond / b.perSecond).toFixed(3)}` +
            (o ? ` | against: ${o.perSecond.toFixed(0)} logins/s (server CPU ${o.serverCpuUs.map((us) => us.toFixed(0)).join(' + ')} µs/login), first-time ${of.perSecond.toFixed(0)}/s` : ''),
        );
        if (r.failed > 0 || r.done === 0 || f.failed > 0 || f.done === 0) process.exitCode = 1;
      }
    } finally {
      await bare.stop();
      await real.stop();
      await other?.stop();
    }
    console.log(`login: ${USERS} concurrent users from a separate load process; backend on SQLite (WAL), logger off, rate limit off; layout ${LAYOUT === 'one' ? 'mock and backend in one process' : 'mock and backend in two processes'}`);
    const spread = (xs) => `rounds ${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
    const ratios = rows.map((x) => x.ratio);
    const firsts = rows.map((x) => x.firstRatio);
    console.log(`RATIO backend-login-vs-bare-pair ${median(ratios).toFixed(3)} (aim >= 0.45; median of ${rows.length} ${spread(ratios)})`);
    console.log(`RATIO backend-first-login-vs-bare-pair ${median(firsts).toFixed(3)} (aim >= 0.4; median of ${rows.length} ${spread(firsts)})`);
    if (other) {
      const vs = rows.map((x) => x.vsOther);
      const fvs = rows.map((x) => x.firstVsOther);
      console.log(`RATIO backend-login-vs-against ${median(vs).toFixed(3)} (this build's logins/s over ${process.env.BENCH_AGAINST}'s; median of ${rows.length} ${spread(vs)})`);
      console.log(`RATIO backend-first-login-vs-against ${median(fvs).toFixed(3)} (median of ${rows.length} ${spread(fvs)})`);
      const ob = rows.map((x) => x.otherRatio);
      const ofb = rows.map((x) => x.otherFirstRatio);
      console.log(`against: its logins ${median(ob).toFixed(3)} of the bare pair (${spread(ob)}), its first-time logins ${median(ofb).toFixed(3)} (${spread(ofb)})`);
    }
  }
}

// Dispatch last: the helpers above must be initialised before any role runs.
const role = process.argv[2];
if (role === 'bare-server') await bareServer();
else if (role === 'mock-server') await mockServer();
else if (role === 'backend-server') await backendServer(process.argv[3] || '');
else if (role === 'load') await load(JSON.parse(process.argv[3]));
else await orchestrate();
