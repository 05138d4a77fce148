// Optional bearer token for the admin API. The admin API shows the apps' secrets and users' session keys and can
// reset or script the whole mock, so on any address others can reach it should not be open (WireMock's
// --admin-api-basic-auth plays the same part). Checked in constant time over digests, so neither the content nor the
// length of the token leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/** Visible ASCII without spaces: what fits in an Authorization header unchanged (RFC 6750 b64token, loosely). */
const TOKEN_RE = /^[\x21-\x7e]+$/;
const TOKEN_MAX = 512;

/** Why a token is unusable, or undefined. */
export function adminTokenProblem(token: unknown): string | undefined {
  if (typeof token !== 'string' || token === '') return 'must be a non-empty string';
  if (token.length > TOKEN_MAX) return `must be at most ${TOKEN_MAX} characters`;
  if (!TOKEN_RE.test(token)) return 'must be visible ASCII characters without spaces';
  return undefined;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** A predicate over the Authorization header: true when it is `Bearer <token>` (scheme case-insensitive). */
export function createAdminGuard(token: string): (authorization: string | undefined) => boolean {
  const want = digest(token);
  return (authorization) => {
    const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(authorization ?? '');
    // Compare even when the header is missing or malformed, so every refusal costs the same.
    const ok = timingSafeEqual(digest(m?.[1] ?? ''), want);
    return ok && m !== null;
  };
}

export const ADMIN_UNAUTHORIZED = {
  error: 'the admin API requires Authorization: Bearer <admin token> (the token given with --admin-token or adminToken)',
} as const;

/** The 401 every admin route (known or not) answers without the token. */
export function refuseUnauthorized(reply: FastifyReply): FastifyReply {
  return reply.code(401).header('www-authenticate', 'Bearer realm="mock-wechat admin"').send(ADMIN_UNAUTHORIZED);
}
