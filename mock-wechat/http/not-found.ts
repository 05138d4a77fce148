// Unknown paths, answered in the voice of the face they look like: the admin API's {error} (after its token check,
// so it cannot be mapped without the token), the client simulator's errMsg, and WeChat's 40066 for everything else.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { refuseUnauthorized } from '../admin/auth.js';
import { CLIENT_APIS } from '../client/apis.js';
import type { Masker } from '../masking.js';
import type { ErrorBody } from '../server-api/error-body.js';
import { JOURNAL_BODY_CHARS, type Instrument } from './instrument.js';

export function registerNotFound(
  app: FastifyInstance,
  deps: { masker: Masker; adminAllowed: (request: FastifyRequest) => boolean; errorBody: ErrorBody; http: Instrument },
): void {
  const { masker, adminAllowed, errorBody, http } = deps;
  app.setNotFoundHandler((request, reply) => {
    const raw = request.url.split('?')[0] ?? request.url;
    // Shown masked: a path can carry `;secret=...`. The journal masks on read, so it gets the raw path.
    const path = masker.maskPath(raw);
    if (raw.startsWith('/__admin/') || path.startsWith('/__admin/')) {
      if (!adminAllowed(request)) return refuseUnauthorized(reply);
      return reply.code(404).send({ error: `no admin route ${request.method} ${path}` });
    }
    if (path.startsWith('/__client/')) {
      return reply.code(404).send({ errMsg: `${path.slice(10)}:fail no such client api (have: ${CLIENT_APIS.join(', ')})` });
    }
    // WeChat-style, with the path named so a typo in a base URL is obvious.
    const body = errorBody(40066, `invalid url, mock-wechat has no api ${request.method} ${path}`);
    http.note(request, body);
    // Client routes take small, schema-bounded objects; a parsed body on an unknown path is kept only when as small.
    let seen: unknown = request.body;
    if (seen !== null && typeof seen === 'object') {
      const text = JSON.stringify(seen);
      // Over the bound it is kept as text, which record() cuts to 2 KiB and the journal then summarises.
      seen = text.length > JOURNAL_BODY_CHARS ? text : JSON.parse(text);
    }
    http.record(request, raw, 200, reply.elapsedTime, seen);
    return reply.code(200).send(body);
  });
}
