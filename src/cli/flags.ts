// Parsers for flag values more than one command takes: ports, positive integers, http(s) URLs, repeatable flags.
// The checks are plain functions returning undefined on a bad value, so each caller words its own error; the
// `*Arg` forms are commander argument parsers built on them.
import { InvalidArgumentError } from 'commander';

/** For a repeatable flag: every value given, in order. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A TCP port, 0..65535 (0: any free port). */
export function toPort(text: string): number | undefined {
  return /^\d+$/.test(text) && Number(text) <= 65535 ? Number(text) : undefined;
}

/** A whole number at least `min`, written in decimal digits. */
export function toIntAtLeast(text: string, min: number): number | undefined {
  const n = Number(text);
  return /^\d+$/.test(text) && Number.isSafeInteger(n) && n >= min ? n : undefined;
}

/** An http(s) URL, without trailing slashes. */
export function toHttpUrl(text: string): string | undefined {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:' ? text.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
}

export function portArg(text: string): number {
  const n = toPort(text);
  if (n === undefined) throw new InvalidArgumentError(`a port is 0..65535, got "${text}"`);
  return n;
}

export function positiveIntArg(flag: string) {
  return (text: string): number => {
    if (!/^\d+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError(`${flag} must be a positive integer, got "${text}"`);
    return Number(text);
  };
}

export function unixSecondsArg(flag: string) {
  return (text: string): number => {
    if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`${flag} must be Unix seconds, got "${text}"`);
    return Number(text);
  };
}
