// The TLS drop-in (mock-wechat/front/): code that keeps https://api.weixin.qq.com reaches the mock through the CONNECT
// proxy and through --resolve-style routing; every other host is refused before any lookup or connection; the local
// CA is made once (0600 files in a 0700 folder), reused, and can vouch for its three names only. Then the built CLI
// (npm test builds first): `wxlogin mock --tls --proxy-port` and `wxlogin mock ca`.
import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import dns from 'node:dns';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer, get as httpsGet } from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { Agent, buildConnector, ProxyAgent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createFront,
  issueCertificate,
  listenOn,
  loadOrCreateCa,
  loadOrIssueServerCert,
  MockTlsError,
  parseAuthority,
  urlOf,
  type Front,
} from '../../mock-wechat/front/index.js';
import { buildMockWechat } from '../../mock-wechat/index.js';
import { BIN, killStarted, startCli } from '../cli/helpers.js';
import { APPID, SECRET } from './helpers.js';

/** What a backend keeps in its code, and must not have to change. */
const WECHAT = 'https://api.weixin.qq.com';
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `wxlogin-front-${name}-`));

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let dataDir: string;
let front: Front;
let caPem: string;
let httpUrl: string;
let tlsPort: number;
let proxyUrl: string;
let mock: ReturnType<typeof buildMockWechat>;

beforeAll(async () => {
  dataDir = tmp('data');
  mock = buildMockWechat({ seed: 'front' });
  cleanups.push(() => mock.app.close());
  await mock.app.listen({ port: 0, host: '127.0.0.1' });
  httpUrl = urlOf('http', mock.app.server.address() as AddressInfo);
  front = await createFront(mock.app, { dataDir, proxy: true });
  cleanups.push(() => front.close());
  tlsPort = (await listenOn(front.tls, 0, '127.0.0.1')).port;
  proxyUrl = urlOf('http', await listenOn(front.proxy!.server, 0, '127.0.0.1'));
  caPem = readFileSync(front.ca.certPath, 'utf8');
});

