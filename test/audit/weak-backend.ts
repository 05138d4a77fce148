// A deliberately weak login backend, written the way hurried tutorials and old projects write one, for `wxlogin
// audit` to score. It keeps the reference backend's contract (POST /login {code} → data.token; Bearer token;
// POST /userinfo {encryptedData, iv, rawData?, signature?}; GET /me) so that only its weaknesses differ:
// - token = md5(session_key + unix seconds), hex;
// - no watermark check and no rawData signature check on /userinfo;
// - the decrypt exception's own text in its error answers (a padding oracle: "bad decrypt" vs "Unexpected token");
// - no timeout on WeChat calls, and a 500 with the stack trace when WeChat answers HTML or drops the connection;
// - the session_key printed to its log;
// - no logout, the token accepted from `?token=` too, no rate limits, no failure budget.
// It does check that decrypted data names the session's own openId, exchanges each code once, and refuses
// missing parameters with 400, so those checks pass. It shares no code with wxlogin.
import { appendFileSync } from 'node:fs';
import { createDecipheriv, createHash } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';

export function buildWeakBackend(o: { mockUrl: string; appid: string; secret: string; logFile?: string }): FastifyInstance {
  const app = Fastify({ logger: false });
  const sessions = new Map<string, { openid: string; sessionKey: string }>();
  const log = (line: string) => {
    if (o.logFile) appendFileSync(o.logFile, `${new Date().toISOString()} ${line}\n`);
  };

  // The framework's debug page, as a dev server left on shows it.
  app.setErrorHandler((err, _req, reply) => {
    reply.code(500).type("text/plain").send(`Internal Server Error\n${(err as Error).stack}`);
  });

  const tokenOf = (req: { headers: Record<string, unknown>; query: unknown }) => {
    const h = req.headers.authorization;
    if (typeof h === 'string' && h.startsWith('Bearer ')) return h.slice(7);
    const q = (req.query ?? {}) as { token?: string };
    return q.token;
  };

  app.post('/login', async (req, reply) => {
    const { code } = (req.body ?? {}) as { code?: unknown };
    if (typeof code !== 'string' || code === '') return reply.code(400).send({ code: 400, msg: 'code required' });
    const q = new URLSearchParams({ appid: o.appid, secret: o.secret, js_code: code, grant_type: 'authorization_code' });
    const res = await request(`${o.mockUrl}/sns/jscode2session?${q}`);
    const body = JSON.parse(await res.body.text()) as { openid?: string; session_key?: string; errcode?: number; errmsg?: string };
    if (!body.openid || !body.session_key) {
      return reply.code(400).send({ code: 400, msg: 'login failed', errcode: body.errcode, errmsg: body.errmsg });
    }
    log(`login openid=${body.openid} session_key=${body.session_key}`);
    const token = createHash('md5').update(body.session_key + Math.floor(Date.now() / 1000)).digest('hex');
    sessions.set(token, { openid: body.openid, sessionKey: body.session_key });
    return { code: 200, msg: 'ok', data: { token, expiresIn: 7200 } };
  });

  app.post('/userinfo', async (req, reply) => {
    const s = sessions.get(tokenOf(req as never) ?? '');
    if (!s) return reply.code(401).send({ code: 401, msg: 'bad token' });
    const { encryptedData, iv } = (req.body ?? {}) as { encryptedData?: string; iv?: string };
    if (typeof encryptedData !== 'string' || typeof iv !== 'string') return reply.code(400).send({ code: 400, msg: 'encryptedData and iv required' });
    let info: Record<string, unknown>;
    try {
      const d = createDecipheriv('aes-128-cbc', Buffer.from(s.sessionKey, 'base64'), Buffer.from(iv, 'base64'));
      info = JSON.parse(Buffer.concat([d.update(Buffer.from(encryptedData, 'base64')), d.final()]).toString('utf8'));
    } catch (err) {
      return reply.code(400).send({ code: 400, msg: `decrypt failed: ${(err as Error).message}` });
    }
    if (info.openId !== undefined && info.openId !== s.openid) return reply.code(403).send({ code: 403, msg: 'not your data' });
    return { code: 200, msg: 'ok', data: info };
  });

  app.get('/me', async (req, reply) => {
    const s = sessions.get(tokenOf(req as never) ?? '');
    if (!s) return reply.code(401).send({ code: 401, msg: 'bad token' });
    return { code: 200, msg: 'ok', data: { openid: s.openid } };
  });

  return app;
}
