// `wxlogin exec` as text: one note on stderr when the servers listen and one when all is stopped (stdout is the
// command's).
import type { ChalkInstance } from 'chalk';
import type { Services } from './run.js';

/** An argument as a POSIX shell would need it typed: bare when it is safe, else single-quoted. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function startedLine(s: Pick<Services, 'mockUrl' | 'backendUrl' | 'tls' | 'app'>, cmd: readonly string[], ce: ChalkInstance): string {
  const tls = s.tls ? ` and ${ce.bold(s.tls.url)}${s.tls.proxyUrl ? ` (proxy ${s.tls.proxyUrl})` : ''}` : '';
  const backend = s.backendUrl ? `, reference backend ${ce.bold(s.backendUrl)}` : '';
  return ce.dim(`wxlogin exec: mock WeChat ${ce.bold(s.mockUrl)}${tls} (app ${s.app.appid})${backend}; running ${cmd.map(shellQuote).join(' ')}`);
}

export function stoppedLine(cmd: readonly string[], status: number, ce: ChalkInstance): string {
  // 128 + N may be signal N or a plain exit code: the same number either way, as a shell's $? has it.
  return ce.dim(`wxlogin exec: ${shellQuote(cmd[0] ?? '')} ended with exit status ${status}; servers stopped`);
}
