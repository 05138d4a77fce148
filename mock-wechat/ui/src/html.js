// htm bound to Preact's h: components are written as tagged templates, so the page needs no JSX step.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);

/** A short relative time: "in 1h 59m", "3m ago". */
export function relative(ms) {
  const abs = Math.abs(ms);
  const s = Math.round(abs / 1000);
  const text = s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : s < 86400 ? `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m` : `${Math.floor(s / 86400)}d`;
  return ms > 0 ? `in ${text}` : `${text} ago`;
}
