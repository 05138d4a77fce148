// wx.getFileSystemManager(): the common operations of WeChat's FileSystemManager
// (https://developers.weixin.qq.com/miniprogram/dev/api/file/wx.getFileSystemManager.html): readFile, writeFile,
// appendFile, access, unlink, mkdir, readdir, stat, rmdir, copyFile, rename and saveFile. Each answers the callback
// object WeChat's method page lists (these methods have no promise form), and its *Sync variant returns the result or
// throws an Error whose message is the errMsg ("readFileSync:fail ...") and which carries the errno.
//
// Paths go through the run's sandbox (files.ts; https://developers.weixin.qq.com/miniprogram/dev/framework/ability/file-system.html):
// the program writes under wx.env.USER_DATA_PATH (wxfile://usr/...) only; it reads those, its temporary and saved
// files, and its own folder (the code package, read only). A path it may not reach ("../", a link out of its folder,
// another scheme) fails as a path without permission does on WeChat. The fail messages are the ones each method's page
// lists ("no such file or directory, open ${filePath}", "permission denied, open ${dirPath}", ...), with the errno of
// the table the pages share (1300002 no such file or directory, 1300013 permission denied, ...).
import { appendFileSync, copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { extname, join } from 'node:path';
import { types } from 'node:util';
import { USER_DATA_PATH, type FileSandbox, type LocalFile, type Location } from './files.js';
import type { WxResult } from './invoke.js';

/** What the user's files and saved files may hold together (file-system.html: "小程序（含小游戏）最多可存储 200MB"). */
export const USER_FILES_LIMIT_BYTES = 200 * 1024 * 1024;

/** The encodings readFile and writeFile take (FileSystemManager.readFile.html, "encoding 的合法值"). */
export const FS_ENCODINGS = ['ascii', 'base64', 'binary', 'hex', 'ucs2', 'ucs-2', 'utf16le', 'utf-16le', 'utf-8', 'utf8', 'latin1'] as const;

/** The errno WeChat's file pages give each failure. */
const ERRNO = {
  notPermitted: 1300001,
  noEntry: 1300002,
  denied: 1300013,
  notDirectory: 1300020,
  invalid: 1300022,
  notEmpty: 1300066,
  system: 1300201,
  limit: 1300202,
  directory: 1301003,
  exists: 1301005,
  lengthRange: 1301006,
  positionRange: 1301009,
} as const;

const LIMIT = 'the maximum size of the file storage limit is exceeded';

/**
 * Each method: the parameters of its object (in the order its Sync variant takes them), the one it cannot do without,
 * and the field of its answer that the Sync variant returns.
 */
export const FS_METHODS = {
  readFile: { params: ['filePath', 'encoding', 'position', 'length'], returns: 'data' },
  writeFile: { params: ['filePath', 'data', 'encoding'] },
  appendFile: { params: ['filePath', 'data', 'encoding'] },
  access: { params: ['path'] },
  unlink: { params: ['filePath'] },
  mkdir: { params: ['dirPath', 'recursive'] },
  readdir: { params: ['dirPath'], returns: 'files' },
  stat: { params: ['path', 'recursive'], returns: 'stats' },
  rmdir: { params: ['dirPath', 'recursive'] },
  copyFile: { params: ['srcPath', 'destPath'] },
  rename: { params: ['oldPath', 'newPath'] },
  saveFile: { params: ['tempFilePath', 'filePath'], returns: 'savedFilePath' },
} as const satisfies Record<string, { params: readonly string[]; returns?: string }>;

export type FsMethod = keyof typeof FS_METHODS;

/** The manager: each method with its object (success / fail / complete), and its Sync variant. */
export type FileSystemManager = { [M in FsMethod]: (object?: Record<string, unknown>) => void } & {
  [M in FsMethod as `${M}Sync`]: (...args: unknown[]) => unknown;
};

class FsFail extends Error {
  constructor(
    readonly reason: string,
    readonly errno?: number,
  ) {
    super(reason);
  }
}

const typeName = (v: unknown) => (v === null ? 'Null' : v === undefined ? 'Undefined' : Array.isArray(v) ? 'Array' : types.isAnyArrayBuffer(v) ? 'ArrayBuffer' : ArrayBuffer.isView(v) ? Object.prototype.toString.call(v).slice(8, -1) : (typeof v).replace(/^./, (c) => c.toUpperCase()));

/** The Stats object (https://developers.weixin.qq.com/miniprogram/dev/api/file/Stats.html): times in seconds. */
function statsOf(s: Stats) {
  const dir = s.isDirectory();
  return {
    mode: s.mode,
    size: s.size,
    lastAccessedTime: Math.floor(s.atimeMs / 1000),
    lastModifiedTime: Math.floor(s.mtimeMs / 1000),
    isDirectory: () => dir,
    isFile: () => !dir,
  };
}

const exists = (abs: string) => {
  try {
    lstatSync(abs);
    return true;
  } catch {
    return false;
  }
};
const isDir = (abs: string) => exists(abs) && statSync(abs).isDirectory();

/** The bytes to write: a string in an encoding, or an ArrayBuffer (of any realm: the program's code runs in its own). */
function bytesOf(data: unknown, encoding: unknown): Buffer {
  if (typeof data === 'string') return Buffer.from(data, checkEncoding(encoding ?? 'utf8'));
  if (types.isAnyArrayBuffer(data)) return Buffer.from(new Uint8Array(data as ArrayBuffer));
  throw new FsFail(`parameter error: parameter.data should be String/ArrayBuffer instead of ${typeName(data)};`);
}

function checkEncoding(e: unknown): BufferEncoding {
  if (typeof e === 'string' && (FS_ENCODINGS as readonly string[]).includes(e)) return e as BufferEncoding;
  throw new FsFail(`invalid encoding ${JSON.stringify(e) ?? String(e)} (one of ${FS_ENCODINGS.join(', ')})`, ERRNO.invalid);
}

export interface FsDeps {
  files: FileSandbox;
  /** The most one file may hold (the runtime's bound for one transfer). */
  maxFileBytes: number;
  /** The most the user's files and saved files hold together (default: WeChat's 200 MB). */
  userFilesLimitBytes?: number;
}

export interface FsOps {
  /** Runs one method with the object it was given; `label` is the errMsg's prefix ("readFile" or "readFileSync"). */
  run(method: FsMethod, args: Record<string, unknown>, label?: string): WxResult;
}

export function createFsOps(d: FsDeps): FsOps {
  const { files } = d;

  /** A path the method names, or the failure it meets: a bad parameter as is, the rest in the method's words. */
  function at(args: Record<string, unknown>, param: string, denied: (path: string) => string, missing: (path: string) => string) {
    const l: Location = files.locate(args[param], param);
    if ('error' in l) {
      if (l.kind === 'param') throw new FsFail(l.error);
      const path = String(args[param]);
      if (l.kind === 'missing') throw new FsFail(missing(path), ERRNO.noEntry);
      throw new FsFail(denied(path), ERRNO.denied);
    }
    // An entry that is there, followed through links, stays in the program's folder or the run's own.
    if (exists(l.abs) && !files.contained(l.abs)) throw new FsFail(denied(l.path), ERRNO.denied);
    return l;
  }
  /** A path the method writes: under USER_DATA_PATH only (the code package is read only, temporary files WeChat's). */
  function writing(args: Record<string, unknown>, param: string, denied: (p: string) => string, missing: (p: string) => string) {
    const l = at(args, param, denied, missing);
    if (l.area !== 'usr') throw new FsFail(denied(l.path), ERRNO.denied);
    return l;
  }
  const usrDir = () => (files.locate(USER_DATA_PATH) as LocalFile).abs;

  /** Refuses a write that would make one file, or the user's files together, larger than allowed. */
  function room(newSize: number, grows: number) {
    if (newSize > d.maxFileBytes || files.usedBytes() + grows > (d.userFilesLimitBytes ?? USER_FILES_LIMIT_BYTES)) throw new FsFail(LIMIT, ERRNO.limit);
  }
  const sizeOf = (abs: string) => (exists(abs) ? lstatSync(abs).size : 0);
  const int = (v: unknown) => typeof v === 'number' && Number.isInteger(v);

  const ops: Record<FsMethod, (a: Record<string, unknown>) => Record<string, unknown>> = {
    readFile(a) {
      const l = at(a, 'filePath', (p) => `permission denied, open ${p}`, (p) => `no such file or directory, open ${p}`);
      const encoding = a.encoding === undefined ? undefined : checkEncoding(a.encoding);
      if (!exists(l.abs)) throw new FsFail(`no such file or directory, open ${l.path}`, ERRNO.noEntry);
      if (isDir(l.abs)) throw new FsFail(`illegal operation on a directory, open "${l.path}"`, ERRNO.directory);
      const size = statSync(l.abs).size;
      if (size > d.maxFileBytes) throw new FsFail(LIMIT, ERRNO.limit);
      // position in [0, fileLength - 1], length in [1, fileLength - position] (the readFile page).
      const position = a.position ?? 0;
      if (!int(position) || (position as number) < 0 || ((position as number) > 0 && (position as number) >= size)) throw new FsFail('the value of "position" is out of range', ERRNO.positionRange);
      const length = a.length ?? size - (position as number);
      if (!int(length) || (length as number) < 0 || (a.length !== undefined && (length as number) < 1) || (position as number) + (length as number) > size) throw new FsFail('the value of "length" is out of range', ERRNO.lengthRange);
      const bytes = readFileSync(l.abs).subarray(position as number, (position as number) + (length as number));
      return { data: encoding ? bytes.toString(encoding) : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) };
    },
    writeFile(a) {
      const l = writing(a, 'filePath', (p) => `permission denied, open ${p}`, (p) => `no such file or directory, open ${p}`);
      const bytes = bytesOf(a.data, a.encoding);
      if (isDir(l.abs)) throw new FsFail(`illegal operation on a directory, open "${l.path}"`, ERRNO.directory);
      if (!isDir(join(l.abs, '..'))) throw new FsFail(`no such file or directory, open ${l.path}`, ERRNO.noEntry);
      room(bytes.length, bytes.length - sizeOf(l.abs));
      writeFileSync(l.abs, bytes);
      return {};
    },
    appendFile(a) {
      const l = writing(a, 'filePath', (p) => `permission denied, open ${p}`, (p) => `no such file or directory, open ${p}`);
      const bytes = bytesOf(a.data, a.encoding);
      if (isDir(l.abs)) throw new FsFail(`illegal operation on a directory, open "${l.path}"`, ERRNO.directory);
      // The file must be there already (the appendFile page: "指定的 filePath 文件不存在").
      if (!exists(l.abs)) throw new FsFail(`no such file or directory, open ${l.path}`, ERRNO.noEntry);
      room(sizeOf(l.abs) + bytes.length, bytes.length);
      appendFileSync(l.abs, bytes);
      return {};
    },
    access(a) {
      const l = at(a, 'path', (p) => `permission denied, open ${p}`, (p) => `no such file or directory ${p}`);
      if (!exists(l.abs)) throw new FsFail(`no such file or directory ${l.path}`, ERRNO.noEntry);
      return {};
    },
    unlink(a) {
      const l = writing(a, 'filePath', (p) => `permission denied, open ${p}`, (p) => `no such file or directory ${p}`);
      if (!exists(l.abs)) throw new FsFail(`no such file or directory ${l.path}`, ERRNO.noEntry);
      if (isDir(l.abs)) throw new FsFail(`operation not permitted, unlink ${l.path}`, ERRNO.notPermitted);
      unlinkSync(l.abs);
      return {};
    },
    mkdir(a) {
      const l = writing(a, 'dirPath', (p) => `permission denied, open ${p}`, (p) => `no such file or directory ${p}`);
      if (exists(l.abs)) throw new FsFail(`file already exists ${l.path}`, ERRNO.exists);
      if (a.recursive === true) {
        // A file where a folder of the path should be.
        const usr = usrDir();
        for (let p = join(l.abs, '..'); p.length > usr.length; p = join(p, '..')) {
          if (exists(p) && !isDir(p)) throw new FsFail(`not a directory ${l.path}`, ERRNO.notDirectory);
        }
        mkdirSync(l.abs, { recursive: true });
      } else {
        if (!isDir(join(l.abs, '..'))) throw new FsFail(`no such file or directory ${l.path}`, ERRNO.noEntry);
        mkdirSync(l.abs);
      }
      return {};
    },
    readdir(a) {
      const l = at(a, 'dirPath', (p) => `permission denied, open ${p}`, (p) => `no such file or directory ${p}`);
      if (!exists(l.abs)) throw new FsFail(`no such file or directory ${l.path}`, ERRNO.noEntry);
      if (!isDir(l.abs)) throw new FsFail(`not a directory ${l.path}`, ERRNO.notDirectory);
      return { files: readdirSync(l.abs).sort() };
    },
    stat(a) {
      const l = at(a, 'path', (p) => `permission denied, open ${p}`, (p) => `no such file or directory ${p}`);
      if (!exists(l.abs)) throw new FsFail(`no such file or directory ${l.path}`, ERRNO.noEntry);
      const s = statSync(l.abs);
      if (a.recursive !== true || !s.isDirectory()) return { stats: statsOf(s) };
      // recursive on a folder: one {path, stats} per entry, paths from the folder ("/", "/a.txt", "/sub/b.txt").
      const out: { path: string; stats: ReturnType<typeof statsOf> }[] = [{ path: '/', stats: statsOf(s) }];
      const walk = (abs: string, rel: string) => {
        for (const name of readdirSync(abs).sort()) {
          const p = join(abs, name);
          const st = lstatSync(p);
          out.push({ path: `${rel}/${name}`, stats: statsOf(st) });
          if (st.isDirectory()) walk(p, `${rel}/${name}`);
        }
      };
      walk(l.abs, '');
      return { stats: out };
    },
    rmdir(a) {
      const l = writing(a, 'dirPath', (p) => `permission denied, open ${p}`, (p) => `no such file or directory ${p}`);
      if (l.abs === usrDir()) throw new FsFail(`permission denied, open ${l.path}`, ERRNO.denied);
      if (!exists(l.abs)) throw new FsFail(`no such file or directory ${l.path}`, ERRNO.noEntry);
      if (!isDir(l.abs)) throw new FsFail(`not a directory ${l.path}`, ERRNO.notDirectory);
      if (a.recursive === true) rmSync(l.abs, { recursive: true, force: true });
      else if (readdirSync(l.abs).length > 0) throw new FsFail('directory not empty', ERRNO.notEmpty);
      else rmdirSync(l.abs);
      return {};
    },
    copyFile(a) {
      const denied = () => `permission denied, copyFile ${String(a.srcPath)} -> ${String(a.destPath)}`;
      const missing = () => `no such file or directory, copyFile ${String(a.srcPath)} -> ${String(a.destPath)}`;
      const src = at(a, 'srcPath', denied, missing);
      const dest = writing(a, 'destPath', denied, missing);
      if (!exists(src.abs) || !isDir(join(dest.abs, '..'))) throw new FsFail(missing(), ERRNO.noEntry);
      if (isDir(src.abs) || isDir(dest.abs)) throw new FsFail(`illegal operation on a directory, copyFile ${src.path} -> ${dest.path}`, ERRNO.directory);
      const size = statSync(src.abs).size;
      room(size, size - sizeOf(dest.abs));
      copyFileSync(src.abs, dest.abs);
      return {};
    },
    rename(a) {
      const denied = () => `permission denied, rename ${String(a.oldPath)} -> ${String(a.newPath)}`;
      const missing = () => `no such file or directory, rename ${String(a.oldPath)} -> ${String(a.newPath)}`;
      const from = writing(a, 'oldPath', denied, missing);
      const to = writing(a, 'newPath', denied, missing);
      const usr = usrDir();
      if (from.abs === usr || to.abs === usr) throw new FsFail(denied(), ERRNO.denied);
      if (!exists(from.abs) || !isDir(join(to.abs, '..'))) throw new FsFail(missing(), ERRNO.noEntry);
      // A folder moved into itself, or over a folder that is not empty: what rename(2) refuses.
      if (isDir(from.abs) && (to.abs === from.abs || to.abs.startsWith(`${from.abs}/`))) throw new FsFail(`invalid argument, rename ${from.path} -> ${to.path}`, ERRNO.invalid);
      if (isDir(to.abs) && (!isDir(from.abs) || readdirSync(to.abs).length > 0)) throw new FsFail(`illegal operation on a directory, rename ${from.path} -> ${to.path}`, ERRNO.directory);
      renameSync(from.abs, to.abs);
      return {};
    },
    saveFile(a) {
      // Moves a temporary file to the user's files (filePath) or to a saved file of WeChat's naming (the saveFile page).
      const src = files.locate(a.tempFilePath, 'tempFilePath');
      if ('error' in src && src.kind === 'param') throw new FsFail(src.error);
      if ('error' in src || src.area !== 'tmp' || !exists(src.abs) || isDir(src.abs)) throw new FsFail('tempFilePath file not exist', ERRNO.noEntry);
      let dest: { abs: string; path: string };
      if (a.filePath === undefined) dest = files.newStore(extname(src.abs));
      else {
        const l = writing(a, 'filePath', (p) => `permission denied, open "${p}"`, (p) => `no such file or directory "${p}"`);
        if (!isDir(join(l.abs, '..'))) throw new FsFail(`no such file or directory "${l.path}"`, ERRNO.noEntry);
        if (isDir(l.abs)) throw new FsFail(`illegal operation on a directory, open "${l.path}"`, ERRNO.directory);
        dest = l;
      }
      const size = statSync(src.abs).size;
      room(size, size - sizeOf(dest.abs));
      renameSync(src.abs, dest.abs);
      return { savedFilePath: dest.path };
    },
  };

  return {
    run(method, args, label = method) {
      try {
        return { errMsg: `${label}:ok`, ...ops[method](args) };
      } catch (err) {
        if (err instanceof FsFail) return { errMsg: `${label}:fail ${err.reason}`, ...(err.errno === undefined ? {} : { errno: err.errno }) };
        // The machine's own refusal (a file removed between the checks and the call, a full disk).
        const e = err as NodeJS.ErrnoException;
        const why: Record<string, [string, number]> = {
          ENOENT: ['no such file or directory', ERRNO.noEntry],
          EEXIST: ['file already exists', ERRNO.exists],
          ENOTDIR: ['not a directory', ERRNO.notDirectory],
          EISDIR: ['illegal operation on a directory', ERRNO.directory],
          ENOTEMPTY: ['directory not empty', ERRNO.notEmpty],
          EACCES: ['permission denied', ERRNO.denied],
          EPERM: ['operation not permitted', ERRNO.notPermitted],
          ENOSPC: [LIMIT, ERRNO.limit],
        };
        const [reason, errno] = why[e?.code ?? ''] ?? [`system error (${e?.code ?? e?.message ?? String(err)})`, ERRNO.system];
        return { errMsg: `${label}:fail ${reason}`, errno };
      }
    },
  };
}
