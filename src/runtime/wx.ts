// createWx: the `wx` object a mini program's code calls, for one user. The calls that involve WeChat (login, consent,
// open data) go to the mock's client face (/__client/*), so codes, keys, ciphertexts and the user's answers to
// dialogs are real; wx.request, wx.uploadFile and wx.downloadFile make real HTTP requests (wx-request.ts,
// wx-transfer.ts) with local files kept in a sandbox (files.ts), which wx.getFileSystemManager() reads and writes too
// (wx-fs.ts); storage is the user's own (storage.ts).
// Every call is traced with its answer, secrets masked. Answers follow each API's page on
// https://developers.weixin.qq.com/miniprogram/dev/api/.
import { types } from 'node:util';
import type { Dispatcher } from 'undici';
import { createMockClient, type MockClient } from '../client/mock-client.js';
import { NetworkError } from '../client/http.js';
import { invoke, isOk, type Callbacks, type WxResult } from './invoke.js';
import { createFileSandbox, USER_DATA_PATH, type FileSandbox } from './files.js';
import { mask, isSecretKey, maskString, maskUrl } from './mask.js';
import { createFileStorage, createMemoryStorage, storageOwner, type WxStorage } from './storage.js';
import { describeThrown, type Trace } from './trace.js';
import { createTracker, type Tracker } from './tracker.js';
import { doRequest, type RequestOptions } from './wx-request.js';
import { createFsOps, FS_METHODS, type FileSystemManager, type FsMethod } from './wx-fs.js';
import { DEFAULT_MAX_FILE_BYTES, doDownload, doUpload, type DownloadOptions, type TransferDeps, type TransferEvents, type TransferOutcome, type UploadOptions } from './wx-transfer.js';
import type { UrlMapping } from './url-map.js';

/** The base library version the run claims; profiles are anonymised from 2.27.1 on (see `classicProfiles`). */
export const DEFAULT_SDK_VERSION = '3.4.0';

/** Page switching, given by the runner that holds the page stack. Each resolves, or rejects with the reason. */
export interface WxNavigator {
  navigateTo(url: string): Promise<void>;
  redirectTo(url: string): Promise<void>;
  reLaunch(url: string): Promise<void>;
  navigateBack(delta: number): Promise<void>;
  /** To a tab page of app.json's tabBar, closing every page that is not one. */
  switchTab(url: string): Promise<void>;
}

export interface CreateWxOptions {
  /** The mock's base URL, or a client for it. */
  mock: string | MockClient;
  /** The mock's app to play, when it serves several. */
  appid?: string;
  /** The mock user (alias or openid) who holds the phone. */
  user: string;
  /** The user's storage, or a JSON file to keep it in (storage.ts); in memory when left out. */
  storage?: WxStorage | string;
  sdkVersion?: string;
  /** URL rewrites for wx.request (url-map.ts). */
  map?: readonly UrlMapping[];
  dispatcher?: Dispatcher;
  /** wx.request's (and uploadFile's, downloadFile's) timeout when the call gives none (WeChat's default: 60 s). */
  requestTimeoutMs?: number;
  /**
   * The mini program's folder: uploadFile reads code-package paths ("images/a.png", "/images/a.png") there, never
   * outside it. Left out, only wxfile:// paths can be uploaded.
   */
  root?: string;
  /** The local files (files.ts); by default a sandbox of its own on `root`, its folder removed by `dispose()`. */
  files?: FileSandbox;
  /** The most one uploadFile or downloadFile moves, and one file of getFileSystemManager() holds (default 50 MB, wx-transfer.ts). */
  maxFileBytes?: number;
  /** Where every call goes, with its answer; nothing is recorded when left out. */
  trace?: Trace;
  /** Work in flight (a run waits on it between taps). */
  tracker?: Tracker;
  /** Who is calling, for the trace ("app", a page's route). */
  where?: () => string;
  /** The program's callback threw. */
  onThrow?: (err: unknown, api: string) => void;
  navigator?: WxNavigator;
}

const SYNC_ERR = (api: string, why: string) => new Error(`${api}:fail ${why}`);
const typeName = (v: unknown) => (v === null ? 'Null' : v === undefined ? 'Undefined' : Array.isArray(v) ? 'Array' : (typeof v).replace(/^./, (c) => c.toUpperCase()));

