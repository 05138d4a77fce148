// What is wrong with a --session-key or --iv, told the way a person can fix it: "decodes to 2 bytes" rather than
// "not base64" for `abc`. Both are base64 of 16 bytes: 24 characters ending in `==`
// (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html).

/** Characters standard base64 uses (the padding `=` aside). */
const ALPHABET = /[A-Za-z0-9+/]/;

/**
 * Undefined when `value` is strict, padded base64 of 16 bytes; else a sentence naming `flag` and what is wrong:
 * a character outside the alphabet, the byte count it decodes to, or missing padding.
 */
export function sixteenByteProblem(value: string, flag: string): string | undefined {
  const body = value.replace(/=+$/, '');
  const bad = [...body].find((ch) => !ALPHABET.test(ch));
  if (bad !== undefined) {
    const shown = bad === '-' || bad === '_' ? `"${bad}" (URL-safe base64: use + and / instead of - and _)` : JSON.stringify(bad);
    return `${flag} is not base64: it holds ${shown}; it must be base64 of 16 bytes (24 characters ending in ==)`;
  }
  // Whole groups of 4 characters make 3 bytes; a trailing group of 2 or 3 makes 1 or 2 (a lone 1 makes none).
  const bytes = Math.floor(body.length / 4) * 3 + Math.max(0, (body.length % 4) - 1);
  if (bytes !== 16) return `${flag} decodes to ${bytes} byte${bytes === 1 ? '' : 's'}; it must be base64 of 16 bytes (24 characters ending in ==)`;
  if (value !== `${body}==`) return `${flag} decodes to 16 bytes but is not padded: write it as 24 characters ending in ==`;
  return undefined;
}
