// wx.getFileSystemManager() in runProgram (test/runtime/fixtures/fs) and through createWxHost: write then read back,
// append, mkdir recursive, readdir, stat, unlink, rmdir, copy, rename, saveFile, the Sync variants throwing, every
// path refused (the program's folder, "../", a link out of it, a path elsewhere on the machine, another scheme), the
// size bounds, the trace (contents shown by size only), and the per-run folder removed when the run ends.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileSandbox, createWxHost, runProgram, type RunReport, type TapStep, type TraceEntry } from '../../src/runtime/index.js';
import { consoleText } from './trace-helpers.js';
import { createFsOps, USER_FILES_LIMIT_BYTES } from '../../src/runtime/wx-fs.js';

const FS = join(import.meta.dirname, 'fixtures', 'fs');
const PAGE = 'pages/fs/fs';
const WORDS = readFileSync(join(FS, 'data', 'words.txt'), 'utf8');

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'wxlogin-fs-test-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const step = (spec: string): TapStep => {
  const [handler, openType] = spec.split(':') as [string, 'chooseAvatar' | undefined];
  return { page: PAGE, handler, ...(openType ? { openType } : {}) };
};
// No wx call of the fixture goes to the mock.
const go = (handlers: string[], more: Partial<Parameters<typeof runProgram>[0]> = {}) =>
  runProgram({ dir: FS, mock: 'http://127.0.0.1:1', user: 'alice', taps: handlers.map(step), ...more });
const fsCalls = (r: RunReport) => r.trace.filter((e): e is Extract<TraceEntry, { kind: 'wx' }> => e.kind === 'wx' && e.api.startsWith('getFileSystemManager()'));
const runFolders = () => readdirSync(tmpdir()).filter((n) => n.startsWith('wxlogin-files-'));

describe('the program keeps files under wx.env.USER_DATA_PATH', () => {
  it('mkdir, writeFile, appendFile, readFile (text and bytes), each asynchronous call done after the calling code', async () => {
    const r = await go(['notes']);
    expect(r.failures).toEqual([]);
    expect(consoleText(r)).toEqual([
      // The handler's own Sync call runs before any of its asynchronous ones.
      'too soon threw accessSync:fail no such file or directory wxfile://usr/notes 1300002',
      'write writeFile:ok',
      'read readFile:ok hello 世界!',
      `read bytes ${Buffer.byteLength('hello 世界!')}`,
    ]);
  });

  it('an ArrayBuffer of the program written and read back whole, as hex, in part; base64 text; positions out of range refused', async () => {
    const r = await go(['binary']);
    expect(r.failures).toEqual([]);
    expect(consoleText(r)).toEqual([
      'binary 0,1,2,255',
      'hex 000102ff',
      'part 0102',
      'base64 hi',
      'position threw readFileSync:fail the value of "position" is out of range 1301009',
      'length threw readFileSync:fail the value of "length" is out of range 1301006',
    ]);
  });

  it('mkdir recursive, readdir, stat and recursive stat; then unlink, rmdir (refused when not empty, then recursive), access', async () => {
    const r = await go(['tree', 'cleanup']);
    expect(r.failures).toEqual([]);
    expect(consoleText(r)).toEqual([
      'readdir b,y.txt',
      'stat true false 3 number',
      'stat tree / (dir), /b (dir), /b/c (dir), /b/c/x.txt, /y.txt',
      'mkdir again threw mkdirSync:fail file already exists wxfile://usr/a/b 1301005',
      'mkdir no parent threw mkdirSync:fail no such file or directory wxfile://usr/p/q 1300002',
      'mkdir over a file threw mkdirSync:fail not a directory wxfile://usr/a/y.txt/z 1300020',
      'readdir a file threw readdirSync:fail not a directory wxfile://usr/a/y.txt 1300020',
      'stat async true',
      'readdir async a',
      'unlink again threw unlinkSync:fail no such file or directory wxfile://usr/a/y.txt 1300002',
      'unlink a folder threw unlinkSync:fail operation not permitted, unlink wxfile://usr/a/b 1300001',
      'rmdir not empty threw rmdirSync:fail directory not empty 1300066',
      'rmdir rmdir:ok',
      'access gone threw accessSync:fail no such file or directory wxfile://usr/a 1300002',
      'access async access:fail no such file or directory wxfile://usr/a 1300002',
    ]);
  });

  it('copyFile and rename, a code-package file copied into the user files; a missing source and a destination in the package refused', async () => {
    const r = await go(['copyRename']);
    expect(r.failures).toEqual([]);
    expect(consoleText(r).sort()).toEqual(
      [
        'files one.txt,three.txt first',
        `copied ${WORDS.trim()}`,
        'rename missing rename:fail no such file or directory, rename wxfile://usr/none.txt -> wxfile://usr/x.txt 1300002',
        'copy into the package copyFile:fail permission denied, copyFile wxfile://usr/one.txt -> data/one.txt 1300013',
      ].sort(),
    );
  });

  it("the program's own folder is readable ('data/x' and '/data/x'), file and folder", async () => {
    const r = await go(['package']);
    expect(r.failures).toEqual([]);
    expect(consoleText(r)).toEqual([`package ${WORDS.trim()} / ${WORDS.trim()}`, 'package dir words.txt']);
  });

  it('saveFile moves a temporary file (a picked avatar) to a saved file or to the user files; the temporary file is gone after', async () => {
    const r = await go(['keep:chooseAvatar', 'keepAs:chooseAvatar']);
    expect(r.failures).toEqual([]);
    expect(consoleText(r)).toEqual([
      'saved wxfile://store_*.jpeg 159',
      'save again saveFile:fail tempFilePath file not exist 1300002',
      'saved as wxfile://usr/avatar.jpeg 159',
      'save a user file threw saveFileSync:fail tempFilePath file not exist 1300002',
    ]);
  });
});

