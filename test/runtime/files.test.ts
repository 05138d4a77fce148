// wx.uploadFile and wx.downloadFile in runProgram (test/runtime/fixtures/files) against a real HTTP server started
// here: what the server received (multipart parts, fields, headers), what the program got, the temporary files,
// and the refusals (paths out of the sandbox, bad arguments, unreachable host, abort, timeout, size bound).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import vm from 'node:vm';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWx } from '../../src/client/index.js';
import { runProgram, type RunReport, type TraceEntry } from '../../src/runtime/index.js';
import { consoleText } from './trace-helpers.js';

const FILES = join(import.meta.dirname, 'fixtures', 'files');
const PAGE = 'pages/files/files';
const HARD_CODED = 'https://files.example.com/api/';
const LOGO = readFileSync(join(FILES, 'images', 'logo.png'));
const HELLO = 'hello from the server\n';

interface Received {
  method: string;
  url: string;
  headers: Record<string, unknown>;
  fields: Record<string, string>;
  files: { field: string; filename: string; type: string; bytes: Buffer }[];
}

let server: FastifyInstance;
let base: string;
let tmp: string;
let received: Received[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'wxlogin-files-test-'));
  server = Fastify({ logger: false, forceCloseConnections: true });
  server.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: 10 * 1024 * 1024 }, (_req, body, done) => done(null, body));
  server.post('/api/upload', async (req) => {
    // The body parsed by undici's own multipart reader (the Fetch standard's formData()), not by the code under test.
    const form = await new Response(req.body as Buffer, { headers: { 'content-type': String(req.headers['content-type']) } }).formData();
    const got: Received = { method: req.method, url: req.url, headers: req.headers, fields: {}, files: [] };
    for (const [k, v] of form) {
      if (typeof v === 'string') got.fields[k] = v;
      else got.files.push({ field: k, filename: v.name, type: v.type, bytes: Buffer.from(await v.arrayBuffer()) });
    }
    received.push(got);
    return { files: got.files.map((f) => ({ field: f.field, filename: f.filename, size: f.bytes.length, text: f.bytes.toString('utf8') })), token: 'answer-secret-123456' };
  });
  server.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  server.post('/api/echo', async (req) => ({ hex: (req.body as Buffer).toString('hex') }));
  server.get('/api/files/hello.txt', async (req, reply) => {
    received.push({ method: req.method, url: req.url, headers: req.headers, fields: {}, files: [] });
    return reply.type('text/plain; charset=utf-8').send(HELLO);
  });
  server.get('/api/files/none.txt', async (_req, reply) => reply.code(404).type('text/plain').send('no such file here'));
  server.get('/api/redirect', async (_req, reply) => reply.redirect('/api/files/hello.txt', 302));
  server.get('/api/files/big', async (_req, reply) => reply.type('application/octet-stream').send(Buffer.alloc(2048, 120)));
  server.get('/api/files/big-chunked', async (_req, reply) =>
    reply.type('application/octet-stream').send(Readable.from([0, 1, 2, 3].map(() => Buffer.alloc(1024, 121)))),
  );
  // Never answers (closed with the server).
  server.all('/api/slow', () => new Promise(() => undefined));
  base = await server.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  received = [];
});

const map = () => [
  { from: HARD_CODED, to: `${base}/api/` },
  { from: 'https://down.example.com/', to: 'http://127.0.0.1:1/' },
];
const go = (handlers: string[], more: Partial<Parameters<typeof runProgram>[0]> = {}) =>
  runProgram({ dir: FILES, mock: 'http://127.0.0.1:1', user: 'alice', map: map(), taps: handlers.map((handler) => ({ page: PAGE, handler })), ...more });
const requests = (r: RunReport) => r.trace.filter((e): e is Extract<TraceEntry, { kind: 'request' }> => e.kind === 'request');
const tempDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('wxlogin-files-') && !n.startsWith('wxlogin-files-test-'));

