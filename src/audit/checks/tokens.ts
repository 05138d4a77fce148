// The tokens group: what the backend's session token is made of and where it is accepted. A token stands for the
// user's whole session, so it must be unguessable (random, long), never computable from what code2Session answered,
// never taken from a URL, dead after logout, and bound to one user.
import type { BackendResult } from '../../client/backend-client.js';
import { BACKEND_STEPS, type BackendStep } from '../../client/contract.js';
import type { AuditContext, AuditLogin, RawAnswer } from '../context.js';
import { REFS } from '../references.js';
import { findDerivation, preimages, tokenShape, type TokenShape } from '../token-derivation.js';
import { NotApplicable, SetupFailed, fail, na, pass, type Check, type Evidence } from '../types.js';

// ------------------------------------------------------------ the login pool

/**
 * Logins shared by the login and tokens groups of one run, so that the group stays within its login budget: each is
 * a fresh mock user logged in once. Checks only read them, except the logout check, which takes one out.
 */
const pools = new WeakMap<AuditContext, AuditLogin[]>();

/** The first `n` logins of the run's pool, logging in fresh users (one by one) as needed. */
export async function poolLogins(ctx: AuditContext, n: number): Promise<AuditLogin[]> {
  let pool = pools.get(ctx);
  if (!pool) pools.set(ctx, (pool = []));
  while (pool.length < n) pool.push(await ctx.login(ctx.user('pool')));
  return pool.slice(0, n);
}

/** A pool login the caller may spend (log out): taken out of the pool, so no later check uses its token. */
async function takePoolLogin(ctx: AuditContext): Promise<AuditLogin> {
  const pool = pools.get(ctx);
  return pool?.pop() ?? ctx.login(ctx.user('pool'));
}

// ------------------------------------------------------------ helpers

/** How many logins the uniqueness check compares (and the shape and derivation checks read). */
const UNIQUE_LOGINS = 6;
const MIN_TOKEN_BITS = 128;

/** A raw answer counts as accepted as BackendResult.ok does: 2xx and an envelope code of 200 or 0 if any. */
export function rawOk(a: RawAnswer): boolean {
  const code = a.json && typeof a.json === 'object' ? (a.json as Record<string, unknown>).code : undefined;
  return a.status >= 200 && a.status < 300 && (typeof code !== 'number' || code === 200 || code === 0);
}

const tokenTail = (t: string) => `${t.slice(0, 6)}***`;
const shapeText = (s: TokenShape) => `${s.length} chars of ${s.alphabet} (${s.alphabetSize} symbols): about ${s.bits} bits${s.jwt ? ', a JWT judged as a whole' : ''}`;
const loginEvidence = (ctx: AuditContext, l: AuditLogin, note: string) => ctx.evidenceOf(ctx.describe('login', { code: l.code }), l.result, note);

/** The step the token checks probe a token with: GET me if the contract has it, else the session check. */
function probeStep(ctx: AuditContext): BackendStep | undefined {
  if (ctx.backend.offers('me')) return 'me';
  if (ctx.backend.offers('sessionCheck')) return 'sessionCheck';
  return undefined;
}

/** A step answer the check needs to succeed; 404 (no such route) is not applicable, anything else a setup failure. */
function expectOk(ctx: AuditContext, r: BackendResult, what: string, body?: Record<string, unknown>): void {
  if (r.notOffered) throw new NotApplicable(`${ctx.describe(r.step)} answered 404: the backend has no ${r.step} step`);
  if (!r.ok) throw new SetupFailed(`${what} was refused`, [ctx.evidenceOf(ctx.describe(r.step, body), r, `${what} must succeed for this check to judge`)]);
}

// ------------------------------------------------------------ the checks