describe('refusals', () => {
  it("every path out of reach fails in WeChat's words, asynchronous (fail) and Sync (thrown); nothing is written", async () => {
    const before = readFileSync(join(FS, 'data', 'words.txt'), 'utf8');
    const r = await go(['refusals']);
    expect(r.failures).toEqual([]);
    expect(consoleText(r).sort()).toEqual(
      [
        'write package writeFile:fail permission denied, open data/words.txt 1300013',
        'write package root writeFile:fail permission denied, open /app.js 1300013',
        'write escape usr writeFile:fail permission denied, open wxfile://usr/../../x.txt 1300013',
        'read escape readFile:fail permission denied, open ../tabs/app.js 1300013',
        // A path starting with "/" is in the program's folder: /etc/passwd of the machine is never read.
        'read elsewhere readFile:fail no such file or directory, open /etc/passwd 1300002',
        'read scheme readFile:fail permission denied, open file:///etc/passwd 1300013',
        'read missing readFile:fail no such file or directory, open wxfile://usr/missing.txt 1300002',
        'write no folder writeFile:fail no such file or directory, open wxfile://usr/no/dir.txt 1300002',
        'append missing appendFile:fail no such file or directory, open wxfile://usr/missing.txt 1300002',
        'mkdir package mkdir:fail permission denied, open data/new 1300013',
        'unlink package unlink:fail permission denied, open data/words.txt 1300013',
        'rmdir usr rmdir:fail permission denied, open wxfile://usr 1300013',
        'write number writeFile:fail parameter error: parameter.data should be String/ArrayBuffer instead of Number; undefined',
        'read encoding readFile:fail invalid encoding "klingon" (one of ascii, base64, binary, hex, ucs2, ucs-2, utf16le, utf-16le, utf-8, utf8, latin1) 1300022',
        'read no path readFile:fail parameter error: parameter.filePath should be String instead of Undefined; undefined',
        'sync write package threw writeFileSync:fail permission denied, open data/words.txt 1300013',
        'sync read missing threw readFileSync:fail no such file or directory, open wxfile://usr/missing.txt 1300002',
        'sync read escape threw readFileSync:fail permission denied, open ../../../../../../etc/passwd 1300013',
      ].sort(),
    );
    expect(readFileSync(join(FS, 'data', 'words.txt'), 'utf8')).toBe(before);
    expect(readdirSync(FS).sort()).toEqual(['app.js', 'app.json', 'data', 'pages']);
    expect(readdirSync(join(FS, 'data'))).toEqual(['words.txt']);
  });

  it('a link in the program folder that leads out of it is refused like "../"', async () => {
    const dir = join(tmp, 'link', 'prog');
    cpSync(FS, dir, { recursive: true });
    writeFileSync(join(tmp, 'link', 'secret.txt'), 'SECRET');
    symlinkSync(join(tmp, 'link', 'secret.txt'), join(dir, 'data', 'link.txt'));
    symlinkSync(join(tmp, 'link'), join(dir, 'data', 'out'));
    writeFileSync(join(dir, 'pages', 'fs', 'fs.js'), `
      var fs = wx.getFileSystemManager();
      function show(label) { return function (e) { console.log(label + ' ' + e.errMsg); }; }
      Page({ go: function () {
        fs.readFile({ filePath: 'data/link.txt', encoding: 'utf8', success: show('file'), fail: show('file') });
        fs.readdir({ dirPath: 'data/out', success: show('folder'), fail: show('folder') });
        fs.copyFile({ srcPath: 'data/link.txt', destPath: wx.env.USER_DATA_PATH + '/s.txt', success: show('copy'), fail: show('copy') });
      } });`);
    const r = await runProgram({ dir, mock: 'http://127.0.0.1:1', user: 'alice', taps: [{ page: PAGE, handler: 'go' }] });
    expect(r.failures).toEqual([]);
    expect(consoleText(r).sort()).toEqual(
      [
        'file readFile:fail permission denied, open data/link.txt',
        'folder readdir:fail permission denied, open data/out',
        'copy copyFile:fail permission denied, copyFile data/link.txt -> wxfile://usr/s.txt',
      ].sort(),
    );
    expect(JSON.stringify(r.trace)).not.toContain('SECRET');
  });

  it('one file holds at most maxFileBytes: a write or an append past it fails and changes nothing', async () => {
    const r = await go(['big'], { maxFileBytes: 1024 });
    expect(r.failures).toEqual([]);
    expect(consoleText(r).sort()).toEqual([
      'big append appendFile:fail the maximum size of the file storage limit is exceeded 1300202',
      'big write writeFile:fail the maximum size of the file storage limit is exceeded 1300202',
    ]);
  });

  it('a fail with no callback to hear it fails the run', async () => {
    const r = await go(['unhandled']);
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual([`${PAGE}: wx.getFileSystemManager().readFile failed and nothing handled it: readFile:fail no such file or directory, open wxfile://usr/missing.txt`]);
  });
});

