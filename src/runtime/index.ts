// Runs a mini program's own code in Node: the `wx` object (wx.ts, wx-request.ts, wx-transfer.ts, wx-fs.ts, files.ts,
// storage.ts), the module loader
// (loader.ts, node:vm), the button events (events.ts), and the runner with its steps and expectations (program.ts,
// scenario.ts).
export { createWx, createWxHost, classicProfiles, compareVersion, DEFAULT_SDK_VERSION, type CreateWxOptions, type Wx, type WxHost, type WxNavigator } from './wx.js';
export { createMemoryStorage, createFileStorage, StorageFileError, type WxStorage } from './storage.js';
export { createFileSandbox, USER_DATA_PATH, type FileSandbox } from './files.js';
export { DEFAULT_MAX_FILE_BYTES } from './wx-transfer.js';
export { FS_ENCODINGS, USER_FILES_LIMIT_BYTES, type FileSystemManager } from './wx-fs.js';
export { parseMapping, applyMappings, UrlMapError, type UrlMapping } from './url-map.js';
export { OPEN_TYPES, type OpenType } from './events.js';
export { createLoader, ModuleLoadError, type Loader } from './loader.js';
export { runProgram, ProgramError, DEFAULT_TIMER_BOUND_MS, type RunProgramOptions, type RunReport } from './program.js';
export { parseScenario, parseTap, checkExpectations, ScenarioError, type Scenario, type TapStep, type Expectation, type ExpectationResult } from './scenario.js';
export type { TraceEntry } from './trace.js';
