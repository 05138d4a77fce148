// The admin API's face: /__admin/* over `control` (the same operations tests call in-process), behind the optional
// bearer token. One error handler answers {error} with the MockUsageError's status.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MockUsageError } from '../errors.js';
import { MockUserSchema, UserSeedSchema, type MockUserSeed } from '../state/user-schema.js';
import type { AdminControl } from '../control.js';
import type { PaymentInput } from '../control.js';
import type { JournalQuery } from '../journal.js';
import { refuseUnauthorized } from './auth.js';
import {
  adminErrors as errs,
  appidParams,
  appidQuery,
  appSchema,
  clockBody,
  clockSchema,
  faultIdParams,
  faultSchema,
  journalEntrySchema,
  list,
  one,
  openidParams,
  phoneUsageSchema,
  sessionKeySchema,
  stateImportedSchema,
  stateSnapshotSchema,
} from './schemas.js';

/** POST /__admin/state: about 50,000 users' worth of JSON. */
const STATE_BODY_LIMIT = 64 * 1024 * 1024;

type UserRef = { Params: { openid: string }; Querystring: { appid?: string } };

export function registerAdmin(app: FastifyInstance, control: AdminControl, allowed: (request: FastifyRequest) => boolean): void {
  app.register(async (adm) => {
    // onRequest, before the body is even read: an unauthenticated caller costs no parsing.
    adm.addHook('onRequest', async (request, reply) => {
      if (!allowed(request)) return refuseUnauthorized(reply);
    });
    adm.setErrorHandler((err: Error & { statusCode?: number }, _request, reply) => {
      const status = err instanceof MockUsageError ? err.status : (err.statusCode ?? 500);
      return reply.code(status).send({ error: err.message });
    });

    adm.get('/__admin/apps', { schema: { response: { 200: list('apps', appSchema) } } }, async () => ({ apps: control.apps() }));
    adm.get<{ Params: { appid: string } }>(
      '/__admin/apps/:appid/usage',
      { schema: { params: appidParams, response: { 200: phoneUsageSchema, ...errs } } },
      async (request) => ({ phoneNumber: control.phoneUsage(request.params.appid) }),
    );
    adm.get<{ Querystring: { appid?: string } }>(
      '/__admin/users',
      { schema: { querystring: appidQuery, response: { 200: list('users', MockUserSchema), ...errs } } },
      async (request) => {
        const { appid } = request.query;
        if (appid !== undefined && !control.apps().some((a) => a.appid === appid)) {
          throw new MockUsageError(`unknown appid ${appid}`, 404);
        }
        return { users: control.listUsers(appid) };
      },
    );
    adm.post(
      '/__admin/users',
      { schema: { body: UserSeedSchema, response: { 201: MockUserSchema, ...errs } } },
      async (request, reply) => reply.code(201).send(control.addUser(request.body as MockUserSeed)),
    );
    adm.get<UserRef>(
      '/__admin/users/:openid',
      { schema: { params: openidParams, querystring: appidQuery, response: { 200: MockUserSchema, ...errs } } },
      async (request) => {
        const { openid } = request.params;
        const { appid } = request.query;
        const u = control.getUser(openid, appid);
        if (!u) throw new MockUsageError(`no user ${openid}${appid ? ` in app ${appid}` : ''}`, 404);
        return u;
      },
    );
    adm.get<UserRef>(
      '/__admin/users/:openid/session-key',
      { schema: { params: openidParams, querystring: appidQuery, response: { 200: sessionKeySchema, ...errs } } },
      async (request) => {
        const { openid } = request.params;
        const u = control.getUser(openid, request.query.appid);
        const k = u && control.sessionKeyRecord(u.appid, u.openid);
        if (!u || !k) throw new MockUsageError(`no live session key for ${openid}`, 404);
        return { appid: u.appid, openid: u.openid, session_key: k.value, expiresAt: new Date(k.expiresAt).toISOString() };
      },
    );
    // The key's two lifecycle events a test wants on demand: resetusersessionkey's rotation, and the lapse after
    // keyLifetimeMs (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/resetUserSessionKey.html).
    // Both answer the key as GET .../session-key does (after expire: the lapsed key, expiresAt now).
    const keyAction = (action: 'rotate' | 'expire') =>
      adm.post<UserRef>(
        `/__admin/users/:openid/session-key/${action}`,
        { schema: { params: openidParams, querystring: appidQuery, response: { 200: sessionKeySchema, ...errs } } },
        async (request) => {
          const { openid } = request.params;
          const { appid } = request.query;
          const u = control.getUser(openid, appid);
          if (!u) throw new MockUsageError(`no user ${openid}${appid ? ` in app ${appid}` : ''}`, 404);
          const k = action === 'rotate' ? control.rotateSessionKey(u.appid, u.openid) : control.expireSessionKey(u.appid, u.openid);
          return { appid: u.appid, openid: u.openid, session_key: k.value, expiresAt: new Date(k.expiresAt).toISOString() };
        },
      );
    keyAction('rotate');
    keyAction('expire');
    adm.get('/__admin/faults', { schema: { response: { 200: list('faults', faultSchema) } } }, async () => ({
      faults: control.listFaults().map((f) => ({
        ...f,
        times: f.times ?? null,
        remaining: Number.isFinite(f.remaining) ? f.remaining : null,
      })),
    }));
    adm.post(
      '/__admin/faults',
      { schema: { body: { type: 'object' }, response: { 201: one('id', 'string'), ...errs } } },
      async (request, reply) => reply.code(201).send({ id: control.addFault(request.body as never) }),
    );
    adm.delete('/__admin/faults', { schema: { response: { 200: one('cleared', 'integer') } } }, async () => ({
      cleared: control.clearFaults(),
    }));
    adm.delete<{ Params: { id: string } }>(
      '/__admin/faults/:id',
      { schema: { params: faultIdParams, response: { 200: one('removed', 'string'), ...errs } } },
      async (request) => {
        control.removeFault(request.params.id);
        return { removed: request.params.id };
      },
    );
    // No querystring schema: the validator would drop unknown keys silently; control.journal checks every one
    // (a typo such as openId is a 400, not an unfiltered list).
    adm.get(
      '/__admin/journal',
      { schema: { response: { 200: list('entries', journalEntrySchema), ...errs } } },
      async (request) => ({ entries: control.journal(request.query as JournalQuery) }),
    );
    adm.post<{ Body: { advanceSeconds: number } }>(
      '/__admin/clock',
      { schema: { body: clockBody, response: { 200: clockSchema, ...errs } } },
      async (request) => {
        const t = control.advanceClock(request.body.advanceSeconds);
        return { now: t, time: new Date(t).toISOString() };
      },
    );
    // A WeChat Pay payment, for getPaidUnionid (control.recordPayment).
    {
      const id = { type: 'string', minLength: 1, maxLength: 64 } as const;
      const paymentBody = {
        type: 'object',
        required: ['user'],
        additionalProperties: false,
        properties: { user: { type: 'string', minLength: 1, maxLength: 128 }, appid: id, transaction_id: id, mch_id: id, out_trade_no: id },
      } as const;
      const ids = { appid: { type: 'string' }, openid: { type: 'string' }, transaction_id: { type: 'string' }, mch_id: { type: 'string' } } as const;
      const paymentSchema = { type: 'object', properties: { ...ids, out_trade_no: { type: 'string' }, paidAt: { type: 'string' } } } as const;
      adm.post<{ Body: PaymentInput }>(
        '/__admin/payments',
        { schema: { body: paymentBody, response: { 201: paymentSchema, ...errs } } },
        async (request, reply) => {
          const p = control.recordPayment(request.body);
          return reply.code(201).send({ ...p, paidAt: new Date(p.paidAt).toISOString() });
        },
      );
    }
    // The world, to keep across a restart (wxlogin mock --export-on-exit / --import). It holds app secrets and
    // session keys: like every admin route it is behind the admin token when one is set.
    adm.get('/__admin/state', { schema: { response: { 200: stateSnapshotSchema } } }, async () => control.exportState());
    adm.post(
      '/__admin/state',
      // A snapshot of many users outgrows the 64 KiB every other body is held to.
      { bodyLimit: STATE_BODY_LIMIT, schema: { body: { type: 'object' }, response: { 200: stateImportedSchema, ...errs } } },
      async (request) => control.importState(request.body),
    );
    adm.post('/__admin/reset', { schema: { response: { 200: one('ok', 'boolean') } } }, async () => {
      control.reset();
      return { ok: true };
    });
  });
}
