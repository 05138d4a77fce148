// A small backend of the classic Django tutorial's contract, in plain Node, for the README's CI recipe test: it reads
// its WeChat settings from the environment (WECHAT_API_BASE, WECHAT_APPID, WECHAT_SECRET), listens on the port given
// as its argument, `POST /api/login/ {code}` → `{code, msg, data: {token}}`, `POST /api/userinfo/ {encryptedData, iv,
// token}` → the decrypted profile.
import { createDecipheriv, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const { WECHAT_API_BASE: base, WECHAT_APPID: appid, WECHAT_SECRET: secret } = process.env;
if (!base || !appid || !secret) throw new Error('WECHAT_API_BASE, WECHAT_APPID and WECHAT_SECRET must be set');
const sessions = new Map();
const send = (res, status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

async function login(body) {
  if (typeof body.code !== 'string') return [400, { code: 400, msg: 'code required' }];
  const q = new URLSearchParams({ appid, secret, js_code: body.code, grant_type: 'authorization_code' });
  const r = await (await fetch(`${base}/sns/jscode2session?${q}`, { signal: AbortSignal.timeout(3000) })).json();
  if (!r.openid) return [401, { code: 401, msg: `wechat: ${r.errcode}` }];
  const token = randomBytes(16).toString('hex');
  sessions.set(token, { openid: r.openid, key: r.session_key });
  return [200, { code: 200, msg: 'ok', data: { token } }];
}

function userinfo(body) {
  const s = sessions.get(body.token);
  if (!s) return [401, { code: 401, msg: 'bad token' }];
  try {
    const d = createDecipheriv('aes-128-cbc', Buffer.from(s.key, 'base64'), Buffer.from(body.iv, 'base64'));
    const info = JSON.parse(Buffer.concat([d.update(Buffer.from(body.encryptedData, 'base64')), d.final()]).toString('utf8'));
    if (info.watermark?.appid !== appid || (info.openId !== undefined && info.openId !== s.openid)) throw new Error('not ours');
    return [200, { code: 200, msg: 'ok', data: info }];
  } catch {
    return [400, { code: 400, msg: 'Illegal Buffer' }];
  }
}

createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => (raw += c));
  req.on('end', async () => {
    try {
      if (req.method === 'GET' && req.url === '/') return send(res, 200, { ok: true });
      const body = raw ? JSON.parse(raw) : {};
      if (req.method === 'POST' && req.url === '/api/login/') return send(res, ...(await login(body)));
      if (req.method === 'POST' && req.url === '/api/userinfo/') return send(res, ...userinfo(body));
      send(res, 404, { code: 404, msg: 'not found' });
    } catch {
      send(res, 400, { code: 400, msg: 'bad request' });
    }
  });
}).listen(Number(process.argv[2] ?? 8000), '127.0.0.1');
