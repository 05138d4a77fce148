// The mini program's storage (wx.setStorageSync and friends), one per user: in memory, or in a JSON file so a second
// run finds what the first stored (a token, as a mini program reopened). Values are kept as JSON, as WeChat keeps
// them (https://developers.weixin.qq.com/miniprogram/dev/api/storage/wx.setStorageSync.html: "只支持原生类型、Date、及能够
// 通过JSON.stringify序列化的对象").
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface WxStorage {
  get(key: string): unknown;
  has(key: string): boolean;
  set(key: string, value: unknown): void;
  remove(key: string): void;
  clear(): void;
  keys(): string[];
  /** Everything stored, as a plain object. */
  snapshot(): Record<string, unknown>;
}

export class StorageFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageFileError';
  }
}

const copy = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

export function createMemoryStorage(initial: Record<string, unknown> = {}, onChange?: (all: Record<string, unknown>) => void): WxStorage {
  const data = new Map<string, unknown>(Object.entries(initial));
  const changed = () => onChange?.(Object.fromEntries(data));
  return {
    get: (key) => copy(data.get(key)),
    has: (key) => data.has(key),
    set(key, value) {
      data.set(key, copy(value));
      changed();
    },
    remove(key) {
      data.delete(key);
      changed();
    },
    clear() {
      data.clear();
      changed();
    },
    keys: () => [...data.keys()],
    snapshot: () => copy(Object.fromEntries(data)) as Record<string, unknown>,
  };
}

/** Whose record in a storage file: `<appid>/<user>` ("default" when no appid is given). */
export const storageOwner = (appid: string | undefined, user: string): string => `${appid ?? 'default'}/${user}`;

/**
 * Storage in a JSON file holding every user's storage, `{ "<appid>/<user>": { key: value } }`: one file serves a
 * test's several users, and each sees only its own keys. Written whole on each change (a temp file, then rename).
 */
export function createFileStorage(file: string, owner: string): WxStorage {
  let all: Record<string, Record<string, unknown>> = {};
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new StorageFileError(`cannot read the storage file ${file}: ${(err as Error).message}`);
  }
  if (text !== undefined && text.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new StorageFileError(`the storage file ${file} is not JSON`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new StorageFileError(`the storage file ${file} is not a JSON object`);
    all = parsed as Record<string, Record<string, unknown>>;
  }
  const mine = all[owner];
  if (mine !== undefined && (!mine || typeof mine !== 'object' || Array.isArray(mine))) {
    throw new StorageFileError(`the storage file ${file}: "${owner}" is not a JSON object of keys and values`);
  }
  return createMemoryStorage(mine ?? {}, (data) => {
    all[owner] = data;
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  });
}
