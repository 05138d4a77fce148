// Store URIs may carry a password (`redis://:pw@host`): it must show up in nothing the CLI prints, whether the CLI
// wrote the text or an error or log line from below quotes the URI.
import { redactUri } from '../store/uri.js';

/**
 * The spellings under which a URI's password may show up in text: as typed, percent-decoded, and escaped inside a
 * JSON string (log lines). Empty when the URI carries no password.
 */
function passwordForms(uri: string): string[] {
  const forms = new Set<string>();
  const typed = /^[a-z][a-z0-9+.-]*:\/\/([^@/?#]*)@/i.exec(uri)?.[1];
  if (typed !== undefined && typed.includes(':')) forms.add(typed.slice(typed.indexOf(':') + 1));
  try {
    const u = new URL(uri);
    if (u.password) forms.add(u.password);
  } catch {
    // not a URL: the typed form above is all there is
  }
  for (const f of [...forms]) {
    try {
      forms.add(decodeURIComponent(f));
    } catch {
      // a stray % in the password: the typed form is enough
    }
  }
  for (const f of [...forms]) forms.add(JSON.stringify(f).slice(1, -1));
  forms.delete('');
  // Longest first, so that a form containing another is replaced whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * Text with the credentials of these URIs (store URIs: `redis://:pw@host`) hidden: each URI as redactUri shows it,
 * then any other occurrence of its password as `***`. For text the CLI did not write itself (an error from below, a
 * log line), where the URI may appear in any form.
 */
export function hideCredentials(text: string, uris: readonly (string | undefined)[]): string {
  let out = text;
  for (const uri of uris) {
    if (!uri) continue;
    const shown = redactUri(uri);
    if (shown !== uri) out = out.split(uri).join(shown);
    for (const pw of passwordForms(uri)) out = out.split(pw).join('***');
  }
  return out;
}

/**
 * The same error with hideCredentials applied to its message and stack and to those of its causes, in place (its
 * class and `code` are kept, so callers can still tell an EADDRINUSE). Whatever prints it afterwards, a one-line
 * error or a --verbose stack, shows no password.
 */
export function hideErrorCredentials<T>(err: T, uris: readonly (string | undefined)[]): T {
  if (typeof err === 'string') return hideCredentials(err, uris) as T;
  if (!uris.some((u) => u && passwordForms(u).length > 0)) return err;
  const seen = new Set<unknown>();
  for (let e: unknown = err; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    try {
      e.message = hideCredentials(e.message, uris);
      if (typeof e.stack === 'string') e.stack = hideCredentials(e.stack, uris);
    } catch {
      // a frozen error: nothing to do but leave it
    }
  }
  return err;
}

/** A stream for log lines (the backend's pino logger) that passes them on to `to` with hideCredentials applied. */
export function credentialFilter(to: NodeJS.WritableStream, uris: readonly (string | undefined)[]): NodeJS.WritableStream {
  if (!uris.some((u) => u && passwordForms(u).length > 0)) return to;
  const write = (chunk: string | Uint8Array): boolean =>
    to.write(hideCredentials(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'), uris));
  return { write } as unknown as NodeJS.WritableStream;
}
