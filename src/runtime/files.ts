// The local files a program can name (wx.uploadFile's filePath, wx.downloadFile's answer and filePath), kept in a
// sandbox so a program under test never reads or writes arbitrary files of the machine. WeChat's kinds of local
// path (https://developers.weixin.qq.com/miniprogram/dev/framework/ability/file-system.html):
//
//   wxfile://tmp_NAME   a temporary file (what downloadFile answers; http://tmp/NAME, the developer tools' form,
//                       too): a per-run folder, removed when the run ends
//   wxfile://usr/PATH   the user's files under wx.env.USER_DATA_PATH, the only place a program may write: a per-run
//                       folder as well, removed with it
//   wxfile://store_NAME a file wx.getFileSystemManager().saveFile kept (no filePath given): the same per-run folder
//   PATH or /PATH       a file of the code package, inside the mini program's folder, read only; "../" or a link
//                       that leads out of the folder is refused
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

/** wx.env.USER_DATA_PATH. */
export const USER_DATA_PATH = 'wxfile://usr';

/** A file the program may read or write: where it really is, and the path as the program names it. */
export interface LocalFile {
  abs: string;
  path: string;
}

export type Resolved = LocalFile | { error: string };

/** Where a path points: a temporary file, a saved file, the user's files, or the code package (read only). */
export type Area = 'tmp' | 'store' | 'usr' | 'package';

/**
 * A path as the file-system manager names it (wx-fs.ts), existing or not: where it is and in which area; or why it
 * cannot be named: a bad parameter, or a path the program may not reach (`denied`: "../" or a link out of its
 * folder, another scheme, a backslash), or no code package to look in (`missing`).
 */
export type Location = (LocalFile & { area: Area }) | { error: string; kind: 'param' | 'denied' | 'missing' };

export interface FileSandbox {
  /** A file the program names for reading (uploadFile's filePath): temp, user or code-package file. */
  readable(path: unknown): Resolved;
  /** A file the program names for writing (downloadFile's filePath): under USER_DATA_PATH only. */
  writable(path: unknown): Resolved;
  /** A new temporary file's path (`wxfile://tmp_<random><ext>`); nothing is written yet. */
  newTemp(ext?: string): LocalFile;
  /** Writes a temporary file at the developer tools' kind of path (`http://tmp/<name>`), as a picked picture is. */
  saveTemp(name: string, bytes: Buffer): string;
  /** Any path the program names, for the file-system manager: existence and kind are the caller's to check. */
  locate(path: unknown, param?: string): Location;
  /** Whether an existing entry, followed through links, stays inside the program's folder or the run's folder. */
  contained(abs: string): boolean;
  /** Bytes held in the user's files and saved files (what WeChat's 200 MB quota counts). */
  usedBytes(): number;
  /** A new saved file's path (`wxfile://store_<random><ext>`); nothing is written yet. */
  newStore(ext?: string): LocalFile;
  /** Removes the per-run folder (the temporary and user files). Harmless twice. */
  dispose(): void;
}

export interface FileSandboxOptions {
  /** The mini program's folder: code-package paths resolve there. Without it only wxfile:// paths are readable. */
  root?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;
const typeName = (v: unknown) => (v === null ? 'Null' : v === undefined ? 'Undefined' : Array.isArray(v) ? 'Array' : (typeof v).replace(/^./, (c) => c.toUpperCase()));

const inside = (base: string, p: string) => {
  const r = relative(base, p);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
};

// Folders made by sandboxes nobody disposed (createWx outside a run): removed when the process exits.
const undisposed = new Set<string>();
let exitHook = false;
function remember(dir: string) {
  undisposed.add(dir);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const d of undisposed) rmSync(d, { recursive: true, force: true });
  });
}