describe('wx.uploadFile', () => {
  it('POSTs multipart/form-data: the formData fields, then the file under `name`, with the header and the Referer', async () => {
    const r = await go(['upload']);
    expect(r.failures).toEqual([]);
    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(got.url).toBe('/api/upload?token=query-secret-123456&x=1');
    expect(got.headers['content-type']).toMatch(/^multipart\/form-data; boundary=\S+$/);
    expect(got.headers['x-trace']).toBe('files-1');
    expect(got.headers.authorization).toBe('Bearer header-secret-123456');
    expect(got.headers.referer).toBe('https://servicewechat.com/touristappid/devtools/page-frame.html');
    expect(got.fields).toEqual({ user: 'alice', n: '3', token: 'form-secret-123456' });
    expect(got.files.map((f) => [f.field, f.filename, f.type])).toEqual([['avatar', 'logo.png', 'image/png']]);
    expect(got.files[0]!.bytes.equals(LOGO)).toBe(true);
    // The program got the body as a string, the status, WeChat's errMsg; progress ended at 100 with the body's size.
    expect(consoleText(r)).toEqual([expect.stringMatching(/^upload progress 100 (\d+)\/\1$/), `upload uploadFile:ok 200 string ${LOGO.length}`]);
  });

  it('is traced like wx.request, secrets masked (query, formData, answer)', async () => {
    const r = await go(['upload']);
    const [q] = requests(r);
    expect(q).toMatchObject({
      api: 'uploadFile',
      method: 'POST',
      url: `${HARD_CODED}upload?token=query-***&x=1`,
      sentTo: `${base}/api/upload?token=query-***&x=1`,
      data: { name: 'avatar', filePath: 'images/logo.png', formData: { user: 'alice', n: 3, token: 'form-s***' } },
      errMsg: 'uploadFile:ok',
      statusCode: 200,
      answer: { token: 'answer***' },
    });
    const all = JSON.stringify(r.trace);
    for (const secret of ['query-secret-123456', 'form-secret-123456', 'answer-secret-123456', 'header-secret-123456']) expect(all).not.toContain(secret);
  });

  it('the avatar a chooseAvatar button hands over is a real temporary file (a JPEG) the program can upload', async () => {
    const r = await runProgram({ dir: FILES, mock: 'http://127.0.0.1:1', user: 'alice', map: map(), taps: [{ page: PAGE, handler: 'avatar', openType: 'chooseAvatar' }] });
    expect(r.failures).toEqual([]);
    expect(consoleText(r)).toEqual([expect.stringMatching(/^avatar wxlogin-avatar-\d+\.jpeg 159$/)]);
    const f = received[0]!.files[0]!;
    expect([f.field, f.type]).toEqual(['avatar', 'image/jpeg']);
    // JPEG's start and end markers.
    expect([f.bytes.subarray(0, 2).toString('hex'), f.bytes.subarray(-2).toString('hex')]).toEqual(['ffd8', 'ffd9']);
  });

  it('a path starting with "/" is in the mini program folder too', async () => {
    const r = await go(['uploadFromRoot']);
    expect(consoleText(r)).toEqual(['root 200']);
    expect(received[0]!.files[0]!.bytes.equals(LOGO)).toBe(true);
  });

  it('refuses paths outside the program folder (../, links, other schemes) and writes outside USER_DATA_PATH; nothing is sent', async () => {
    // A copy of the program with a real file just outside it, and a link inside it that leads there.
    const dir = join(tmp, 'escape', 'prog');
    cpSync(FILES, dir, { recursive: true });
    mkdirSync(join(tmp, 'escape', 'tutorial'));
    writeFileSync(join(tmp, 'escape', 'tutorial', 'app.js'), 'SECRET');
    symlinkSync(join(tmp, 'escape', 'tutorial', 'app.js'), join(dir, 'images', 'link.png'));
    const r = await go(['escape'], { dir });
    expect(r.failures).toEqual([]);
    expect(received).toEqual([]);
    expect(consoleText(r).sort()).toEqual(
      [
        'escape uploadFile:fail permission denied, "../tutorial/app.js" is outside the mini program\'s folder',
        'escape-root uploadFile:fail permission denied, "/../tutorial/app.js" is outside the mini program\'s folder',
        'absolute uploadFile:fail no such file or directory "/etc/passwd" (a path starting with "/" is in the mini program\'s folder: files elsewhere on the machine cannot be read)',
        'scheme uploadFile:fail invalid path "file:///etc/passwd": a local file is wxfile://tmp_..., wxfile://usr/... or a path in the mini program\'s folder',
        'usr-escape uploadFile:fail permission denied, "wxfile://usr/../../x" is outside wxfile://usr',
        'link uploadFile:fail permission denied, "images/link.png" leads outside the mini program\'s folder',
        'folder uploadFile:fail "images" is not a file',
        'write-package downloadFile:fail permission denied, open "images/hello.txt": only wxfile://usr/ (wx.env.USER_DATA_PATH) is writable',
        'write-nodir downloadFile:fail no such file or directory, open "wxfile://usr/no/such/dir.txt"',
      ].sort(),
    );
    expect(readdirSync(join(dir, 'images')).sort()).toEqual(['link.png', 'logo.png']);
  });

  it('bad arguments fail with WeChat parameter errors', async () => {
    const r = await go(['badArgs']);
    expect(r.failures).toEqual([]);
    expect(received).toEqual([]);
    expect(consoleText(r).sort()).toEqual(
      [
        'no-filePath uploadFile:fail parameter error: parameter.filePath should be String instead of Undefined;',
        'no-name uploadFile:fail parameter error: parameter.name should be String instead of Undefined;',
        'formData uploadFile:fail parameter error: parameter.formData should be Object instead of String;',
        'no-url uploadFile:fail parameter error: parameter.url should be String instead of Undefined;',
        'ftp downloadFile:fail invalid url "ftp://files.example.com/a.txt"',
        'download-no-url downloadFile:fail parameter error: parameter.url should be String instead of Undefined;',
      ].sort(),
    );
  });
});

