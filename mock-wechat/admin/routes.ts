// The admin API's face: /__admin/* over `control` (the same operations tests call in-process), behind the optional
// bearer token. One error handler answers {error} with the MockUsageError's status.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MockUsageError } from '../errors.js';
import { MockUserSchema, UserSeedSchema, type MockUserSeed } from '../state/user-schema.js';
import type { AdminControl } from '../control.js';
import type { JournalQuery } from '../journal.js';
import { refuseUnauthorized } from './auth.js';
import {
  adminErrors as errs,
  appidQuery,
  appSchema,
  clockBody,
  clockSchema,
  faultSchema,
  journalEntrySchema,
  list,
  one,
  openidParams,
  sessionKeySchema,
} from './schemas.js';

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
    adm.post('/__admin/reset', { schema: { response: { 200: one('ok', 'boolean') } } }, async () => {
      control.reset();
      return { ok: true };
    });
  });
}
