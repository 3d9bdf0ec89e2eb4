/** Exit codes of the `dora` command (documented in README and `dora --help`). */
export const EXIT = { ok: 0, failed: 1, usage: 2, locked: 3 } as const;

/** A mistake in how the command was called or configured: exit code 2, no stack trace. */
export class UsageError extends Error {
  readonly code = "USAGE";
}

/** Something ran and failed (a source, a transform): exit code 1 with a summary. */
export class RunFailedError extends Error {
  readonly code = "RUN_FAILED";
}
