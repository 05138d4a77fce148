// The one place a failure becomes an answer: every thrown thing goes through toAppError into the envelope, logged at
// the level it deserves and never with a stack, a secret, a token or a session_key on the wire.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { WechatError } from '../wechat/client.js';
import { AppError, toAppError } from './errors.js';

export function installErrorHandlers(app: FastifyInstance) {
  app.setErrorHandler((err, req, reply) => {
    const e = toAppError(err);
    if (e.code === 500) {
      req.log.error({ err: { type: (err as Error)?.name, message: (err as Error)?.message, stack: (err as Error)?.stack } }, 'unexpected error');
    } else if (e.code === 205) {
      // WechatError messages name the endpoint path only, never the query (secret, access token).
      // WeChat's errmsg stays here: it can name this server's egress IP (40164) or its configuration (40125).
      req.log.warn({ error: e.error, ...wechatDetail(err) }, e.message);
    } else {
      req.log.info({ error: e.error, code: e.code, ...wechatDetail(err) }, 'refused');
    }
    return answer(reply, e);
  });
  app.setNotFoundHandler((req, reply) => answer(reply, new AppError('not_found', `no route ${req.method} ${req.url.split('?')[0]}`)));
}

/** A failure in the envelope, with its status. */
export const answer = (reply: FastifyReply, e: AppError) => reply.status(e.statusCode).send({ code: e.code, msg: e.message, error: e.error, data: e.data });

/** What WeChat said behind a failure (the WechatError itself, or the cause of the AppError made from it), for the log. */
function wechatDetail(err: unknown) {
  const w = err instanceof WechatError ? err : err instanceof AppError && err.cause instanceof WechatError ? err.cause : undefined;
  return w ? { endpoint: w.endpoint, errcode: w.errcode, errmsg: w.errmsg } : {};
}
