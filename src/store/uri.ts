// Store URIs as they may be shown to a person: a Redis URI can carry a password (redis://:pw@host or
// redis://user:pw@host), which must not reach a banner, --json output, a log line or an error message.

/** The URI with any userinfo password replaced by `***` (the user name, if any, is kept). Non-URLs pass unchanged. */
export function redactUri(uri: string): string {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    // Not a URL: still hide anything that looks like `scheme://user:pass@`.
    return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
  }
  if (!u.password && !u.username) return uri;
  if (u.password) u.password = '***';
  return u.toString();
}