/** A fresh code for alice, from the client simulator over plain HTTP (the mini program's side). */
async function code(): Promise<string> {
  const res = await fetch(`${httpUrl}/__client/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":"alice"}' });
  return ((await res.json()) as { code: string }).code;
}

const session = (jsCode: string) =>
  `${WECHAT}/sns/jscode2session?appid=${APPID}&secret=${SECRET}&js_code=${jsCode}&grant_type=authorization_code`;

const aliceOpenid = () => mock.control.listUsers().find((u) => u.alias === 'alice')!.openid;

describe('a client that keeps https://api.weixin.qq.com in its code', () => {
  it('reaches the mock through the CONNECT proxy (undici ProxyAgent, CA from the file) and gets a session', async () => {
    const dispatcher = new ProxyAgent({ uri: proxyUrl, requestTls: { ca: caPem } });
    cleanups.push(() => dispatcher.close());
    const res = await request(session(await code()), { dispatcher });
    expect(res.statusCode).toBe(200);
    const body = (await res.body.json()) as { openid: string; session_key: string };
    expect(body.openid).toBe(aliceOpenid());
    expect(body.session_key).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    // The mock journalled it like any server API call: one state behind both ports.
    expect(mock.control.journal().some((e) => e.path === '/sns/jscode2session')).toBe(true);
  });

  it('reaches the mock by --resolve-style routing: dial 127.0.0.1:<tls port>, SNI and Host api.weixin.qq.com', async () => {
    // undici: the origin stays https://api.weixin.qq.com; only the socket goes elsewhere.
    const connector = buildConnector({ ca: caPem });
    const agent = new Agent({
      connect: (opts, cb) => connector({ ...opts, hostname: '127.0.0.1', port: String(tlsPort), servername: 'api.weixin.qq.com' }, cb),
    });
    cleanups.push(() => agent.close());
    const res = await request(session(await code()), { dispatcher: agent });
    expect(((await res.body.json()) as { openid: string }).openid).toBe(aliceOpenid());

    // node:https with a custom lookup (what /etc/hosts does for every program), port given as the mock's.
    const lookup = ((host: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) => {
      expect(host).toBe('api.weixin.qq.com');
      if (opts.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
      else cb(null, '127.0.0.1', 4);
    }) as unknown as typeof dns.lookup;
    const url = new URL(session(await code()));
    const body = await new Promise<string>((resolve, reject) => {
      httpsGet({ host: url.hostname, port: tlsPort, path: `${url.pathname}${url.search}`, ca: caPem, lookup, agent: false }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    expect((JSON.parse(body) as { openid: string }).openid).toBe(aliceOpenid());
  });
});

/** Sends raw bytes to the proxy and returns all it answers before closing. */
function rawProxy(text: string): Promise<string> {
  const u = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname, () => s.write(text));
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString()));
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

describe('the CONNECT proxy refuses everything but the mock', () => {
  afterEach(() => vi.restoreAllMocks());

  it('another host is answered 403 with the reason, before any name lookup or connection', async () => {
    const lookups = vi.spyOn(dns, 'lookup');
    // Every socket this process opens (client and proxy alike), as host:port.
    const dials: string[] = [];
    const connect = net.Socket.prototype.connect;
    vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
      const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0]; // net.connect passes normalized args
      const o = typeof first === 'object' && first !== null ? (first as { host?: string; port?: unknown }) : { port: first, host: args[1] as string };
      dials.push(`${o.host}:${o.port}`);
      return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
    });
    const dispatcher = new ProxyAgent({ uri: proxyUrl, requestTls: { ca: caPem } });
    cleanups.push(() => dispatcher.close());
    await expect(request('https://example.com/', { dispatcher })).rejects.toThrow(/403/);

    const answer = await rawProxy('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(answer).toContain('Proxy-Status: wxlogin-mock; error=http_request_denied');
    expect(answer).toMatch(/\r\n\r\nwxlogin mock proxy: example\.com:443 is not api\.weixin\.qq\.com:443: refused; .*nothing leaves this machine\)\n$/);

    // The only sockets opened were the clients' own, to the proxy; nothing looked up example.com.
    const proxy = new URL(proxyUrl);
    expect(dials.length).toBeGreaterThan(0);
    expect(new Set(dials)).toEqual(new Set([`${proxy.hostname}:${proxy.port}`]));
    expect(lookups.mock.calls.filter((c) => c[0] === 'example.com')).toEqual([]);
  });

  it('other ports of this machine, other ports for api.weixin.qq.com, and bad targets are refused too', async () => {
    for (const target of ['127.0.0.1:6379', 'localhost:22', 'api.weixin.qq.com:80', 'api.weixin.qq.com:8443', `${new URL(proxyUrl).host}`]) {
      const answer = await rawProxy(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
      expect(answer, target).toMatch(/^HTTP\/1\.1 403 /);
      expect(answer, target).toContain(`${target} is not api.weixin.qq.com:443`);
    }
    for (const target of ['example.com', 'exa mple.com:443', 'example.com:0', 'example.com:70000', '"x":443']) {
      const answer = await rawProxy(`CONNECT ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(answer, target).toMatch(/^HTTP\/1\.1 400 /);
    }
  });

  it('the mock\'s own host:port is reachable, plain and TLS (a client whose HTTPS_PROXY also covers localhost)', async () => {
    const http = new URL(httpUrl);
    const answer = await rawProxy(
      `CONNECT 127.0.0.1:${http.port} HTTP/1.1\r\nHost: 127.0.0.1:${http.port}\r\n\r\n` +
        `GET /__admin/apps HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200 OK/);
    expect(answer).toContain(APPID);

    const dispatcher = new ProxyAgent({ uri: proxyUrl, requestTls: { ca: caPem } });
    cleanups.push(() => dispatcher.close());
    const res = await request(`https://localhost:${tlsPort}/__admin/apps`, { dispatcher });
    expect(await res.body.text()).toContain(APPID);
  });

  it('plain-HTTP proxy requests: api.weixin.qq.com goes to the mock (axios without CONNECT), others are 403', async () => {
    const u = new URL(proxyUrl);
    const send = (path: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        httpRequest({ host: u.hostname, port: u.port, path, headers: { host: new URL(path).host } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        })
          .on('error', reject)
          .end();
      });
    const routed = await send(session(await code()));
    expect(routed.status).toBe(200);
    expect((JSON.parse(routed.text) as { openid: string }).openid).toBe(aliceOpenid());
    const other = await send('http://example.com/');
    expect(other.status).toBe(403);
    expect(other.text).toBe('wxlogin mock proxy: example.com is not api.weixin.qq.com: refused; this proxy only reaches the mock of api.weixin.qq.com (nothing leaves this machine)\n');
    const direct = await fetch(`${proxyUrl}/`);
    expect(direct.status).toBe(400);
    expect(await direct.text()).toContain(`HTTPS_PROXY=${proxyUrl}`);
  });

  it('parseAuthority reads host:port and [v6]:port, lower-cases and drops a trailing dot', () => {
    expect(parseAuthority('API.Weixin.QQ.com.:443')).toEqual({ host: 'api.weixin.qq.com', port: 443 });
    expect(parseAuthority('[::1]:9443')).toEqual({ host: '::1', port: 9443 });
    for (const bad of ['api.weixin.qq.com', ':443', 'a:b', 'a:65536', 'user@host:443', 'http://a:443']) expect(parseAuthority(bad), bad).toBeUndefined();
  });
});

