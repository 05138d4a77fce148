// A tiny backend keeping the classic Django tutorial contract, written the way such tutorials write it, to prove the
// CLI drives backends that are not ours: `POST login/ {code}` → `{code, msg, data: {token}}`, then
// `POST userinfo/ {encryptedData, iv, token}` → the decrypted profile. It calls the mock's jscode2session over HTTP
// and decrypts with node:crypto, sharing no code with wxlogin.
import { createDecipheriv, randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';

export function buildSeedBackend(o: {
  mockUrl: string;
  appid: string;
  secret: string;
  prefix?: string;
  /** Test knob: answer a profile with a changed nickName, as a buggy backend would. */
  corruptProfile?: boolean;
  /** Test knob: hand the session_key to the client, the classic tutorial mistake. */
  leakSessionKey?: boolean;
}): FastifyInstance {
  const app = Fastify({ logger: false });
  const sessions = new Map<string, { openid: string; sessionKey: string }>();
  const prefix = o.prefix ?? '/api/';

  app.post(`${prefix}login/`, async (req, reply) => {
    const { code } = (req.body ?? {}) as { code?: string };
    if (!code) return reply.code(400).send({ code: 400, msg: 'code required' });
    const q = new URLSearchParams({ appid: o.appid, secret: o.secret, js_code: code, grant_type: 'authorization_code' });
    const res = await request(`${o.mockUrl}/sns/jscode2session?${q}`);
    const body = JSON.parse(await res.body.text()) as { openid?: string; session_key?: string; errcode?: number; errmsg?: string };
    if (!body.openid || !body.session_key) return reply.code(401).send({ code: 401, msg: `wechat: ${body.errcode} ${body.errmsg}` });
    const token = randomBytes(16).toString('hex');
    sessions.set(token, { openid: body.openid, sessionKey: body.session_key });
    return { code: 200, msg: 'ok', data: o.leakSessionKey ? { token, session_key: body.session_key } : { token } };
  });

  app.post(`${prefix}userinfo/`, async (req, reply) => {
    const { encryptedData, iv, token } = (req.body ?? {}) as { encryptedData?: string; iv?: string; token?: string };
    const s = token ? sessions.get(token) : undefined;
    if (!s) return reply.code(401).send({ code: 401, msg: 'bad token' });
    try {
      const d = createDecipheriv('aes-128-cbc', Buffer.from(s.sessionKey, 'base64'), Buffer.from(iv!, 'base64'));
      const plain = Buffer.concat([d.update(Buffer.from(encryptedData!, 'base64')), d.final()]).toString('utf8');
      const info = JSON.parse(plain) as { watermark?: { appid?: string } };
      if (info.watermark?.appid !== o.appid) return reply.code(400).send({ code: 400, msg: 'Illegal Buffer' });
      return { code: 200, msg: 'ok', data: o.corruptProfile ? { ...info, nickName: `${(info as { nickName?: string }).nickName}!` } : info };
    } catch {
      return reply.code(400).send({ code: 400, msg: 'Illegal Buffer' });
    }
  });
  return app;
}
