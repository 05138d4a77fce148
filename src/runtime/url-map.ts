// --map FROM=TO: mini programs hard-code their backend's host (`URL: 'https://api.example.com/api/'`), so a run
// points those requests elsewhere without touching the program: a request whose URL starts with FROM goes to TO
// plus the rest. The longest FROM that matches wins.

export interface UrlMapping {
  from: string;
  to: string;
}

export class UrlMapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UrlMapError';
  }
}

const httpUrl = (s: string) => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
};

/** Parses `FROM=TO` (both http(s) URLs). */
export function parseMapping(text: string): UrlMapping {
  const i = text.indexOf('=');
  const from = i < 0 ? '' : text.slice(0, i);
  const to = i < 0 ? '' : text.slice(i + 1);
  if (!from || !to) throw new UrlMapError(`a mapping is FROM=TO (two URLs), got "${text}"`);
  for (const u of [from, to]) if (!httpUrl(u)) throw new UrlMapError(`"${u}" in the mapping "${text}" is not an http(s) URL`);
  // A FROM ending with "/" must be mapped onto a TO ending with "/", else "api/" + "login/" loses its slash.
  if (from.endsWith('/') !== to.endsWith('/')) throw new UrlMapError(`in "${text}" FROM and TO must both end with "/" or neither`);
  return { from, to };
}

/** The URL a request goes to. A FROM matches only at a boundary: `http://h:80` does not match `http://h:8000/`. */
export function applyMappings(url: string, maps: readonly UrlMapping[]): string {
  let best: UrlMapping | undefined;
  for (const m of maps) {
    if (!url.startsWith(m.from)) continue;
    const next = url.charAt(m.from.length);
    if (!m.from.endsWith('/') && next !== '' && !'/?#'.includes(next)) continue;
    if (!best || m.from.length > best.from.length) best = m;
  }
  return best ? best.to + url.slice(best.from.length) : url;
}
