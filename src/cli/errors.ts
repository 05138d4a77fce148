// The one error type commands throw for the user to read.

/**
 * A failure the user caused or should know about: printed as one line, no stack unless --verbose.
 * `code` is a stable machine name (`bad_padding`, `unreachable`, ...) that --json output carries;
 * `reported` means the command already printed its own account (a failed flow's checklist), so only the exit
 * code is left to set.
 */
export class CliError extends Error {
  readonly exitCode: number;
  readonly code: string | undefined;
  readonly reported: boolean;
  constructor(message: string, options: { exitCode?: number; cause?: unknown; code?: string; reported?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? 1;
    this.code = options.code;
    this.reported = options.reported ?? false;
  }
}

/** A usage error (exit code 2): a bad flag value or a combination that cannot work. */
export function usageError(message: string, code?: string): CliError {
  return new CliError(message, { exitCode: 2, ...(code ? { code } : {}) });
}
