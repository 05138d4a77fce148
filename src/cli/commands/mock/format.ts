// `wxlogin mock` as text: where it listens (with --tls its HTTPS URL, proxy and CA too), its apps and users with
// their fake credentials, and a first request to try; with --json the URLs, seed, apps and users.
// `wxlogin mock ca`: the CA's path and how to trust it per language.
import { TLS_DNS_NAMES, TLS_IPS, WECHAT_API_HOST } from '../../../../mock-wechat/front/defaults.js';
import type { Format } from '../../output.js';
import type { CaResult } from './ca.js';
import type { RunningMock, RunningTls } from './run.js';

/** A word a POSIX shell reads back as is. */
const sh = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** host:port of a listening URL as a client on this machine dials it (a wildcard address means loopback). */
function dialable(url: string): { host: string; port: string } {
  const u = new URL(url);
  return { host: u.hostname === '0.0.0.0' || u.hostname === '[::]' ? '127.0.0.1' : u.hostname, port: u.port };
}

function tlsLines(tls: RunningTls, appid: string | undefined, secret: string | undefined): { head: string[]; tries: string[] } {
  const head = [
    `  https  ${tls.url}  certificate for ${[...TLS_DNS_NAMES, ...TLS_IPS].join(', ')}`,
    ...(tls.proxyUrl ? [`  proxy  ${tls.proxyUrl}  HTTPS_PROXY for ${WECHAT_API_HOST}; every other host is refused`] : []),
    `  CA     ${tls.ca}  (${tls.caCreated ? 'made now: trust it once, ' : ''}\`wxlogin mock ca\` says how)`,
  ];
  const url = `'https://${WECHAT_API_HOST}/cgi-bin/token?grant_type=client_credential&appid=${appid ?? 'APPID'}&secret=${secret ?? 'SECRET'}'`;
  const d = dialable(tls.url);
  const tries = [
    ...(tls.proxyUrl ? [`try: curl -s --cacert ${sh(tls.ca)} -x ${tls.proxyUrl} ${url}`] : []),
    `try: curl -s --cacert ${sh(tls.ca)} --connect-to ${WECHAT_API_HOST}:443:${d.host}:${d.port} ${url}`,
  ];
  return { head, tries };
}

export const mockFormat: Format<RunningMock> = {
  json: (mock) =>
    JSON.stringify(
      {
        url: mock.url,
        ...(mock.tls ? { tlsUrl: mock.tls.url, proxyUrl: mock.tls.proxyUrl ?? null, ca: mock.tls.ca } : {}),
        seed: mock.seed,
        apps: mock.apps,
        users: mock.users.map((u) => ({ alias: u.alias, appid: u.appid, openid: u.openid, unionid: u.unionid, nickName: u.nickName })),
      },
      null,
      2,
    ),
  text(mock, { c }) {
    const first = mock.apps[0];
    const tls = mock.tls && tlsLines(mock.tls, first?.appid, first?.secret);
    const out = [
      `${c.bold('mock WeChat')} listening on ${c.cyan(mock.url)}  (seed ${mock.seed})`,
      ...(tls?.head ?? []),
      `  dashboard  ${c.cyan(`${mock.url}/__ui/`)}`,
      '',
      c.bold('apps (fake credentials)'),
    ];
    for (const a of mock.apps) out.push(`  ${a.appid}  secret ${a.secret}${a.openPlatform ? `  open platform ${a.openPlatform}` : ''}`);
    out.push('', c.bold('users'));
    const width = Math.max(5, ...mock.users.map((u) => u.alias.length));
    for (const u of mock.users) {
      const notes = [u.consent.default === 'deny' ? 'denies consent' : '', u.risk ? 'high risk: code2Session answers 40226' : '']
        .filter(Boolean)
        .join(', ');
      const app = mock.apps.length > 1 ? `${u.appid}  ` : '';
      out.push(`  ${app}${u.alias.padEnd(width)}  ${u.openid}  ${u.nickName}${notes ? c.dim(`  (${notes})`) : ''}`);
    }
    out.push('', `try: curl -s ${mock.url}/__client/login -H 'content-type: application/json' -d '{"user":"alice"}'`);
    out.push(...(tls?.tries ?? []));
    return { stdout: out };
  },
};

/** How each stack trusts the CA without code changes; routing is in the README (and the proxy line below). */
export function trustLines(ca: string): string[] {
  const q = sh(ca);
  return [
    `  Node     NODE_EXTRA_CA_CERTS=${q}`,
    `  Python   REQUESTS_CA_BUNDLE=${q}  (requests)   SSL_CERT_FILE=${q}  (httpx, urllib)`,
    `  Go       SSL_CERT_FILE=${q}  (Linux and other Unix; macOS verifies with the system keychain)`,
    `  Java     keytool -importcert -noprompt -alias wxlogin-mock -file ${q} -keystore wxlogin-mock.p12 -storepass changeit`,
    '           java -Djavax.net.ssl.trustStore=wxlogin-mock.p12 -Djavax.net.ssl.trustStorePassword=changeit ...',
    `  PHP      php -d curl.cainfo=${q} -d openssl.cafile=${q} ...   (or CURLOPT_CAINFO)`,
    `  curl     curl --cacert ${q} ...`,
  ];
}

export const caFormat: Format<CaResult> = {
  text(r, { c }) {
    return {
      stdout: [
        `${c.bold('local CA')}  ${c.cyan(r.ca)}${r.created ? '  (made now)' : ''}`,
        `  subject      ${r.subject}`,
        `  sha256       ${r.fingerprint256}`,
        `  valid until  ${r.validTo}`,
        `  signs only   ${r.names.join(', ')}  (name constraints: trusting it trusts nothing else)`,
        `  key          ${r.key}  (0600; stays on this machine)`,
        '',
        c.bold('trust it in the client (no code changes)'),
        ...trustLines(r.ca),
        '',
        `then route ${WECHAT_API_HOST} to the mock: \`wxlogin mock --proxy-port 9444\` and HTTPS_PROXY=http://127.0.0.1:9444`,
        '(Java: -Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=9444), or resolve it to 127.0.0.1 (curl --resolve / --connect-to).',
      ],
    };
  },
};
