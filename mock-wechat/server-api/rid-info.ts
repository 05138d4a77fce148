// getRidInfo (POST /cgi-bin/openapi/rid/get): the request behind a rid from an errmsg. Only the account whose call
// failed may look (76003 for another), rids live 7 days (then 76001), an empty or malformed rid is 76002
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/openApi-mgnt/getRidInfo.html).
// `rememberRid` is how the server face's error answers remember every rid they hand out.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WeChatError } from '../errors.js';
import { JOURNAL_BODY_CHARS } from '../http/instrument.js';
import type { MockState } from '../state.js';
import { RID_FORMAT } from '../state/rids.js';
import { jsonBody } from './json-body.js';
import { parseJsonObject, requirePost, type ServerHandler } from './request.js';

export const getRidInfo: ServerHandler = (state, r) => {
  requirePost(r);
  const tok = state.check(r.query.access_token);
  const b = jsonBody(r);
  if (typeof b.rid !== 'string' || !RID_FORMAT.test(b.rid)) throw new WeChatError(76002);
  const rec = state.lookupRid(b.rid);
  if (!rec) throw new WeChatError(76001);
  // A rid whose call named no known app (a wrong appid, an unknown token) is shown to any app of the mock.
  if (rec.appid !== undefined && rec.appid !== tok.appid) throw new WeChatError(76003);
  return { errcode: 0, errmsg: 'ok', request: { ...rec.request } };
};

const RID_SUFFIX = / rid: ([0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8})$/;

/** Token and secret values shortened the way the page's example shows one (`access_token=50_Im7xxxx`). */
const maskUrl = (qs: string) => qs.replace(/(^|&)(access_token|secret)=([^&]*)/g, (_m, p: string, k: string, v: string) => `${p}${k}=${v.slice(0, 6)}xxxx`);

/** The app a failed call was for: its appid (query or JSON body) or its access token's, when the mock knows it. */
function appOf(state: MockState, request: FastifyRequest): string | undefined {
  const q = request.query as Record<string, unknown>;
  if (typeof q.appid === 'string' && state.app(q.appid)) return q.appid;
  if (typeof q.access_token === 'string') {
    const t = state.token(q.access_token);
    if (t) return t.appid;
  }
  const b = typeof request.body === 'string' ? parseJsonObject(request.body) : undefined;
  return typeof b?.appid === 'string' && state.app(b.appid) ? b.appid : undefined;
}

/** An errcode answer whose errmsg ends in a rid is remembered with its request and its text, for getRidInfo. */
export function rememberRid(state: MockState, request: FastifyRequest, reply: FastifyReply, body: { errcode?: unknown; errmsg?: unknown }, text: string): void {
  const m = typeof body.errcode === 'number' && body.errcode !== 0 && typeof body.errmsg === 'string' ? RID_SUFFIX.exec(body.errmsg) : null;
  if (!m) return;
  const at = state.now();
  const raw = typeof request.body === 'string' ? request.body : '';
  const qs = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
  state.recordRid(m[1]!, {
    appid: appOf(state, request),
    at,
    request: {
      invoke_time: Math.floor(at / 1000),
      cost_in_ms: Math.round(reply.elapsedTime),
      request_url: maskUrl(qs),
      // Copied, and cut like the journal's, so a 64 KiB body is not pinned for 7 days.
      request_body: raw.length > JOURNAL_BODY_CHARS ? Buffer.from(raw.slice(0, JOURNAL_BODY_CHARS)).toString() : raw,
      response_body: text,
      client_ip: request.ip,
    },
  });
}