describe('wx.downloadFile', () => {
  it('saves the body to a wxfile://tmp_ file the program can upload back; progress and headers heard', async () => {
    const r = await go(['download']);
    expect(r.failures).toEqual([]);
    const text = consoleText(r);
    expect(text).toEqual([
      'download headers text/plain; charset=utf-8',
      'download downloadFile:ok 200 true false',
      expect.stringMatching(/^download sent back tmp_[0-9a-f]+\.txt "hello from the server\\n"$/),
    ]);
    expect(received.map((g) => [g.method, g.url])).toEqual([
      ['GET', '/api/files/hello.txt'],
      ['POST', '/api/upload'],
    ]);
    expect(received[0]!.headers['x-trace']).toBe('files-2');
    expect(received[1]!.files[0]!.bytes.toString()).toBe(HELLO);
    const [q] = requests(r);
    expect(q).toMatchObject({ api: 'downloadFile', method: 'GET', url: `${HARD_CODED}files/hello.txt`, errMsg: 'downloadFile:ok', statusCode: 200, answer: { bytes: HELLO.length } });
  });

  it('with filePath under wx.env.USER_DATA_PATH: answers filePath (no tempFilePath) and the file is there', async () => {
    const r = await go(['downloadTo']);
    expect(r.failures).toEqual([]);
    expect(consoleText(r)).toEqual(['downloadTo 200 wxfile://usr/saved.txt false', 'downloadTo sent back saved.txt "hello from the server\\n"']);
  });

  it('follows a redirect; a 404 is a success with its status and its body saved', async () => {
    const r = await go(['downloadRedirect', 'download404']);
    expect(r.failures).toEqual([]);
    expect(consoleText(r)).toEqual([
      'redirect 200',
      expect.stringMatching(/^redirect sent back tmp_[0-9a-f]+\.txt "hello from the server\\n"$/),
      '404 downloadFile:ok 404',
      expect.stringMatching(/^404 sent back tmp_[0-9a-f]+\.txt "no such file here"$/),
    ]);
  });

  it('refuses a body over the size bound, announced or streamed', async () => {
    const r = await go(['downloadBig'], { maxFileBytes: 1024 });
    expect(r.failures).toEqual([]);
    expect(consoleText(r).sort()).toEqual([
      'big downloadFile:fail file size exceeds the limit: over 1024 bytes (the most a run moves in one transfer)',
      'big-chunked downloadFile:fail file size exceeds the limit: over 1024 bytes (the most a run moves in one transfer)',
    ]);
  });

  it('the temporary folder is removed when the run ends', async () => {
    const before = new Set(tempDirs());
    let during: string[] = [];
    const r = await go(['download'], {
      onEntry: (e) => {
        if (e.kind === 'request' && e.api === 'downloadFile') during = tempDirs().filter((d) => !before.has(d));
      },
    });
    expect(r.failures).toEqual([]);
    // It existed while the run went on, and is gone now.
    expect(during.length).toBeGreaterThan(0);
    for (const d of during) expect(existsSync(join(tmpdir(), d)), d).toBe(false);
  });
});