/** -1, 0 or 1, comparing dotted versions as WeChat's compareVersion example does. */
export function compareVersion(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (Number.parseInt(x[i] ?? '0', 10) || 0) - (Number.parseInt(y[i] ?? '0', 10) || 0);
    if (d !== 0) return d > 0 ? 1 : -1;
  }
  return 0;
}

/**
 * Whether getUserInfo and getUserProfile hand over the real profile: before base library 2.27.1 they do; from it on
 * WeChat gives the grey avatar and "微信用户"
 * (https://developers.weixin.qq.com/community/develop/doc/00022c683e8a80b29bed2142b56c01).
 */
export const classicProfiles = (sdkVersion: string): boolean => compareVersion(sdkVersion, '2.27.1') < 0;

export function createWxHost(o: CreateWxOptions) {
  const mock = typeof o.mock === 'string' ? createMockClient({ baseUrl: o.mock, appid: o.appid, dispatcher: o.dispatcher }) : o.mock;
  const storage: WxStorage =
    typeof o.storage === 'string' ? createFileStorage(o.storage, storageOwner(o.appid, o.user)) : (o.storage ?? createMemoryStorage());
  const sdkVersion = o.sdkVersion ?? DEFAULT_SDK_VERSION;
  const classic = classicProfiles(sdkVersion);
  const tracker = o.tracker ?? createTracker();
  const trace: Trace = o.trace ?? (() => undefined);
  const where = o.where ?? (() => 'app');
  const hooks = {
    tracker,
    onThrow: (err: unknown, api: string) => {
      if (o.onThrow) o.onThrow(err, api);
      else trace({ kind: 'error', where: where(), message: `in a ${api} callback: ${describeThrown(err)}` });
    },
    onUnhandled: (api: string, res: WxResult) => trace({ kind: 'unhandled', where: where(), api, errMsg: res.errMsg }),
  };
  const args = (a: Callbacks | undefined) => {
    if (!a || typeof a !== 'object') return undefined;
    const m = mask(a) as Record<string, unknown>;
    return Object.keys(m).length ? m : undefined;
  };
  const untracked: Tracker = { ...tracker, track: (p) => p };
  const files = o.files ?? createFileSandbox({ root: o.root });

  /**
   * One asynchronous API: `work` answers the callback object; it is traced, then delivered. `view` shows the arguments
   * and the answer in the trace (secrets masked by default).
   */
  function api(name: string, a: Callbacks | undefined, work: () => Promise<WxResult> | WxResult, promise = true, view?: (v: Record<string, unknown>) => unknown) {
    const who = where();
    const run = async (): Promise<WxResult> => {
      let res: WxResult;
      try {
        res = await work();
      } catch (err) {
        res = { errMsg: `${name}:fail ${describeThrown(err)}` };
      }
      const { errMsg, ...rest } = res;
      const shown = view && a && typeof a === 'object' ? view(a) : args(a);
      trace({ kind: 'wx', where: who, api: name, args: shown, errMsg, ...(Object.keys(rest).length ? { result: view ? view(rest) : mask(rest) } : {}) });
      return res;
    };
    return invoke(name, a, run, hooks, promise);
  }

  /** A call to the mock's client face; a refusal of the call itself (unknown user, HTTP error) also fails the run. */
  async function viaMock(name: string, as: string, extra: Record<string, unknown> = {}): Promise<WxResult> {
    try {
      const r = await mock.wx(name as Parameters<MockClient['wx']>[0], o.user, extra);
      const errMsg = r.errMsg.replace(/^[A-Za-z]+:/, `${as}:`);
      if (r.status !== 200) {
        trace({ kind: 'error', where: where(), message: `the mock refused ${name} for ${o.user}: ${r.errMsg}` });
        return { errMsg };
      }
      const { errMsg: _e, ...rest } = r.body;
      return { ...rest, errMsg };
    } catch (err) {
      const why = err instanceof NetworkError ? `cannot reach the mock at ${mock.baseUrl} (${err.kind})` : describeThrown(err);
      trace({ kind: 'error', where: where(), message: why });
      return { errMsg: `${as}:fail ${why}` };
    }
  }

  const userInfo = (name: 'getUserInfo' | 'getUserProfile', withCredentials = true) =>
    viaMock(name, name, { classic, withCredentials }).then((res) => {
      if (!withCredentials && isOk(res)) {
        // Without credentials WeChat leaves out the data a backend could verify or decrypt (wx.getUserInfo's page).
        const { encryptedData: _d, iv: _i, signature: _s, rawData: _r, ...rest } = res;
        return rest as WxResult;
      }
      return res;
    });

  // Recording, gated on scope.record: the first call asks the user, as the authorization dialog does
  // (https://developers.weixin.qq.com/miniprogram/dev/api/media/recorder/wx.startRecord.html); success comes when it stops.
  let recording: { deliver: (res: WxResult) => void } | undefined;
  let recordings = 0;

  function storageKey(name: string, key: unknown) {
    if (typeof key !== 'string') throw SYNC_ERR(name, `parameter error: parameter.key should be String instead of ${typeName(key)};`);
    return key;
  }
  const traceSync = (name: string, a: unknown, errMsg: string, result?: unknown) =>
    trace({ kind: 'wx', where: where(), api: name, ...(a === undefined ? {} : { args: a }), errMsg, ...(result === undefined ? {} : { result }) });
  const maskValue = (key: string, v: unknown) => (isSecretKey(key) && typeof v === 'string' ? maskString(v) : mask(v));

  // wx.getFileSystemManager() (wx-fs.ts): one manager for the run ("全局唯一的文件系统管理器"). File contents are shown
  // in the trace by size only: a program may keep a token in a file.
  const fsOps = createFsOps({ files, maxFileBytes: o.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES });
  const count = (n: number, what: string) => `<${n} ${what}${n === 1 ? '' : 's'}>`;
  const contentSize = (x: unknown) => (typeof x === 'string' ? count(x.length, 'character') : types.isAnyArrayBuffer(x) ? count((x as ArrayBuffer).byteLength, 'byte') : mask(x));
  const fsView = (v: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === 'function' || x === undefined) continue;
      out[k] = k === 'data' ? contentSize(x) : mask(x);
    }
    return Object.keys(out).length ? out : undefined;
  };
  const fsManager: Record<string, unknown> = {};
  for (const m of Object.keys(FS_METHODS) as FsMethod[]) {
    const spec: { params: readonly string[]; returns?: string } = FS_METHODS[m];
    const traced = `getFileSystemManager().${m}`;
    // The asynchronous form works on a later turn, as WeChat's does; the data to write is taken as it is at the call.
    fsManager[m] = (a?: Callbacks) => {
      const given = a && typeof a === 'object' ? a : {};
      const opts: Record<string, unknown> = { ...given, ...(types.isAnyArrayBuffer(given.data) ? { data: (given.data as ArrayBuffer).slice(0) } : {}) };
      api(traced, a, async () => {
        await new Promise<void>((r) => setImmediate(r));
        return fsOps.run(m, opts);
      }, false, fsView);
    };
    // The Sync form: the answer's field, or an Error carrying the errMsg and the errno.
    fsManager[`${m}Sync`] = (...given: unknown[]) => {
      const opts = Object.fromEntries(spec.params.map((p, i) => [p, given[i]]).filter(([, v]) => v !== undefined));
      const res = fsOps.run(m, opts, `${m}Sync`);
      const { errMsg, ...rest } = res;
      traceSync(`${traced}Sync`, fsView(opts), errMsg, fsView(rest));
      if (!isOk(res)) throw Object.assign(new Error(errMsg), { errno: res.errno });
      return spec.returns ? res[spec.returns] : undefined;
    };
  }

  const navigate = (name: keyof WxNavigator, a: Callbacks | undefined, run: (n: WxNavigator) => Promise<void>) =>
    api(name, a, async () => {
      if (name !== 'navigateBack' && typeof a?.url !== 'string') return { errMsg: `${name}:fail parameter error: parameter.url should be String instead of ${typeName(a?.url)};` };
      if (!o.navigator) return { errMsg: `${name}:fail no page stack (createWx outside wxlogin run)` };
      try {
        await run(o.navigator);
        return { errMsg: `${name}:ok` };
      } catch (err) {
        return { errMsg: `${name}:fail ${err instanceof Error ? err.message : describeThrown(err)}` };
      }
    });

  /**
   * uploadFile and downloadFile: traced like wx.request, answered by callbacks only, returning the UploadTask /
   * DownloadTask (abort, and listeners for progress and headers).
   */
  function transfer<O extends object>(
    name: 'uploadFile' | 'downloadFile',
    a: (Callbacks & O) | undefined,
    run: (o: O, deps: TransferDeps, abort: AbortSignal, events: TransferEvents) => Promise<TransferOutcome>,
  ) {
    const abort = new AbortController();
    const who = where();
    const opts = (a ?? {}) as Callbacks & O;
    const listeners = { progress: new Set<(ev: unknown) => void>(), headers: new Set<(ev: unknown) => void>() };
    const emit = (kind: keyof typeof listeners, ev: unknown) => {
      for (const fn of [...listeners[kind]]) {
        try {
          fn(ev);
        } catch (err) {
          hooks.onThrow(err, `${name} ${kind === 'progress' ? 'onProgressUpdate' : 'onHeadersReceived'}`);
        }
      }
    };
    const events: TransferEvents = { progress: (ev) => emit('progress', ev), headers: (header) => emit('headers', { header }) };
    const job = async (): Promise<WxResult> => {
      // A turn first, so that listeners added on the returned task just after the call hear everything.
      await new Promise<void>((r) => setImmediate(r));
      const deps: TransferDeps = { appid: o.appid, maps: o.map ?? [], dispatcher: o.dispatcher, defaultTimeoutMs: o.requestTimeoutMs, files, maxFileBytes: o.maxFileBytes };
      let out: TransferOutcome;
      try {
        out = await run(opts, deps, abort.signal, events);
      } catch (err) {
        // A file-system surprise (a file removed or unreadable between the checks and the read).
        const url = typeof opts.url === 'string' ? opts.url : '';
        out = { res: { errMsg: `${name}:fail ${describeThrown(err)}` }, method: name === 'uploadFile' ? 'POST' : 'GET', url, sentTo: url };
      }
      trace({
        kind: 'request',
        where: who,
        api: name,
        method: out.method,
        url: maskUrl(out.url),
        ...(out.sentTo !== out.url ? { sentTo: maskUrl(out.sentTo) } : {}),
        ...(out.sent ? { data: mask(out.sent) } : {}),
        errMsg: out.res.errMsg,
        ...(typeof out.res.statusCode === 'number' ? { statusCode: out.res.statusCode, answer: mask(out.answer) } : {}),
      });
      return out.res;
    };
    invoke(name, opts, job, hooks, false);
    const on = (kind: keyof typeof listeners) => (fn: unknown) => {
      if (typeof fn === 'function') listeners[kind].add(fn as (ev: unknown) => void);
    };
    const off = (kind: keyof typeof listeners) => (fn?: unknown) => {
      if (typeof fn === 'function') listeners[kind].delete(fn as (ev: unknown) => void);
      else listeners[kind].clear();
    };
    return {
      abort: () => abort.abort(),
      onProgressUpdate: on('progress'),
      offProgressUpdate: off('progress'),
      onHeadersReceived: on('headers'),
      offHeadersReceived: off('headers'),
    };
  }

  const systemInfo = {
    brand: 'devtools',
    model: 'iPhone 6/7/8',
    pixelRatio: 2,
    screenWidth: 375,
    screenHeight: 667,
    windowWidth: 375,
    windowHeight: 603,
    statusBarHeight: 20,
    language: 'zh_CN',
    version: '8.0.5',
    system: 'iOS 10.0.1',
    platform: 'devtools',
    SDKVersion: sdkVersion,
  };

  const wx = {
    login: (a?: Callbacks) => api('login', a, () => viaMock('login', 'login')),
    checkSession: (a?: Callbacks) => api('checkSession', a, () => viaMock('checkSession', 'checkSession')),
    getSetting: (a?: Callbacks) => api('getSetting', a, () => viaMock('getSetting', 'getSetting')),
    authorize: (a?: Callbacks) =>
      api('authorize', a, () => {
        const scope = a?.scope;
        if (typeof scope !== 'string' || scope === '') return { errMsg: 'authorize:fail parameter error: parameter.scope should be String instead of ' + typeName(scope) + ';' };
        return viaMock('authorize', 'authorize', { scope });
      }),
    // The settings page: the simulated user changes nothing there, so it answers the current settings.
    openSetting: (a?: Callbacks) => api('openSetting', a, () => viaMock('getSetting', 'openSetting')),
    getUserInfo: (a?: Callbacks) => api('getUserInfo', a, () => userInfo('getUserInfo', a?.withCredentials !== false)),
    getUserProfile: (a?: Callbacks) => api('getUserProfile', a, () => userInfo('getUserProfile')),
    getWeRunData: (a?: Callbacks) => api('getWeRunData', a, () => viaMock('getWeRunData', 'getWeRunData')),
    getShareInfo: (a?: Callbacks) =>
      api('getShareInfo', a, () => viaMock('getShareInfo', 'getShareInfo', typeof a?.shareTicket === 'string' ? { shareTicket: a.shareTicket } : {})),

    request(a?: Callbacks & RequestOptions) {
      const abort = new AbortController();
      const who = where();
      const opts = a ?? {};
      const job = async (): Promise<WxResult> => {
        const out = await doRequest(opts, { appid: o.appid, maps: o.map ?? [], dispatcher: o.dispatcher, defaultTimeoutMs: o.requestTimeoutMs }, abort.signal);
        trace({
          kind: 'request',
          where: who,
          method: out.method,
          url: maskUrl(out.url),
          ...(out.sentTo !== out.url ? { sentTo: maskUrl(out.sentTo) } : {}),
          ...(opts.data === undefined ? {} : { data: mask(opts.data) }),
          errMsg: out.res.errMsg,
          ...(typeof out.res.statusCode === 'number' ? { statusCode: out.res.statusCode, answer: mask(out.res.data) } : {}),
        });
        return out.res;
      };
      invoke('request', opts, job, hooks, false);
      // The RequestTask (wx.request returns one; it offers no promise form).
      return {
        abort: () => abort.abort(),
        onHeadersReceived: () => undefined,
        offHeadersReceived: () => undefined,
        onChunkReceived: () => undefined,
        offChunkReceived: () => undefined,
      };
    },

    uploadFile: (a?: Callbacks & UploadOptions) => transfer('uploadFile', a, doUpload),
    downloadFile: (a?: Callbacks & DownloadOptions) => transfer('downloadFile', a, doDownload),

    getStorageSync(key: unknown) {
      const k = storageKey('getStorageSync', key);
      // A key never set reads as "" (wx.getStorageSync's page).
      const v = storage.has(k) ? storage.get(k) : '';
      traceSync('getStorageSync', [k], 'getStorageSync:ok', maskValue(k, v));
      return v;
    },
    setStorageSync(key: unknown, data: unknown) {
      const k = storageKey('setStorageSync', key);
      storage.set(k, data);
      traceSync('setStorageSync', [k, maskValue(k, data)], 'setStorageSync:ok');
    },
    removeStorageSync(key: unknown) {
      const k = storageKey('removeStorageSync', key);
      storage.remove(k);
      traceSync('removeStorageSync', [k], 'removeStorageSync:ok');
    },
    clearStorageSync() {
      storage.clear();
      traceSync('clearStorageSync', undefined, 'clearStorageSync:ok');
    },
    getStorageInfoSync() {
      const keys = storage.keys();
      return { keys, currentSize: Math.ceil(JSON.stringify(storage.snapshot()).length / 1024), limitSize: 10240 };
    },
    getStorage: (a?: Callbacks) =>
      api('getStorage', a, () => {
        const k = storageKey('getStorage', a?.key);
        return storage.has(k) ? { errMsg: 'getStorage:ok', data: storage.get(k) } : { errMsg: 'getStorage:fail data not found' };
      }),
    setStorage: (a?: Callbacks) =>
      api('setStorage', a, () => {
        storage.set(storageKey('setStorage', a?.key), a?.data);
        return { errMsg: 'setStorage:ok' };
      }),
    removeStorage: (a?: Callbacks) =>
      api('removeStorage', a, () => {
        storage.remove(storageKey('removeStorage', a?.key));
        return { errMsg: 'removeStorage:ok' };
      }),
    clearStorage: (a?: Callbacks) =>
      api('clearStorage', a, () => {
        storage.clear();
        return { errMsg: 'clearStorage:ok' };
      }),
    getStorageInfo: (a?: Callbacks) => api('getStorageInfo', a, () => ({ errMsg: 'getStorageInfo:ok', ...wx.getStorageInfoSync() })),

    startRecord(a?: Callbacks) {
      const who = where();
      // Asking consent is work in flight; the recording is not: it lasts until stopRecord, which may never come.
      const consent = tracker.track(viaMock('authorize', 'startRecord', { scope: 'scope.record' }));
      const job = consent
        .then((res): WxResult | Promise<WxResult> => {
          if (!isOk(res)) return res;
          if (recording) return { errMsg: 'startRecord:fail is recording' };
          trace({ kind: 'wx', where: who, api: 'startRecord', errMsg: 'recording' });
          return new Promise<WxResult>((resolve) => {
            recording = { deliver: resolve };
          });
        })
        .then((res) => {
          const { errMsg, ...rest } = res;
          trace({ kind: 'wx', where: who, api: 'startRecord', errMsg, ...(Object.keys(rest).length ? { result: rest } : {}) });
          return res;
        });
      return invoke('startRecord', a, () => job, { ...hooks, tracker: untracked });
    },
    stopRecord(a?: Callbacks) {
      return api('stopRecord', a, () => {
        if (recording) {
          // A real temporary file (a SILK header and nothing more), so the program can upload what it recorded.
          recording.deliver({ errMsg: 'startRecord:ok', tempFilePath: files.saveTemp(`wxlogin-record-${++recordings}.silk`, Buffer.from('#!SILK_V3')) });
          recording = undefined;
        }
        return { errMsg: 'stopRecord:ok' };
      });
    },

    showToast: (a?: Callbacks) => api('showToast', a, () => ({ errMsg: 'showToast:ok' })),
    hideToast: (a?: Callbacks) => api('hideToast', a, () => ({ errMsg: 'hideToast:ok' })),
    showLoading: (a?: Callbacks) => api('showLoading', a, () => ({ errMsg: 'showLoading:ok' })),
    hideLoading: (a?: Callbacks) => api('hideLoading', a, () => ({ errMsg: 'hideLoading:ok' })),
    // The simulated user confirms every modal (a consent dialog is a different thing, answered by the mock user).
    showModal: (a?: Callbacks) =>
      api('showModal', a, () => ({ errMsg: 'showModal:ok', confirm: true, cancel: false, ...(a?.editable === true ? { content: '' } : {}) })),

    navigateTo: (a?: Callbacks) => navigate('navigateTo', a, (n) => n.navigateTo(String(a?.url ?? ''))),
    redirectTo: (a?: Callbacks) => navigate('redirectTo', a, (n) => n.redirectTo(String(a?.url ?? ''))),
    reLaunch: (a?: Callbacks) => navigate('reLaunch', a, (n) => n.reLaunch(String(a?.url ?? ''))),
    navigateBack: (a?: Callbacks) => navigate('navigateBack', a, (n) => n.navigateBack(typeof a?.delta === 'number' && a.delta >= 1 ? a.delta : 1)),
    switchTab: (a?: Callbacks) => navigate('switchTab', a, (n) => n.switchTab(String(a?.url ?? ''))),

    // The user's files folder (https://developers.weixin.qq.com/miniprogram/dev/framework/ability/file-system.html).
    env: { USER_DATA_PATH },
    getFileSystemManager: () => fsManager as FileSystemManager,
    canIUse: () => true,
    getSystemInfoSync: () => ({ ...systemInfo }),
    getSystemInfo: (a?: Callbacks) => api('getSystemInfo', a, () => ({ errMsg: 'getSystemInfo:ok', ...systemInfo })),
    getAccountInfoSync: () => ({ miniProgram: { appId: o.appid ?? 'touristappid', envVersion: 'develop', version: '' } }),
    getUpdateManager: () => ({
      onCheckForUpdate: () => undefined,
      onUpdateReady: () => undefined,
      onUpdateFailed: () => undefined,
      applyUpdate: () => undefined,
    }),
  };


  return {
    wx,
    mock,
    storage,
    sdkVersion,
    classic,
    tracker,
    /** The open data a button hands its handler (events.ts), straight from the mock, for the user. */
    openData: (name: 'getUserInfo' | 'getPhoneNumber') => (name === 'getUserInfo' ? userInfo('getUserInfo') : viaMock('getPhoneNumber', 'getPhoneNumber')),
    /** Writes a temporary file (a picked avatar) the program may then upload; answers its http://tmp/ path. */
    saveTemp: (fileName: string, bytes: Buffer) => files.saveTemp(fileName, bytes),
    files,
    trace,
    /** Removes the temporary and user files (when the sandbox is the host's own). */
    dispose: () => {
      if (!o.files) files.dispose();
    },
  };
}

export type WxHost = ReturnType<typeof createWxHost>;
export type Wx = WxHost['wx'];

/** The `wx` object for one user, talking to the mock (see CreateWxOptions). */
export function createWx(o: CreateWxOptions): Wx {
  return createWxHost(o).wx;
}
