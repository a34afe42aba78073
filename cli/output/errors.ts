// The two ways a command ends badly, each with its exit code: 1 when something was refused or
// failed (the server's reason, a build error, a rejected module), 2 when the command itself was
// used wrongly (an unknown flag, a missing argument). main.ts prints the message on one line.

/**
 * Exit 1: refused or failed. `code` is the server's or the pipeline's error code, when there is
 * one; `details` go into the --json error object beside code and message.
 */
export class Failure extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Exit 2: wrong usage; the command's usage line follows the message. */
export class UsageError extends Error {}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
