// The server API's face: what a backend calls, answered the way api.weixin.qq.com answers. Handlers return the
// success body or throw a WeChatError; the one error handler here writes every failure as {errcode, errmsg + rid}
// with HTTP 200. Parameters come from the query string only, except stable_token and getuserphonenumber, which read
// a JSON body. Each answer takes, of every quirk that applies to it (quirks.ts), the default (the most recent evidence,
// `quirks: "off"`) or the next variant (`quirks: "rotate"`), and is written as text here rather than by the schema's
// serializer.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WeChatError } from '../errors.js';
import type { Instrument } from '../http/instrument.js';
import { createQuirkDealer, defaultPicks, quirkBody, quirkWire } from '../quirks.js';
import type { MockState } from '../state.js';
import { getAccessToken, getStableAccessToken } from './access-token.js';
import { code2Session } from './code2session.js';
import { checkEncryptedData } from './encrypted-msg.js';
import type { ServerEndpoint } from './endpoints.js';
import type { ErrorBody } from './error-body.js';
import { getPaidUnionid } from './paid-unionid.js';
import { getPhoneNumber } from './phone-number.js';
import { getPluginOpenPId } from './plugin-openpid.js';
import type { Query, ServerHandler } from './request.js';
import { getRidInfo, rememberRid } from './rid-info.js';
import { getUserRiskRank } from './risk-rank.js';
import { serverQuery, serverResponses } from './schemas.js';
import { checkSessionKey, resetUserSessionKey } from './session-key.js';

const SIGNED = ['access_token', 'openid', 'signature', 'sig_method'];

/** One row per WeChat API: its path, the query keys it reads, its response schema, its handler. */
const ROUTES: ReadonlyArray<[ServerEndpoint, string[], { 200: object }, ServerHandler]> = [
  ['/sns/jscode2session', ['appid', 'secret', 'js_code', 'grant_type'], serverResponses.jscode2session, code2Session],
  ['/cgi-bin/token', ['grant_type', 'appid', 'secret'], serverResponses.token, getAccessToken],
  ['/cgi-bin/stable_token', [], serverResponses.token, getStableAccessToken],
  ['/wxa/checksession', SIGNED, serverResponses.checkSession, checkSessionKey],
  ['/wxa/resetusersessionkey', SIGNED, serverResponses.resetUserSessionKey, resetUserSessionKey],
  ['/wxa/business/getuserphonenumber', ['access_token'], serverResponses.getUserPhoneNumber, getPhoneNumber],
  ['/wxa/getpaidunionid', ['access_token', 'openid', 'transaction_id', 'mch_id', 'out_trade_no'], serverResponses.getPaidUnionid, getPaidUnionid],
  ['/wxa/business/checkencryptedmsg', ['access_token'], serverResponses.checkEncryptedMsg, checkEncryptedData],
  ['/wxa/getpluginopenpid', ['access_token'], serverResponses.getPluginOpenPId, getPluginOpenPId],
  ['/wxa/getuserriskrank', ['access_token'], serverResponses.getUserRiskRank, getUserRiskRank],
  ['/cgi-bin/openapi/rid/get', ['access_token'], serverResponses.getRidInfo, getRidInfo],
];

export function registerServerApi(
  app: FastifyInstance,
  deps: { state: MockState; errorBody: ErrorBody; bodyLimit: number; http: Instrument },
): void {
  const { state, errorBody, bodyLimit, http } = deps;
  const dealer = state.options.quirks === 'rotate' ? createQuirkDealer(state.random) : undefined;
  const schemaOf = new Map<string, object>(ROUTES.map(([url, , response]) => [url, response[200]]));

  /** The variants an answer gets: the defaults (off) or the next of each (rotate, named in the journal). */
  const picksFor = (endpoint: string, outcome: 'success' | 'error') =>
    dealer ? dealer.deal(endpoint, outcome) : defaultPicks(endpoint, outcome);

  /** An errcode answer with its endpoint's errmsg suffix, content type and charset label; its rid is remembered. */
  function fail(request: FastifyRequest, reply: FastifyReply, errcode: number, text?: string): void {
    const endpoint = request.routeOptions.url ?? '';
    const schema = schemaOf.get(endpoint);
    if (!schema) {
      const body = errorBody(errcode, text);
      rememberRid(state, request, reply, body, JSON.stringify(body));
      return http.answer(request, reply, body);
    }
    const picks = picksFor(endpoint, 'error');
    const body = errorBody(errcode, text, picks.errmsgSuffix);
    const wire = quirkWire(endpoint, body, schema, picks, dealer !== undefined);
    rememberRid(state, request, reply, body, wire.text);
    return http.answer(request, reply, body, 200, wire);
  }

  app.register(async (srv) => {
    // WeChat never answers 400/415/500: every body reaches the handler as text and is judged there.
    srv.removeAllContentTypeParsers();
    srv.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_req, body, done) => done(null, body));
    srv.setErrorHandler((err: { statusCode?: number; validation?: unknown }, request, reply) => {
      if (err instanceof WeChatError) return fail(request, reply, err.errcode, err.errmsg);
      const status = err.statusCode ?? 500;
      return fail(request, reply, err.validation !== undefined || (status >= 400 && status < 500) ? 47001 : -1);
    });

    for (const [url, keys, response, handle] of ROUTES) {
      srv.route({
        method: ['GET', 'POST'],
        url,
        // A HEAD would run the handler and burn a single-use code; WeChat's API is GET/POST only.
        exposeHeadRoute: false,
        schema: { querystring: serverQuery(...keys), response },
        ...http.hooks({ endpoint: url, side: 'server' }),
        handler: (request, reply) => {
          const raw = typeof request.body === 'string' ? request.body : undefined;
          const concern = (openid: string) => http.concern(request, openid);
          const body = handle(state, { method: request.method, query: request.query as Query, raw, concern });
          const picks = picksFor(url, 'success');
          const quirked = quirkBody(body, picks);
          http.answer(request, reply, quirked, 200, quirkWire(url, quirked, response[200], picks, dealer !== undefined));
        },
      });
    }
  });
}
