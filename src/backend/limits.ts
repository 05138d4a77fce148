// Rate limits: logins per client address (the plugin's own per-route limit), open-data requests per token, and calls
// to WeChat per user.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

export async function registerLimits(app: FastifyInstance, c: { dataRateLimitPerMinute: number; wechatRateLimitPerMinute: number }) {
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) =>
      new AppError('rate_limited', `too many requests: at most ${ctx.max} a minute here; retry in ${Math.ceil(ctx.ttl / 1000)} s`),
  });
  // Per token on the open-data routes, per user where a request costs a call to WeChat: one client cannot spend the
  // app's WeChat quota or hammer the decryption of one session. createRateLimit, not rateLimit: the plugin's own hook
  // runs once per request, so a second limit on the same route would be skipped.
  const limiter = (max: number, opts: { keyGenerator: (req: FastifyRequest) => string; skip?: (req: FastifyRequest) => boolean }) => {
    if (max <= 0) return async () => undefined;
    const check = app.createRateLimit({ max, timeWindow: 60_000, keyGenerator: opts.keyGenerator });
    return async (req: FastifyRequest, reply: FastifyReply) => {
      if (opts.skip?.(req)) return;
      const r = await check(req);
      if (r.isAllowed || !r.isExceeded) return;
      void reply.header('retry-after', r.ttlInSeconds);
      throw new AppError('rate_limited', `too many requests: at most ${r.max} a minute here; retry in ${r.ttlInSeconds} s`);
    };
  };
  const dataLimit = limiter(c.dataRateLimitPerMinute, { keyGenerator: (req) => `t:${req.auth?.sessionId}` });
  const wechatLimit = limiter(c.wechatRateLimitPerMinute, {
    keyGenerator: (req) => `u:${req.auth?.user.openid}`,
    // /phone calls WeChat only for a phone code; decrypting encryptedData is the data limit's business.
    skip: (req) => req.routeOptions.url === '/phone' && (req.body as { code?: unknown } | undefined)?.code === undefined,
  });
  return { dataLimit, wechatLimit };
}
