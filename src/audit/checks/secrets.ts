// Secrets: what the run saw must not come back out. They run last and read ctx.seen: every backend answer of the run
// and every session_key, token and code it handled, then the backend's log (--log). A session_key in an answer or a
// log lets whoever reads it decrypt and forge the user's open data
// (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html: "会话密钥 session_key ...
// 不应该把会话密钥下发到小程序，也不应该对外提供这个密钥").
import { Agent } from 'undici';
import { requestJson } from '../../client/http.js';
import type { AuditContext, RecordedAnswer } from '../context.js';
import { REFS } from '../references.js';
import { fail, na, pass, type Check, type Evidence } from '../types.js';

// ------------------------------------------------------------------ shared with resilience.ts and abuse.ts

/** Stack traces and framework debug pages, by the runtime or framework that prints them. */
const STACK_PATTERNS: readonly { name: string; re: RegExp }[] = [
  // Debug pages first: they hold stack frames too, and their name says more.
  { name: 'Django debug page', re: /Django Version|You're seeing this error because you have <code>DEBUG = True<\/code>/ },
  { name: 'Spring Whitelabel page', re: /Whitelabel Error Page/ },
  { name: 'Express debug page', re: /&nbsp; ?&nbsp;at [^<]*:\d+:\d+/ },
  { name: 'Flask/Werkzeug debugger', re: /Werkzeug Debugger|The debugger caught an exception in your WSGI application/ },
  { name: 'Laravel/Symfony debug page', re: /Whoops, looks like something went wrong|Symfony\\Component\\ErrorHandler|sf-dump/ },
  // `    at fn (/app/x.js:10:5)`, `at async Promise.all (index 0)` is not enough: a file position is required.
  // A JSON-escaped stack has `\n` as two characters, so no real newline is required either.
  { name: 'Node.js stack trace', re: /\bat (?:async )?(?:[\w$.<>[\]]+(?: \[as [\w$]+\])? )?\(?(?:file:\/\/\/?|node:)?(?:\/|[A-Za-z]:\\{1,2}|internal\/|node:)[^\s()"'<>]*:\d+:\d+\)?/ },
  { name: 'Python traceback', re: /Traceback \(most recent call last\)|File "[^"\n]+\.py", line \d+, in / },
  { name: 'Java stack trace', re: /\bat (?:[\w$]+\.)+[\w$<>]+\((?:[\w$]+\.(?:java|kt|scala|groovy)(?::\d+)?|Native Method|Unknown Source)\)|Exception in thread "/ },
  { name: 'PHP error', re: /(?:PHP )?(?:Fatal error|Parse error|Uncaught \w+(?:\\\w+)*):? .*? in \/[^\s]+\.php|Fatal error:|Stack trace:\s*(?:\\n|\n|<br \/>)?\s*#0 / },
  { name: 'Go panic', re: /goroutine \d+ \[running\]|panic: .*(?:\\n|\n)\s*goroutine / },
  { name: 'Ruby/Rails trace', re: /\.rb:\d+:in `|Action Controller: Exception caught|Rails\.root: / },
  { name: '.NET trace', re: /Server Error in '[^']*' Application|\bat [\w.]+\([^)]*\) in [^\s]+:line \d+/ },
];

/** The kind of stack trace or debug page in `text`, and the line it is on; undefined when there is none. */
export function findStackTrace(text: string): { name: string; line: string } | undefined {
  for (const p of STACK_PATTERNS) {
    const m = p.re.exec(text);
    if (m) return { name: p.name, line: lineAround(text, m.index) };
  }
  return undefined;
}

/** The first lines of an answer (a stack's own message sits above its frames). */
export function firstLines(text: string, n = 4): string {
  return text.split(/\r?\n|\\n/).slice(0, n).join(' | ');
}

function lineAround(text: string, at: number): string {
  const start = Math.max(text.lastIndexOf('\n', at) + 1, 0);
  const nl = text.indexOf('\n', at);
  const line = text.slice(start, nl === -1 ? undefined : nl);
  return line.length > 240 ? `${line.slice(Math.max(0, at - start - 60), at - start + 180)}` : line;
}

/** A session_key as a backend might print it: base64, base64url (with or without padding), hex in both cases. */
export function keyForms(key: string): string[] {
  const raw = Buffer.from(key, 'base64');
  if (raw.length === 0) return [key];
  const url = raw.toString('base64url');
  const hex = raw.toString('hex');
  return [...new Set([key, url, `${url}${'='.repeat((4 - (url.length % 4)) % 4)}`, hex, hex.toUpperCase()])].filter((f) => f.length >= 16);
}

/** Undoes the escapings a secret may wear on the wire: JSON's `\/` (PHP, Java), URL encoding of `+ / =`. */
export function unescapeText(text: string): string {
  return text.replace(/\\\//g, '/').replace(/%2B/gi, '+').replace(/%2F/gi, '/').replace(/%3D/gi, '=');
}

/** The first session key (of `keys`) found in `text`, in any of its forms. */
export function findKey(text: string, keys: Iterable<string>): { key: string; form: string } | undefined {
  const t = unescapeText(text);
  for (const k of keys) {
    for (const f of keyForms(k)) if (t.includes(f)) return { key: k, form: formName(k, f) };
  }
  return undefined;
}

function formName(key: string, form: string): string {
  if (form === key) return 'base64';
  if (/^[0-9a-f]+$/.test(form)) return 'hex';
  if (/^[0-9A-F]+$/.test(form)) return 'HEX';
  return 'base64url';
}

/** `session_key=…`, `"sessionKey": "…"`: a 16-byte base64 value named like a session key, seen by the run or not. */
const NAMED_KEY = /session_?key["']?\s*[=:]\s*["']?([A-Za-z0-9+/]{22}==)/i;

// ------------------------------------------------------------------ helpers of this group

/** The current keys of every mock user this run made (a key WeChat rotated after the backend's last login stays in
 *  ctx.seen: the run saw it), added to ctx.seen so evidence masks them too. */
async function refreshKeys(ctx: AuditContext): Promise<void> {
  const prefix = `audit-${ctx.runId}-`;
  let users: { alias?: string; openid?: string }[] = [];
  // The mock client has no user listing; a dispatcher of its own, closed after, so no socket outlives the call.
  const dispatcher = new Agent({ connections: 1 });
  try {
    const q = `?appid=${encodeURIComponent(ctx.appid)}`;
    const res = await requestJson({ method: 'GET', url: `${ctx.mock.baseUrl.replace(/\/$/, '')}/__admin/users${q}` }, { dispatcher, timeoutMs: 5000 });
    const body = res.json as { users?: { alias?: string; openid?: string }[] } | undefined;
    users = Array.isArray(body?.users) ? body.users : [];
  } catch {
    return; // a mock that does not list users: the keys ctx.login saw are what there is
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
  const mine = users.filter((u) => typeof u.alias === 'string' && u.alias.startsWith(prefix)).slice(0, 500);
  const keys = await Promise.all(mine.map((u) => ctx.mock.sessionKey(u.alias!).catch(() => undefined)));
  for (const k of keys) if (k) ctx.seen.sessionKeys.add(k);
}

type LogRead = { source: string; lines: string[] } | { na: string };

async function readLogLines(ctx: AuditContext): Promise<LogRead> {
  if (!ctx.readLog) return { na: 'no backend log given: pass --log FILE (the backend\'s log) to check it' };
  const { source, text } = await ctx.readLog();
  if (text.trim() === '') return { na: `the log is empty (${source}): point --log at the backend's log` };
  return { source, lines: text.split(/\r?\n/) };
}

const logEvidence = (ctx: AuditContext, source: string, n: number, line: string, note: string): Evidence => ({
  request: `${source}, line ${n}`,
  answer: ctx.mask(line.length > 300 ? `${line.slice(0, 300)}… (${line.length} chars)` : line),
  note,
});

const answerEvidence = (ctx: AuditContext, a: RecordedAnswer, note: string): Evidence =>
  ctx.evidenceOf(`answer to ${a.where}`, { status: a.status, text: firstLines(a.text) }, note);

// ------------------------------------------------------------------ the checks

const noKeyInAnswers: Check = {
  id: 'secrets.no-key-in-answers',
  category: 'secrets',
  title: 'no session_key in any answer (base64, base64url or hex)',
  severity: 'must',
  reference: REFS.secretInAnswer,
  hint:
    'an answer carries the session_key (often the whole code2Session result passed on, or a debug field): answer only ' +
    'your own token and the user data you mean to give; keep session_key on the server, and serialise answers ' +
    'through a schema that lists their fields',
  async run(ctx) {
    await refreshKeys(ctx);
    const keys = [...ctx.seen.sessionKeys];
    const answers = ctx.seen.answers;
    if (answers.length === 0 || keys.length === 0) {
      return fail(`examined nothing: ${answers.length} answers and ${keys.length} session keys were recorded (run it with the checks that log in)`);
    }
    const secret = ctx.secret && ctx.secret.length >= 8 ? ctx.secret : undefined;
    const evidence: Evidence[] = [];
    let hits = 0;
    for (const a of answers) {
      const k = findKey(a.text, keys);
      const s = secret && unescapeText(a.text).includes(secret);
      if (!k && !s) continue;
      hits++;
      if (evidence.length < 5) evidence.push(answerEvidence(ctx, a, k ? `holds a session_key (${k.form})` : 'holds the app secret'));
    }
    const examined = `${answers.length} answers examined for ${keys.length} session keys (base64, base64url, hex)${secret ? ' and the app secret' : ''}`;
    if (hits > 0) return fail(`${hits} of ${answers.length} answers hold a secret; ${examined}`, evidence);
    return pass(examined);
  },
};

const noStackTraces: Check = {
  id: 'secrets.no-stack-traces',
  category: 'secrets',
  title: 'no stack trace or framework debug page in any answer',
  severity: 'must',
  reference: REFS.stackTrace,
  hint:
    'an error answer shows a stack trace or the framework\'s debug page (file paths, library versions, sometimes ' +
    'variables): turn debug mode off in production and answer every error through one handler that writes your own ' +
    'JSON error and sends the detail to the log',
  async run(ctx) {
    const answers = ctx.seen.answers;
    if (answers.length === 0) return fail('examined nothing: no answers were recorded (run it with the other checks)');
    const evidence: Evidence[] = [];
    const kinds = new Set<string>();
    let hits = 0;
    for (const a of answers) {
      const st = findStackTrace(a.text);
      if (!st) continue;
      hits++;
      kinds.add(st.name);
      if (evidence.length < 4) evidence.push(answerEvidence(ctx, a, `${st.name}: ${ctx.mask(st.line.trim()).slice(0, 160)}`));
    }
    if (hits > 0) return fail(`${hits} of ${answers.length} answers show a ${[...kinds].join(', ')}`, evidence);
    return pass(`${answers.length} answers examined, none shows a stack trace or debug page`);
  },
};

const noSecretsInLog: Check = {
  id: 'secrets.log',
  category: 'secrets',
  title: 'the log holds no session_key and not the app secret',
  severity: 'must',
  reference: REFS.secretInLog,
  hint:
    'the log holds a session_key or the AppSecret (often a code2Session answer or its request URL logged whole): log ' +
    'the openid and the outcome only, and strip query strings (they carry secret=) from request logs',
  async run(ctx) {
    const log = await readLogLines(ctx);
    if ('na' in log) return na(log.na);
    await refreshKeys(ctx);
    const keys = [...ctx.seen.sessionKeys];
    const secret = ctx.secret && ctx.secret.length >= 8 ? ctx.secret : undefined;
    const evidence: Evidence[] = [];
    let hits = 0;
    log.lines.forEach((line, i) => {
      if (line === '') return;
      const k = findKey(line, keys);
      const named = k ? undefined : NAMED_KEY.exec(unescapeText(line));
      const s = secret && unescapeText(line).includes(secret);
      if (!k && !named && !s) return;
      hits++;
      const what = s ? 'the app secret' : k ? `a session_key (${k.form})` : 'a value named session_key';
      // A named key the run never saw is masked here: mask() only knows the run's own.
      const shown = named ? line.split(named[1]!).join('<session_key>') : line;
      if (evidence.length < 4) evidence.push(logEvidence(ctx, log.source, i + 1, shown, `holds ${what}`));
    });
    const examined = `${log.lines.length} log lines examined for ${keys.length} session keys${secret ? ' and the app secret' : ''}`;
    if (hits > 0) return fail(`${hits} log lines hold a secret; ${examined}`, evidence);
    return pass(examined);
  },
};

const noTokensInLog: Check = {
  id: 'secrets.log-tokens',
  category: 'secrets',
  title: 'the log holds none of the backend\'s tokens in full',
  severity: 'should',
  reference: REFS.secretInLog,
  hint:
    'the log holds session tokens (often a request logger that prints headers, the query string or the login answer): ' +
    'redact the Authorization header and token fields in the logger, or log a short hash of the token instead',
  async run(ctx) {
    const log = await readLogLines(ctx);
    if ('na' in log) return na(log.na);
    const tokens = [...ctx.seen.tokens].filter((t) => t.length >= 8);
    if (tokens.length === 0) return fail('examined nothing: the run saw no tokens (run it with the checks that log in)');
    const evidence: Evidence[] = [];
    let hits = 0;
    log.lines.forEach((line, i) => {
      const t = unescapeText(line);
      if (!tokens.some((tok) => t.includes(tok))) return;
      hits++;
      if (evidence.length < 4) evidence.push(logEvidence(ctx, log.source, i + 1, line, 'holds a token in full'));
    });
    const examined = `${log.lines.length} log lines examined for ${tokens.length} tokens`;
    if (hits > 0) return fail(`${hits} log lines hold a token; ${examined}`, evidence);
    return pass(examined);
  },
};

export const secretChecks: readonly Check[] = [noKeyInAnswers, noStackTraces, noSecretsInLog, noTokensInLog];