export function createFileSandbox(o: FileSandboxOptions = {}): FileSandbox {
  const root = o.root ? resolve(o.root) : undefined;
  let base: string | undefined;
  // Made on first use: a run that never touches a file leaves nothing behind, not even an empty folder.
  const dir = (kind: 'tmp' | 'usr' | 'store') => {
    if (!base) {
      base = mkdtempSync(join(tmpdir(), 'wxlogin-files-'));
      mkdirSync(join(base, 'tmp'));
      mkdirSync(join(base, 'usr'));
      mkdirSync(join(base, 'store'));
      remember(base);
    }
    return join(base, kind);
  };

  type Local = (LocalFile & { area: Exclude<Area, 'package'> }) | { error: string; kind: 'denied' };
  /** Where a wxfile:// or http://tmp/ path points, or why it cannot be; undefined for a code-package path. */
  function local(path: string): Local | undefined {
    const kept = path.match(/^wxfile:\/\/((tmp|store)_[^/\\]*)$/);
    const devtools = path.match(/^http:\/\/tmp\/([^/\\]*)$/);
    if (kept || devtools) {
      const name = kept ? kept[1]! : devtools![1]!;
      const area = kept?.[2] === 'store' ? 'store' : 'tmp';
      if (!NAME.test(name)) return { error: `invalid path "${path}"`, kind: 'denied' };
      return { abs: join(dir(area), name), path, area };
    }
    if (path === USER_DATA_PATH || path.startsWith(`${USER_DATA_PATH}/`)) {
      const rest = path.slice(USER_DATA_PATH.length).replace(/^\/+/, '');
      const usr = dir('usr');
      const abs = resolve(usr, rest);
      if (!inside(usr, abs) || rest.includes('\\')) return { error: `permission denied, "${path}" is outside ${USER_DATA_PATH}`, kind: 'denied' };
      return { abs, path, area: 'usr' };
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return { error: `invalid path "${path}": a local file is wxfile://tmp_..., ${USER_DATA_PATH}/... or a path in the mini program's folder`, kind: 'denied' };
    return undefined;
  }

  function checkString(path: unknown, param = 'filePath'): string | { error: string } {
    if (typeof path !== 'string') return { error: `parameter error: parameter.${param} should be String instead of ${typeName(path)};` };
    if (path === '') return { error: `parameter error: parameter.${param} should not be empty` };
    if (path.includes('\0')) return { error: `invalid path "${path.replace(/\0/g, '\\0')}"` };
    return path;
  }

  const allowed = () => [root, base].filter((d): d is string => !!d).map((d) => realpathSync(d));
  const contained = (abs: string) => {
    const real = realpathSync(abs);
    return allowed().some((d) => inside(d, real));
  };
  function bytesUnder(d: string): number {
    let n = 0;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) n += bytesUnder(p);
      else n += lstatSync(p).size;
    }
    return n;
  }

  return {
    readable(p) {
      const path = checkString(p);
      if (typeof path !== 'string') return path;
      let found: Resolved | undefined = local(path);
      if (!found) {
        // A code-package file: "/x" from the package root, "x" and "./x" too (a program has no working folder).
        if (!root) return { error: `no such file or directory "${path}" (no mini program folder: only wxfile:// paths are readable)` };
        const abs = resolve(root, path.replace(/^[/\\]+/, ''));
        if (!inside(root, abs)) return { error: `permission denied, "${path}" is outside the mini program's folder` };
        found = { abs, path };
      }
      if ('error' in found) return found;
      if (!existsSync(found.abs)) {
        const hint = path.startsWith('/') && !path.startsWith('//') ? ' (a path starting with "/" is in the mini program\'s folder: files elsewhere on the machine cannot be read)' : '';
        return { error: `no such file or directory "${path}"${hint}` };
      }
      // A link inside the folder that leads out of it is refused like "../".
      if (!contained(found.abs)) return { error: `permission denied, "${path}" leads outside the mini program's folder` };
      const real = realpathSync(found.abs);
      if (!statSync(real).isFile()) return { error: `"${path}" is not a file` };
      return { abs: real, path };
    },
    writable(p) {
      const path = checkString(p);
      if (typeof path !== 'string') return path;
      const found = local(path);
      if (found && 'error' in found) return found;
      // The code package is read only; the temporary files are WeChat's to name.
      if (!found || !path.startsWith(USER_DATA_PATH)) return { error: `permission denied, open "${path}": only ${USER_DATA_PATH}/ (wx.env.USER_DATA_PATH) is writable` };
      if (found.abs === dir('usr')) return { error: `illegal operation on a directory, open "${path}"` };
      if (!existsSync(dirname(found.abs))) return { error: `no such file or directory, open "${path}"` };
      if (existsSync(found.abs) && !statSync(found.abs).isFile()) return { error: `illegal operation on a directory, open "${path}"` };
      return found;
    },
    locate(p, param = 'filePath') {
      const path = checkString(p, param);
      if (typeof path !== 'string') return { ...path, kind: 'param' };
      const found = local(path);
      if (found) return found;
      if (!root) return { error: `no such file or directory "${path}" (no mini program folder: only wxfile:// paths can be named)`, kind: 'missing' };
      // A code-package path: "/x", "x" and "./x" all from the package root.
      const abs = resolve(root, path.replace(/^[/\\]+/, ''));
      if (!inside(root, abs)) return { error: `permission denied, "${path}" is outside the mini program's folder`, kind: 'denied' };
      return { abs, path, area: 'package' };
    },
    contained,
    usedBytes() {
      if (!base) return 0;
      return bytesUnder(dir('usr')) + bytesUnder(dir('store'));
    },
    newStore(ext = '') {
      const name = `store_${randomBytes(12).toString('hex')}${/^\.[A-Za-z0-9]{1,8}$/.test(ext) ? ext : ''}`;
      return { abs: join(dir('store'), name), path: `wxfile://${name}` };
    },
    newTemp(ext = '') {
      const name = `tmp_${randomBytes(12).toString('hex')}${/^\.[A-Za-z0-9]{1,8}$/.test(ext) ? ext : ''}`;
      return { abs: join(dir('tmp'), name), path: `wxfile://${name}` };
    },
    saveTemp(name, bytes) {
      if (!NAME.test(name)) throw new Error(`invalid temporary file name "${name}"`);
      writeFileSync(join(dir('tmp'), name), bytes);
      return `http://tmp/${name}`;
    },
    dispose() {
      if (!base) return;
      rmSync(base, { recursive: true, force: true });
      undisposed.delete(base);
      base = undefined;
    },
  };
}