describe('the trace and the per-run folder', () => {
  it('each call is traced with its arguments and answer, file contents by size only', async () => {
    const r = await go(['notes']);
    expect(fsCalls(r).map((e) => [e.api, e.errMsg])).toEqual([
      ['getFileSystemManager().accessSync', 'accessSync:fail no such file or directory wxfile://usr/notes'],
      ['getFileSystemManager().mkdir', 'mkdir:ok'],
      ['getFileSystemManager().writeFile', 'writeFile:ok'],
      ['getFileSystemManager().appendFile', 'appendFile:ok'],
      ['getFileSystemManager().readFile', 'readFile:ok'],
      ['getFileSystemManager().readFile', 'readFile:ok'],
    ]);
    const calls = fsCalls(r);
    expect(calls[0]).toMatchObject({ where: PAGE, args: { path: 'wxfile://usr/notes' }, result: { errno: 1300002 } });
    expect(calls[2]).toMatchObject({ args: { filePath: 'wxfile://usr/notes/a.txt', data: '<8 characters>', encoding: 'utf8' } });
    expect(calls[4]).toMatchObject({ result: { data: '<9 characters>' } });
    expect(calls[5]).toMatchObject({ result: { data: `<${Buffer.byteLength('hello 世界!')} bytes>` } });
    // (The program's own console line prints it; the file calls' entries do not.)
    expect(JSON.stringify(fsCalls(r))).not.toContain('世界');
  });

  it('the files live in a folder of the run, removed when it ends', async () => {
    const before = new Set(runFolders());
    let during: string[] = [];
    const r = await go(['tree'], {
      onEntry: (e) => {
        if (e.kind === 'wx' && e.api === 'getFileSystemManager().statSync' && during.length === 0) {
          // This run's folder: new, and holding what the program just wrote (other test files may run runs too).
          during = runFolders().filter((d) => !before.has(d) && existsSync(join(tmpdir(), d, 'usr', 'a', 'b', 'c', 'x.txt')));
        }
      },
    });
    expect(r.failures).toEqual([]);
    // It held the files while the run went on, and is gone now.
    expect(during).toHaveLength(1);
    expect(existsSync(join(tmpdir(), during[0]!))).toBe(false);
  });
});

