// Run by `wxlogin exec` in test/cli/exec.test.ts: reads the variables exec exports, logs in through the mock (and
// the backend when there is one), and prints what it saw as one JSON line.
const env = process.env;
const json = async (res) => ({ status: res.status, body: await res.json() });
const post = (url, body) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(json);
const code = async () => (await post(`${env.WXLOGIN_MOCK_URL}/__client/login`, { user: 'alice' })).body.code;

const out = {
  env: Object.fromEntries(['WX_API_BASE', 'WX_APPID', 'WX_SECRET', 'WXLOGIN_MOCK_URL', 'WXLOGIN_BACKEND_URL', 'EXEC_TEST_INHERITED'].map((k) => [k, env[k] ?? null])),
  argv: process.argv.slice(2),
  apps: await fetch(`${env.WXLOGIN_MOCK_URL}/__admin/apps`).then(json),
};
const q = new URLSearchParams({ appid: env.WX_APPID, secret: env.WX_SECRET, js_code: await code(), grant_type: 'authorization_code' });
out.session = await fetch(`${env.WX_API_BASE}/sns/jscode2session?${q}`).then(json);
if (env.WXLOGIN_BACKEND_URL) out.backendLogin = await post(`${env.WXLOGIN_BACKEND_URL}/login`, { code: await code() });
process.stdout.write(`${JSON.stringify(out)}\n`);
