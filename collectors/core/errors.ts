import type { z } from "zod";
import { formatPath } from "../../schemas/load-config.ts";

/** An API item that does not match what we read: names the stream, partition, item and field. */
export class InvalidItemError extends Error {
  readonly code = "INVALID_ITEM";
  constructor(
    readonly stream: string,
    readonly partition: string,
    readonly itemId: string,
    readonly issues: z.core.$ZodIssue[],
  ) {
    const first = issues[0];
    super(
      `${stream} [${partition}] item ${itemId}: ${first ? `${formatPath(first.path as PropertyKey[])}: ${first.message}` : "invalid"}` +
        (issues.length > 1 ? ` (+${issues.length - 1} more)` : "") +
        " — the raw page is kept in raw.pages for diagnosis",
    );
  }
}

/** HTTP status from an error thrown by any of the official clients (Octokit, gitbeaker, fetch). */
export function httpStatusOf(error: unknown): number | undefined {
  const e = error as { status?: unknown; response?: { status?: unknown }; cause?: { response?: { status?: unknown } } };
  const status = e?.status ?? e?.response?.status ?? e?.cause?.response?.status;
  return typeof status === "number" ? status : undefined;
}
