// `wxlogin run`: a mini program's own client code (app.js, the pages' scripts) run in Node, with a `wx` that talks to
// the mock and makes real requests to the backend.
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { MOCK_URL } from '../../defaults.js';
import { collect, positiveIntArg } from '../../flags.js';
import { printResult } from '../../output.js';

export interface RunFlags {
  mock: string;
  app?: string;
  user?: string;
  sdkVersion?: string;
  scenario?: string;
  tap: string[];
  map: string[];
  storage?: string;
  wait?: number;
}

export default function register(program: Command, getCtx: () => CliContext): void {
  program
    .command('run')
    .description("run a mini program's own code (app.js, pages) in Node: wx.* answered by the mock, wx.request sent to your backend")
    .argument('<dir>', 'the mini program folder (with app.json, app.js, pages/)')
    .option('--mock <url>', 'the mock WeChat whose client face plays wx.login, consent and open data', MOCK_URL)
    .option('--app <appid>', "the mock's app to play, when it serves several")
    .option('--user <alias>', 'mock user holding the phone (carol refuses every dialog)', 'alice')
    .option('--sdk-version <v>', 'base library version the program sees; below 2.27.1 getUserInfo/getUserProfile give the real profile, from it on the anonymous one')
    .option('--tap <PAGE:HANDLER[:OPEN_TYPE]>', 'after launch, fire a page handler as a button tap (repeatable, in order); OPEN_TYPE: getUserInfo, getPhoneNumber, chooseAvatar; tabBar:PAGE taps that tab', collect, [])
    .option('--map <FROM=TO>', "send wx.request URLs starting with FROM to TO instead (repeatable): mini programs hard-code their backend's host", collect, [])
    .option('--scenario <file>', 'JSON steps and expectations ({"steps":[{"tap":...}],"expect":[...]}); --tap steps run after its own')
    .option('--storage <file>', "keep the user's wx storage in this JSON file (default: in memory, empty at launch)")
    .option('--wait <ms>', 'between steps, wait for timers up to this long (requests are always waited for)', positiveIntArg('--wait'))
    .addHelpText(
      'after',
      `
Loads app.js and the pages listed in app.json, each in its own node:vm context with the mini program globals (App,
Page, Component, getApp, getCurrentPages, wx, console, require), runs App onLaunch/onShow and the first page's
onLoad/onShow/onReady, then each tap once the work before it has settled. Prints a trace of every wx.* call and
request (secrets masked) and PASS or FAIL; exit code 1 when the program threw, a fail went unhandled or an
expectation failed.

A program that hard-codes its backend (globalData.URL = 'https://api.example.com/api/') runs unmodified: --map
points it at the backend under test.

Scenario expectations: {"storage":"token"}, {"request":"/api/login/","status":200,"answerCode":200},
{"wx":"authorize","errMsg":"authorize:fail auth deny"}.

Examples:
  $ npx wxlogin up &
  $ npx wxlogin run ./miniprogram --map http://127.0.0.1:8000/api/=http://127.0.0.1:9401/ \\
      --sdk-version 2.10.0 --tap pages/index/index:info1:getUserInfo
  $ npx wxlogin run ./miniprogram --user carol --tap pages/index/index:record
  $ npx wxlogin --json run ./miniprogram --scenario login.scenario.json`,
    )
    .action(async (dir: string, opts: RunFlags) => {
      const [{ runMiniProgram }, { runFormat }] = await Promise.all([import('./run.js'), import('./format.js')]);
      const ctx = getCtx();
      const r = await runMiniProgram({ dir, ...opts });
      printResult(ctx, r, runFormat);
      if (!r.ok) {
        const { CliError } = await import('../../errors.js');
        throw new CliError(`run failed: ${r.failures.length} problem(s)`, { reported: true });
      }
    });
}
