// wx.pluginLogin codes: minted by the client simulator for a user of a host mini program inside a plugin, single use,
// 5 minutes, exchanged by getPluginOpenPId for the openpid, which differs per user, host app and plugin
// (https://developers.weixin.qq.com/miniprogram/dev/api/open-api/login/wx.pluginLogin.html,
// https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-info/basic-info/getPluginOpenPId.html).
import { Type } from '@sinclair/typebox';
import type { ResolvedOptions } from '../options.js';
import type { MockRandom } from '../random.js';
import { badField, checkPart, type RestoreContext } from './snapshot.js';
import { pruneFront } from './prune-front.js';

export interface PluginCodeRecord {
  /** The plugin's appid: only its access token may exchange the code. */
  plugin: string;
  /** The host mini program. */
  appid: string;
  openid: string;
  expiresAt: number;
  used: boolean;
}

const PluginCodesPart = Type.Object(
  {
    codes: Type.Array(
      Type.Object(
        {
          code: Type.String({ minLength: 1, maxLength: 128 }),
          plugin: Type.String({ minLength: 1 }),
          appid: Type.String(),
          openid: Type.String(),
          expiresAt: Type.Integer(),
          used: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export function createPluginCodes(o: ResolvedOptions, now: () => number, random: () => MockRandom) {
  let codes = new Map<string, PluginCodeRecord>();

  function mintPluginCode(u: { appid: string; openid: string }, plugin: string): string {
    const t = now();
    // Minted in clock order with one TTL: the expired ones sit at the front.
    pruneFront(codes, (v) => v.expiresAt <= t);
    let code: string;
    // The documentation's example code is 64 hex digits.
    do code = random().stream('plugin_code').hex(32);
    while (codes.has(code));
    codes.set(code, { plugin, appid: u.appid, openid: u.openid, expiresAt: t + o.codeTtlMs, used: false });
    return code;
  }

  /** The openpid: one per (plugin, host app, user), as the wx.pluginLogin page says; a pure function of the seed. */
  function openpid(c: PluginCodeRecord): string {
    return random().derive('openpid', c.plugin, c.appid, c.openid).toString('base64url').slice(0, 28);
  }

  return {
    mintPluginCode,
    lookupPluginCode: (code: string): PluginCodeRecord | undefined => {
      const c = codes.get(code);
      return c && now() < c.expiresAt ? c : undefined;
    },
    openpid,
    resetPluginCodes(): void {
      codes = new Map();
    },
    /** The unexpired codes, used or not, as codes.ts keeps login codes: a used one stays used after a restart. */
    snapshot() {
      const t = now();
      return { codes: [...codes].filter(([, c]) => c.expiresAt > t).map(([code, c]) => ({ code, ...c })) };
    },
    restore(part: unknown, path: string, ctx: RestoreContext) {
      const p = checkPart(PluginCodesPart, part, path);
      const seen = new Set<string>();
      p.codes.forEach((c, i) => {
        const at = `${path}.codes[${i}]`;
        if (seen.has(c.code)) throw badField(`${at}.code`, 'appears twice');
        seen.add(c.code);
        if (!ctx.hasUser(c.appid, c.openid)) throw badField(at, `belongs to user ${c.openid} of app ${c.appid}, whom the snapshot does not hold`);
      });
      // In expiry order, which pruning at mint relies on.
      const list = [...p.codes].sort((a, b) => a.expiresAt - b.expiresAt);
      return () => {
        codes = new Map(list.map(({ code, ...c }) => [code, c]));
      };
    },
  };
}
