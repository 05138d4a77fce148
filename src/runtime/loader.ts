// The module loader: the program's files run as mini programs run them (CommonJS: `require`, `module.exports`,
// `exports`; https://developers.weixin.qq.com/miniprogram/dev/reference/api/require.html), each file in its own
// node:vm context holding only the globals a mini program has (App, Page, wx, ...), not Node's (no process, no
// require('fs')). Paths resolve from the requiring file, or from the program's root when they start with "/";
// bare names look in miniprogram_npm/. Nothing outside the program's folder loads.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import vm from 'node:vm';

export class ModuleLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModuleLoadError';
  }
}

export interface Loader {
  /** Runs the file (a path relative to the root, ".js" optional) once and answers its exports. */
  load(file: string): unknown;
  /** The file's path relative to the root, without ".js": "pages/index/index". */
  label(absFile: string): string;
}

export interface LoaderOptions {
  root: string;
  /** The globals a file's context gets (its label: "app", "pages/index/index", "utils/util"). */
  globals(label: string): Record<string, unknown>;
}

export function createLoader(o: LoaderOptions): Loader {
  const root = resolve(o.root);
  const cache = new Map<string, { exports: unknown }>();
  const inside = (p: string) => {
    const r = relative(root, p);
    return r !== '' && !r.startsWith('..') && !isAbsolute(r);
  };
  const label = (abs: string) => relative(root, abs).split(sep).join('/').replace(/\.js$/, '');

  function candidates(base: string): string[] {
    return [base, `${base}.js`, join(base, 'index.js')];
  }

  function resolveFrom(fromDir: string, spec: string): string {
    if (typeof spec !== 'string' || spec === '') throw new ModuleLoadError(`require: a module path is a non-empty string, got ${String(spec)}`);
    let bases: string[];
    if (spec.startsWith('/')) bases = [join(root, spec)];
    else if (spec.startsWith('./') || spec.startsWith('../')) bases = [resolve(fromDir, spec)];
    else {
      // A bare name: the npm build's folder, from the requiring file's folder up to the root; then, as older
      // base libraries allow, a path relative to the requiring file.
      bases = [];
      for (let d = fromDir; inside(d) || d === root; d = dirname(d)) {
        bases.push(join(d, 'miniprogram_npm', spec));
        if (d === root) break;
      }
      bases.push(resolve(fromDir, spec));
    }
    for (const b of bases) {
      for (const c of candidates(b)) {
        if (!inside(c)) continue;
        if (existsSync(c) && statSync(c).isFile()) return c;
      }
    }
    throw new ModuleLoadError(`module "${spec}" is not defined (required from ${label(join(fromDir, 'x')).replace(/\/?x$/, '') || '.'}/)`);
  }

  function run(abs: string): unknown {
    const hit = cache.get(abs);
    if (hit) return hit.exports;
    const module = { exports: {} as unknown };
    // Cached before it runs, so a cycle gets the partial exports, as CommonJS does.
    cache.set(abs, module);
    const source = readFileSync(abs, 'utf8');
    const name = label(abs);
    const context = vm.createContext({ ...o.globals(name) }, { name, codeGeneration: { strings: true, wasm: false } });
    const require = (spec: string) => run(resolveFrom(dirname(abs), spec));
    let fn: (...a: unknown[]) => unknown;
    try {
      fn = vm.compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: abs, parsingContext: context }) as typeof fn;
    } catch (err) {
      cache.delete(abs);
      throw err;
    }
    fn.call(module.exports, module.exports, require, module, `/${name}.js`, `/${dirname(name) === '.' ? '' : dirname(name)}`);
    return module.exports;
  }

  return {
    load(file) {
      return run(resolveFrom(root, file.startsWith('/') ? file : `/${file}`));
    },
    label,
  };
}