describe('createWxHost: the manager outside a run', () => {
  it('one manager; Sync answers and throws an Error with the errMsg and errno; async calls answer by callback only', async () => {
    const trace: TraceEntry[] = [];
    const host = createWxHost({ mock: 'http://127.0.0.1:1', user: 'alice', root: FS, trace: (e) => trace.push(e) });
    try {
      const fs = host.wx.getFileSystemManager();
      expect(host.wx.getFileSystemManager()).toBe(fs);
      fs.writeFileSync('wxfile://usr/t.txt', 'token-secret-123456');
      expect(fs.readFileSync('wxfile://usr/t.txt', 'utf8')).toBe('token-secret-123456');
      expect(fs.readFileSync('data/words.txt', 'utf8')).toBe(WORDS);
      let err: (Error & { errno?: number }) | undefined;
      try {
        fs.readFileSync('wxfile://usr/none.txt');
      } catch (e) {
        err = e as Error;
      }
      expect(err?.message).toBe('readFileSync:fail no such file or directory, open wxfile://usr/none.txt');
      expect(err?.errno).toBe(1300002);
      // No promise form: the call answers undefined, the callbacks hear it later.
      const answer = await new Promise<Record<string, unknown>>((resolve) => {
        expect(fs.readFile({ filePath: 'wxfile://usr/t.txt', encoding: 'base64', success: resolve, fail: resolve })).toBeUndefined();
      });
      expect(answer).toEqual({ errMsg: 'readFile:ok', data: Buffer.from('token-secret-123456').toString('base64') });
      // An ArrayBuffer of another realm (the program's code runs in its own contexts).
      fs.writeFileSync('wxfile://usr/v.bin', vm.runInNewContext('new Uint8Array([7, 8, 9]).buffer'));
      expect([...new Uint8Array(fs.readFileSync('wxfile://usr/v.bin') as ArrayBuffer)]).toEqual([7, 8, 9]);
      expect(() => fs.writeFileSync('wxfile://usr/v.bin', vm.runInNewContext('new Uint8Array([1])'))).toThrow(
        'writeFileSync:fail parameter error: parameter.data should be String/ArrayBuffer instead of Uint8Array;',
      );
      expect(JSON.stringify(trace)).not.toContain('token-secret');
    } finally {
      host.dispose();
    }
  });

  it('without a program folder, code-package paths name nothing', () => {
    const host = createWxHost({ mock: 'http://127.0.0.1:1', user: 'alice' });
    try {
      const fs = host.wx.getFileSystemManager();
      expect(() => fs.readFileSync('data/words.txt', 'utf8')).toThrow('readFileSync:fail no such file or directory, open data/words.txt');
      expect(() => fs.accessSync('/etc/passwd')).toThrow('accessSync:fail no such file or directory /etc/passwd');
    } finally {
      host.dispose();
    }
  });

  it('the user files and saved files together hold at most the quota (200 MB by default, as WeChat allows)', () => {
    const files = createFileSandbox();
    try {
      const ops = createFsOps({ files, maxFileBytes: 100, userFilesLimitBytes: 250 });
      const data = 'x'.repeat(100);
      expect(ops.run('writeFile', { filePath: 'wxfile://usr/one.txt', data }).errMsg).toBe('writeFile:ok');
      expect(ops.run('writeFile', { filePath: 'wxfile://usr/two.txt', data }).errMsg).toBe('writeFile:ok');
      expect(ops.run('writeFile', { filePath: 'wxfile://usr/three.txt', data })).toEqual({ errMsg: 'writeFile:fail the maximum size of the file storage limit is exceeded', errno: 1300202 });
      expect(ops.run('copyFile', { srcPath: 'wxfile://usr/one.txt', destPath: 'wxfile://usr/three.txt' }).errMsg).toBe('copyFile:fail the maximum size of the file storage limit is exceeded');
      // Rewriting a file does not count it twice; removing one makes room.
      expect(ops.run('writeFile', { filePath: 'wxfile://usr/one.txt', data }).errMsg).toBe('writeFile:ok');
      expect(ops.run('unlink', { filePath: 'wxfile://usr/two.txt' }).errMsg).toBe('unlink:ok');
      expect(ops.run('writeFile', { filePath: 'wxfile://usr/three.txt', data }).errMsg).toBe('writeFile:ok');
      expect(ops.run('readdir', { dirPath: 'wxfile://usr' })).toEqual({ errMsg: 'readdir:ok', files: ['one.txt', 'three.txt'] });
      expect(USER_FILES_LIMIT_BYTES).toBe(200 * 1024 * 1024);
    } finally {
      files.dispose();
    }
  });

  it('the user folder itself cannot be made, removed or renamed', () => {
    const files = createFileSandbox();
    try {
      const ops = createFsOps({ files, maxFileBytes: 100 });
      expect(ops.run('mkdir', { dirPath: 'wxfile://usr', recursive: true }).errMsg).toBe('mkdir:fail file already exists wxfile://usr');
      expect(ops.run('rmdir', { dirPath: 'wxfile://usr/', recursive: true }).errMsg).toBe('rmdir:fail permission denied, open wxfile://usr/');
      expect(ops.run('rename', { oldPath: 'wxfile://usr', newPath: 'wxfile://usr/x' }).errMsg).toBe('rename:fail permission denied, rename wxfile://usr -> wxfile://usr/x');
      expect(ops.run('mkdir', { dirPath: 'wxfile://usr/d' }).errMsg).toBe('mkdir:ok');
      expect(ops.run('rename', { oldPath: 'wxfile://usr/d', newPath: 'wxfile://usr/d/e' }).errMsg).toBe('rename:fail invalid argument, rename wxfile://usr/d -> wxfile://usr/d/e');
    } finally {
      files.dispose();
    }
  });
});