describe('the local CA', () => {
  it('the server certificate verifies against the CA for api.weixin.qq.com, localhost and 127.0.0.1, and for no other name', async () => {
    const ca = new X509Certificate(caPem);
    const leaf = new X509Certificate(front.serverCert.certPem);
    expect(ca.ca).toBe(true);
    expect(leaf.checkIssued(ca) && leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkHost('api.weixin.qq.com', { subject: 'never' })).toBe('api.weixin.qq.com');
    expect(leaf.checkHost('localhost', { subject: 'never' })).toBe('localhost');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('example.com')).toBeUndefined();
    expect(leaf.checkHost('mp.weixin.qq.com')).toBeUndefined();
    const days = (Date.parse(leaf.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(330);
    expect(days).toBeLessThan(398);

    const handshake = (servername: string) =>
      new Promise<string>((resolve) => {
        const s = tlsConnect({ host: '127.0.0.1', port: tlsPort, servername, ca: caPem }, () => {
          resolve('ok');
          s.destroy();
        });
        s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      });
    expect(await handshake('api.weixin.qq.com')).toBe('ok');
    expect(await handshake('example.com')).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('cannot vouch for another name even with its own key (name constraints)', async () => {
    const rogue = await issueCertificate(front.ca, { dnsNames: ['example.com'], ips: [], now: new Date() });
    const server = createHttpsServer({ cert: rogue.certPem, key: rogue.keyPem });
    cleanups.push(() => new Promise((r) => server.close(r)));
    const port = (await listenOn(server, 0, '127.0.0.1')).port;
    const result = await new Promise<string>((resolve) => {
      const s = tlsConnect({ host: '127.0.0.1', port, servername: 'example.com', ca: caPem }, () => {
        resolve('ok');
        s.destroy();
      });
      s.on('error', (err) => resolve(err.message));
    });
    expect(result).toBe('permitted subtree violation');
  });

  it('is kept in a 0700 folder with 0600 files, and a second start reuses the CA and the server certificate', async () => {
    expect(statSync(front.ca.dir).mode & 0o777).toBe(0o700);
    for (const f of [front.ca.keyPath, front.ca.certPath, front.serverCert.path]) expect(statSync(f).mode & 0o777, f).toBe(0o600);
    expect(front.ca.created).toBe(true);
    const again = await loadOrCreateCa(dataDir);
    expect(again.created).toBe(false);
    expect(again.certPem).toBe(caPem);
    expect(again.warnings).toEqual([]);
    const cert = await loadOrIssueServerCert(again);
    expect(cert.issued).toBe(false);
    expect(cert.certPem).toBe(front.serverCert.certPem);
  });

  it('a server certificate with less than 30 days left is issued afresh under the same CA', async () => {
    const later = Date.now() + 340 * 86_400_000;
    const ca = await loadOrCreateCa(dataDir, { now: () => later });
    const renewed = await loadOrIssueServerCert(ca, { now: () => later });
    expect(renewed.issued).toBe(true);
    expect(renewed.certPem).not.toBe(front.serverCert.certPem);
    expect(new X509Certificate(renewed.certPem).checkIssued(new X509Certificate(caPem))).toBe(true);
  });

  it('two processes starting at once in a fresh data directory end up with one CA', async () => {
    const dir = tmp('race');
    const [a, b] = await Promise.all([loadOrCreateCa(dir), loadOrCreateCa(dir)]);
    expect(a.certPem).toBe(b.certPem);
    expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
  });

  it('a broken CA folder is one clear error naming the file; a key others can read is a warning', async () => {
    const dir = tmp('broken');
    const made = await loadOrCreateCa(dir);
    writeFileSync(made.certPath, 'not a certificate');
    await expect(loadOrCreateCa(dir)).rejects.toThrow(new MockTlsError(`${made.certPath} is not a PEM certificate: delete ${made.dir} to make a new CA (and trust the new one)`));
    const other = await loadOrCreateCa(tmp('other'));
    writeFileSync(made.certPath, other.certPem);
    await expect(loadOrCreateCa(dir)).rejects.toThrow(`${made.keyPath} is not the key of ${made.certPath}`);
    writeFileSync(made.certPath, made.certPem);
    chmodSync(made.keyPath, 0o644);
    expect((await loadOrCreateCa(dir)).warnings).toEqual([`warning: ${made.keyPath} can be read by other users (mode 644): chmod 600 ${made.keyPath}`]);
  });
});

// ---- the built CLI ----

afterEach(killStarted);

function cli(args: string[], cwd?: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of ['WXLOGIN_DATA_DIR', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) delete env[k];
  return startCli(args, { env, cwd });
}

describe('wxlogin mock --tls (built CLI)', () => {
  it('prints the HTTPS URL, the proxy URL and the CA; the proxy leads to the mock and names what it refused', async () => {
    const dir = tmp('cli');
    const p = cli(['mock', '--tls', '--tls-port', '0', '--proxy-port', '0', '--port', '0', '--data-dir', dir]);
    const out = await p.output(/try: curl[\s\S]*--connect-to/);
    const tls = /^ {2}https {2}(https:\/\/127\.0\.0\.1:\d+) {2}certificate for api\.weixin\.qq\.com, localhost, 127\.0\.0\.1$/m.exec(out)?.[1];
    const proxy = /^ {2}proxy {2}(http:\/\/127\.0\.0\.1:\d+) {2}HTTPS_PROXY for api\.weixin\.qq\.com; every other host is refused$/m.exec(out)?.[1];
    expect(tls && proxy).toBeTruthy();
    const ca = join(dir, 'tls', 'ca.pem');
    expect(out).toContain(`CA     ${ca}  (made now: trust it once, \`wxlogin mock ca\` says how)`);

    const dispatcher = new ProxyAgent({ uri: proxy!, requestTls: { ca: readFileSync(ca) } });
    cleanups.push(() => dispatcher.close());
    const token = await request(`${WECHAT}/cgi-bin/token?grant_type=client_credential&appid=${APPID}&secret=${SECRET}`, { dispatcher });
    expect(((await token.body.json()) as { access_token: string }).access_token).toBeTruthy();
    await expect(request('https://example.com/', { dispatcher })).rejects.toThrow(/403/);
    // The note reaches stderr a moment after the client saw the 403: wait for it (bounded by the test's own timeout).
    await vi.waitFor(() => expect(p.stderr()).toContain('proxy refused example.com:443: only api.weixin.qq.com is served'), { timeout: 15_000 });
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('--json carries tlsUrl, proxyUrl and ca; without the flags nothing changes and no CA is made', async () => {
    const dir = tmp('cli-json');
    const p = cli(['--json', 'mock', '--proxy-port', '0', '--tls-port', '0', '--port', '0', '--data-dir', dir]);
    const info = JSON.parse(await p.output(/^\}$/m)) as { url: string; tlsUrl: string; proxyUrl: string; ca: string };
    expect(info.tlsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(info.proxyUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.ca).toBe(join(dir, 'tls', 'ca.pem'));
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);

    const cwd = tmp('cli-plain');
    const plain = cli(['--json', 'mock', '--port', '0'], cwd);
    const plainInfo = JSON.parse(await plain.output(/^\}$/m)) as Record<string, unknown>;
    expect(Object.keys(plainInfo)).toEqual(['url', 'seed', 'apps', 'users']);
    expect(existsSync(join(cwd, '.wxlogin'))).toBe(false);
    plain.child.kill('SIGTERM');
    expect(await plain.exited).toBe(0);
  });

  it('`wxlogin mock ca` makes the CA if absent and prints its path and how to trust it; bad flags are usage errors', async () => {
    const cwd = tmp('cli-ca');
    const text = spawnSync(process.execPath, [BIN, 'mock', 'ca'], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', WXLOGIN_DATA_DIR: '' } });
    expect(text.status).toBe(0);
    const ca = join(cwd, '.wxlogin', 'tls', 'ca.pem');
    expect(text.stdout).toContain(`local CA  ${ca}  (made now)`);
    expect(text.stdout).toContain(`NODE_EXTRA_CA_CERTS=${ca}`);
    expect(text.stdout).toContain(`REQUESTS_CA_BUNDLE=${ca}`);
    expect(text.stdout).toContain('keytool -importcert');
    const json = spawnSync(process.execPath, [BIN, '--json', 'mock', 'ca', '--data-dir', join(cwd, '.wxlogin')], { encoding: 'utf8' });
    const info = JSON.parse(json.stdout) as { ca: string; created: boolean; fingerprint256: string };
    expect(info).toMatchObject({ ca, created: false });
    expect(info.fingerprint256).toBe(new X509Certificate(readFileSync(ca)).fingerprint256);

    for (const [args, message] of [
      [['mock', '--proxy-port', 'x'], /--proxy-port expects 0\.\.65535, got "x"/],
      [['mock', '--tls-port', '70000'], /--tls-port expects 0\.\.65535, got "70000"/],
      [['mock', '--tls', '--data-dir', ''], /--data-dir expects a directory/],
    ] as const) {
      const bad = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect(bad.status, args.join(' ')).toBe(2);
      expect(bad.stderr).toMatch(message);
    }
  });

  const curl = spawnSync('curl', ['--version']).status === 0;
  it.skipIf(!curl)('the README curl lines work: --cacert with -x (the proxy) and with --connect-to', async () => {
    const dir = tmp('cli-curl');
    const p = cli(['--json', 'mock', '--proxy-port', '0', '--tls-port', '0', '--port', '0', '--data-dir', dir]);
    const info = JSON.parse(await p.output(/^\}$/m)) as { tlsUrl: string; proxyUrl: string; ca: string };
    const url = `${WECHAT}/cgi-bin/token?grant_type=client_credential&appid=${APPID}&secret=${SECRET}`;
    const run = (args: string[]) => new Promise<string>((resolve) => {
      const c = spawn('curl', ['-s', '--cacert', info.ca, ...args], { env: { PATH: process.env.PATH } });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.on('exit', (code) => resolve(`${code}:${out}`));
    });
    expect(await run(['-x', info.proxyUrl, url])).toMatch(/^0:\{"access_token":/);
    expect(await run(['--connect-to', `api.weixin.qq.com:443:127.0.0.1:${new URL(info.tlsUrl).port}`, url])).toMatch(/^0:\{"access_token":/);
    expect(await run(['-x', info.proxyUrl, 'https://example.com/'])).toMatch(/^56:/); // CONNECT refused
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
});
