import type { z } from "zod";
import type { Config } from "../../schemas/config.ts";
import { formatPath } from "../../schemas/load-config.ts";
import { redact } from "./secrets.ts";
import type { Source } from "./stream.ts";

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

/** A request that got no HTTP answer (refused connection, unknown host, reset, timeout). */
export function isUnreachable(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown; message?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string" && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_SOCKET)$/.test(e.code)) return true;
    if (typeof e.message === "string" && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH/.test(e.message)) return true;
  }
  return false;
}

/** 401 or 403: the API refused the credentials (or their access to one item). */
export function isRefusal(error: unknown): boolean {
  const status = httpStatusOf(error);
  return status === 401 || status === 403;
}

/**
 * What an operator checks when a source's credentials are refused: the source's own description,
 * else the variable named by `sources.<name>.token_env` (any source configured that way gets this).
 */
export function credentialsOf(source: Source, config: Config): string {
  if (source.credentials) return source.credentials(config);
  const settings = (config.sources as Record<string, { token_env?: unknown } | undefined> | undefined)?.[source.name];
  const env = settings?.token_env;
  return typeof env === "string" ? `the token in ${env} (sources.${source.name}.token_env): set, not expired or revoked, with read access to what the config lists` : `the credentials of sources.${source.name}`;
}

/** The source-level failure for credentials the API refused before it accepted any request. */
export function refusedMessage(run: { source: string; credentials: string }, error: unknown): string {
  const status = httpStatusOf(error);
  const what = status === 401 ? "unauthorized" : "forbidden";
  return `${run.source}: the API refused the credentials (HTTP ${status} ${what}); check ${run.credentials} — ${redact(error instanceof Error ? error.message : String(error))}`;
}