describe('network failures of both', () => {
  it('an unreachable host fails with WeChat wording', async () => {
    const r = await go(['unreachable']);
    expect(r.failures).toEqual([]);
    expect(consoleText(r).sort()).toEqual([
      'unreachable-download downloadFile:fail -102:net::ERR_CONNECTION_REFUSED',
      'unreachable-upload uploadFile:fail -102:net::ERR_CONNECTION_REFUSED',
    ]);
    expect(requests(r).map((q) => q.sentTo).sort()).toEqual(['http://127.0.0.1:1/a.txt', 'http://127.0.0.1:1/upload']);
  });

  it('abort() on the task fails the call with "abort"', async () => {
    const r = await go(['abort']);
    expect(r.failures).toEqual([]);
    expect(consoleText(r).sort()).toEqual(['abort-download downloadFile:fail abort', 'abort-upload uploadFile:fail abort']);
  });

  it('a server that never answers: the timeout', async () => {
    const r = await go(['slow']);
    expect(r.failures).toEqual([]);
    expect(consoleText(r).sort()).toEqual(['timeout-download downloadFile:fail timeout', 'timeout-upload uploadFile:fail timeout']);
  });

  it('a fail with no callback fails the run', async () => {
    const r = await go(['unhandled']);
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual([`${PAGE}: wx.downloadFile failed and nothing handled it: downloadFile:fail -102:net::ERR_CONNECTION_REFUSED`]);
  });
});

describe('createWx outside a run', () => {
  it('wx.request: a GET whose data carries a token has it masked in the trace, sent whole', async () => {
    const trace: TraceEntry[] = [];
    const wx = createWx({ mock: 'http://127.0.0.1:1', user: 'alice', trace: (e) => trace.push(e), map: [{ from: HARD_CODED, to: `${base}/api/` }] });
    const res = await new Promise<Record<string, unknown>>((resolve) =>
      wx.request({ url: `${HARD_CODED}files/hello.txt?access_token=url-secret-123456#top`, data: { token: 'data-secret-123456', page: 2 }, success: resolve, fail: resolve }),
    );
    expect(res).toMatchObject({ errMsg: 'request:ok', statusCode: 200, data: HELLO });
    expect(received[0]!.url).toBe('/api/files/hello.txt?access_token=url-secret-123456&token=data-secret-123456&page=2');
    expect(trace).toEqual([
      expect.objectContaining({
        kind: 'request',
        url: `${HARD_CODED}files/hello.txt?access_token=url-se***#top`,
        sentTo: `${base}/api/files/hello.txt?access_token=url-se***&token=data-s***&page=2#top`,
        data: { token: 'data-s***', page: 2 },
      }),
    ]);
  });

  it("wx.request sends an ArrayBuffer of another realm (the program's code runs in its own) as its bytes, traced by size", async () => {
    const trace: TraceEntry[] = [];
    const wx = createWx({ mock: 'http://127.0.0.1:1', user: 'alice', trace: (e) => trace.push(e), map: [{ from: HARD_CODED, to: `${base}/api/` }] });
    const data = vm.runInNewContext('new Uint8Array([1, 2, 255]).buffer');
    const res = await new Promise<Record<string, unknown>>((resolve) =>
      wx.request({ url: `${HARD_CODED}echo`, method: 'POST', header: { 'content-type': 'application/octet-stream' }, data, success: resolve, fail: resolve }),
    );
    expect(res).toMatchObject({ errMsg: 'request:ok', statusCode: 200, data: { hex: '0102ff' } });
    expect(trace).toEqual([expect.objectContaining({ kind: 'request', method: 'POST', data: '<3 bytes>' })]);
  });

  it('downloads to a temporary file and uploads it; code-package paths need a root', async () => {
    const wx = createWx({ mock: 'http://127.0.0.1:1', user: 'alice' });
    const down = await new Promise<Record<string, unknown>>((resolve) => wx.downloadFile({ url: `${base}/api/files/hello.txt`, success: resolve, fail: resolve }));
    expect(down.errMsg).toBe('downloadFile:ok');
    const up = await new Promise<Record<string, unknown>>((resolve) => wx.uploadFile({ url: `${base}/api/upload`, filePath: down.tempFilePath, name: 'f', success: resolve, fail: resolve }));
    expect(up.errMsg).toBe('uploadFile:ok');
    expect(received.at(-1)!.files[0]!.bytes.toString()).toBe(HELLO);
    const pkg = await new Promise<Record<string, unknown>>((resolve) => wx.uploadFile({ url: `${base}/api/upload`, filePath: 'images/logo.png', name: 'f', success: resolve, fail: resolve }));
    expect(pkg.errMsg).toBe('uploadFile:fail no such file or directory "images/logo.png" (no mini program folder: only wxfile:// paths are readable)');
    const rooted = createWx({ mock: 'http://127.0.0.1:1', user: 'alice', root: FILES });
    const ok = await new Promise<Record<string, unknown>>((resolve) => rooted.uploadFile({ url: `${base}/api/upload`, filePath: 'images/logo.png', name: 'f', success: resolve, fail: resolve }));
    expect(ok).toMatchObject({ errMsg: 'uploadFile:ok', statusCode: 200 });
  });
});