export const tokenChecks: readonly Check[] = [
  {
    id: 'tokens.unique',
    category: 'tokens',
    title: `${UNIQUE_LOGINS} logins get ${UNIQUE_LOGINS} different tokens`,
    severity: 'must',
    reference: REFS.predictableToken,
    hint: 'two logins got the same token: the token is derived from something that repeats (the openid, a coarse timestamp, a counter). Make each token 32 fresh bytes from a CSPRNG (crypto.randomBytes(32).toString("base64url")).',
    async run(ctx) {
      const logins = await poolLogins(ctx, UNIQUE_LOGINS);
      const first = new Map<string, AuditLogin>();
      for (const l of logins) {
        const seen = first.get(l.token);
        if (seen) {
          return fail(`two of ${logins.length} logins (different users) got the same token ${tokenTail(l.token)}`, [
            loginEvidence(ctx, seen, `user ${seen.alias}'s login`),
            loginEvidence(ctx, l, `user ${l.alias}'s login answered the same token`),
          ]);
        }
        first.set(l.token, l);
      }
      return pass(`${logins.length} logins of ${logins.length} users got ${first.size} different tokens`);
    },
  },
  {
    id: 'tokens.entropy',
    category: 'tokens',
    title: `tokens carry at least ${MIN_TOKEN_BITS} bits (length × log2 of their alphabet)`,
    severity: 'must',
    reference: REFS.sessionTokens,
    hint: `the token is too short for its alphabet to hold ${MIN_TOKEN_BITS} random bits: a short id, a counter or a timestamp can be guessed. Make it 32 bytes from a CSPRNG, base64url (43 characters).`,
    async run(ctx) {
      const logins = await poolLogins(ctx, UNIQUE_LOGINS);
      const shapes = logins.map((l) => ({ l, s: tokenShape(l.token, logins.map((x) => x.token)) }));
      const weakest = shapes.reduce((a, b) => (b.s.bits < a.s.bits ? b : a));
      if (weakest.s.bits < MIN_TOKEN_BITS) {
        const bad = shapes.filter((x) => x.s.bits < MIN_TOKEN_BITS);
        return fail(
          `${bad.length} of ${shapes.length} tokens hold fewer than ${MIN_TOKEN_BITS} bits: ${tokenTail(weakest.l.token)} is ${shapeText(weakest.s)}`,
          bad.slice(0, 2).map((x) => loginEvidence(ctx, x.l, `token ${tokenTail(x.l.token)}: ${shapeText(x.s)}, under ${MIN_TOKEN_BITS}`)),
        );
      }
      const kinds = [...new Set(shapes.map((x) => `${x.s.length} chars of ${x.s.alphabet}${x.s.jwt ? ' (a JWT, judged as a whole)' : ''}`))];
      return pass(`${shapes.length} tokens, ${kinds.join('; ')}: at least ${weakest.s.bits} bits each by length × log2(alphabet) (an upper bound; tokens.not-derived checks they are not hashes of known values)`);
    },
  },
  {
    id: 'tokens.not-derived',
    category: 'tokens',
    title: 'the token is not a hash of session_key, openid, unionid, code or the login time',
    severity: 'must',
    reference: REFS.predictableToken,
    hint: 'the token is computed from values others know or can learn (the openid is no secret; session_key and code end up in logs; the time is guessable), so anyone can mint a valid token for any user. Make it 32 random bytes from a CSPRNG (crypto.randomBytes(32).toString("base64url")), store the session server-side, and never put the session_key into it.',
    async run(ctx) {
      const logins = await poolLogins(ctx, UNIQUE_LOGINS);
      const found: { l: AuditLogin; recipe: string }[] = [];
      for (const l of logins) {
        const d = findDerivation(l.token, { sessionKey: l.sessionKey, openid: l.openid, unionid: l.unionid, code: l.code, startedAt: l.startedAt, endedAt: l.endedAt });
        if (d) found.push({ l, recipe: d.recipe });
      }
      if (found.length > 0) {
        const recipes = [...new Set(found.map((f) => f.recipe))];
        const [f] = found;
        return fail(
          `the token is ${recipes.join(', or ')} (recomputed for ${found.length} of ${logins.length} logins)`,
          found.slice(0, 2).map((x) => loginEvidence(ctx, x.l, `token ${tokenTail(x.l.token)} = ${x.recipe}`)),
          `the token is ${f!.recipe}: anyone who learns those inputs (the openid is no secret; session_key and code end up in logs; the time is guessable) can mint a valid token for that user. Make it 32 random bytes from a CSPRNG (crypto.randomBytes(32).toString("base64url")), keep the session server-side, and never derive it from the session_key.`,
        );
      }
      const l0 = logins[0]!;
      const tried = preimages({ sessionKey: l0.sessionKey, openid: l0.openid, unionid: l0.unionid, code: l0.code, startedAt: l0.startedAt, endedAt: l0.endedAt }).length;
      return pass(
        `none of ${logins.length} tokens is the session_key, openid, unionid or code, a JWT carrying the session_key, or an md5/sha1/sha256/sha512 (hex, base64, base64url) of about ${tried} combinations of them with the login time, nor HMAC-SHA256(session_key, openid)`,
      );
    },
  },
  {
    id: 'tokens.not-in-query',
    category: 'tokens',
    title: 'a token in the URL query (?token=, ?access_token=) is not accepted',
    severity: 'should',
    reference: REFS.tokenInUrl,
    hint: 'the backend reads the token from the query string too: URLs end up in proxy and access logs, browser history and Referer headers, so tokens leak from there. Read it only from the Authorization header (or the JSON body).',
    async run(ctx) {
      if (ctx.contract.token.in === 'body') {
        return na(`the ${ctx.contract.profile} contract sends the token as the "${ctx.contract.token.field}" field, in the query of GET requests: a query token is the contract itself`);
      }
      const step = (['me', ...BACKEND_STEPS.filter((s) => s !== 'me')] as BackendStep[]).find(
        (s) => ctx.backend.offers(s) && ctx.contract.methods[s] === 'GET',
      );
      if (!step) return na(`the ${ctx.contract.profile} contract has no GET step to send a query token to`);
      const [l] = await poolLogins(ctx, 1);
      const token = l!.token;
      const baseline = await ctx.call(step, { token });
      expectOk(ctx, baseline, `${ctx.describe(step)} with the token in the ${ctx.contract.token.header} header`);
      const path = ctx.contract.paths[step]!;
      const ask = (query: string) => ctx.send({ method: 'GET', path: `${path}${path.includes('?') ? '&' : '?'}${query}` });
      const accepted: Evidence[] = [];
      const names: string[] = [];
      for (const param of ['token', 'access_token']) {
        const a = await ask(`${param}=${encodeURIComponent(token)}`);
        if (rawOk(a)) {
          names.push(`?${param}=`);
          accepted.push(ctx.evidenceOf(`GET ${path}?${param}=${token} (no ${ctx.contract.token.header} header)`, a, `the token in the query string was accepted`));
        }
      }
      if (accepted.length > 0) {
        // The step must need a token at all, or the query proved nothing.
        const bare = await ctx.send({ method: 'GET', path });
        if (rawOk(bare)) return na(`GET ${path} answers without any token, so it cannot show whether a query token is accepted`);
        return fail(`GET ${path} accepts the token from ${names.join(' and ')} (and refuses the request without a token)`, [
          ...accepted,
          ctx.evidenceOf(`GET ${path} (no token)`, bare, 'the same request without a token is refused: the query token authenticated it'),
        ]);
      }
      return pass(`GET ${path} accepts the token in the ${ctx.contract.token.header} header and refuses it in ?token= and ?access_token=`);
    },
  },
  {
    id: 'tokens.logout-revokes',
    category: 'tokens',
    title: 'after logout the token is refused',
    severity: 'must',
    reference: REFS.sessionLogout,
    hint: 'logout answered success but the token still works: the session is not deleted server-side (a stateless token stays valid until it expires). Delete the session record (or put the token on a deny list until its expiry) in the logout handler.',
    needs: ['logout'],
    async run(ctx) {
      const probe = probeStep(ctx);
      if (!probe) return na(`the ${ctx.contract.profile} contract has neither a me nor a sessionCheck step to try the token on after logout`);
      const l = await takePoolLogin(ctx);
      expectOk(ctx, await ctx.call(probe, { token: l.token }), `${ctx.describe(probe)} with a fresh token`);
      const out = await ctx.call('logout', { token: l.token });
      expectOk(ctx, out, `${ctx.describe('logout')}`);
      const after = await ctx.call(probe, { token: l.token });
      if (after.ok) {
        return fail(`${ctx.describe(probe)} still accepts the token after ${ctx.describe('logout')} answered success`, [
          ctx.evidenceOf(ctx.describe('logout'), out, 'logout answered success'),
          ctx.evidenceOf(ctx.describe(probe), after, 'the logged-out token was accepted'),
        ]);
      }
      if (after.status >= 500) {
        return fail(`${ctx.describe(probe)} with a logged-out token answered ${after.status}`, [ctx.evidenceOf(ctx.describe(probe), after, 'a logged-out token is bad input: answer 401, not 5xx')], 'the backend fails on a token whose session was deleted: treat a missing session as an invalid token (401).');
      }
      return pass(`after logout ${ctx.describe(probe)} refuses the token (HTTP ${after.status})`);
    },
  },
  {
    id: 'tokens.cross-user',
    category: 'tokens',
    title: "one user's token does not open another user's data",
    severity: 'must',
    reference: REFS.authorization,
    hint: "the backend trusts the request's data over the session: it must decrypt open data only with the session's own session_key and take the identity (openid) from the session, never from the request body.",
    needs: ['userinfo'],
    async run(ctx) {
      const [a, b] = await poolLogins(ctx, 2);
      const info = await ctx.wx(() => ctx.mock.getUserInfo(b!.alias), `wx.getUserInfo for ${b!.alias}`);
      const body: Record<string, unknown> = { encryptedData: info.encryptedData, iv: info.iv, rawData: info.rawData, signature: info.signature };
      expectOk(ctx, await ctx.call('userinfo', { token: b!.token, body }), "user B's own getUserInfo data with B's token", body);
      const cross = await ctx.call('userinfo', { token: a!.token, body });
      if (cross.ok) {
        return fail("user B's encrypted getUserInfo data was accepted with user A's token", [
          ctx.evidenceOf(ctx.describe('userinfo', body), cross, `B's data (under B's session_key) sent with A's token${cross.text.includes(b!.openid) ? ": the answer names B's openid" : ''}`),
        ]);
      }
      if (cross.status >= 500) {
        return fail(`user B's data with user A's token answered ${cross.status}`, [ctx.evidenceOf(ctx.describe('userinfo', body), cross, 'data that does not decrypt under the session key is bad input: answer 4xx, not 5xx')], 'the backend fails on open data that does not decrypt under the session\'s key: catch the decryption error and answer 400.');
      }
      let meNote = '';
      if (ctx.backend.offers('me')) {
        const me = await ctx.call('me', { token: a!.token });
        expectOk(ctx, me, `${ctx.describe('me')} with user A's token`);
        if (me.text.includes(b!.openid)) {
          return fail(`${ctx.describe('me')} with user A's token names user B's openid`, [ctx.evidenceOf(ctx.describe('me'), me, "A's token, B's openid in the answer")]);
        }
        meNote = me.text.includes(a!.openid) ? "; me with A's token names A's openid" : "; me with A's token shows neither A's nor B's openid";
      }
      return pass(`B's open data sent with A's token was refused (HTTP ${cross.status}), while B's token opens it${meNote}`);
    },
  },
];
