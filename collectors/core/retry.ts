import type { Logger } from "./log.ts";

/**
 * One retry policy for the clients that retry by themselves (GitLab, PagerDuty, Prometheus; GitHub's
 * requests go through Octokit's retry and throttling plugins): how many attempts, how long to back off,
 * how long a server may make us wait, and the pause until a spent rate-limit window resets. Each client
 * keeps only what differs: which answers deserve another attempt, how its server states a wait, and
 * its error messages.
 *
 * Written here rather than taken from a library, after reading the two candidates:
 * - undici's RetryAgent retries only requests dispatched through undici, and pdjs (PagerDuty) sends
 *   through node-fetch with a node:http agent, so one of the three clients could not use it. It also
 *   shortens a `Retry-After` longer than `maxTimeout` to `maxTimeout` (the retry lands inside the
 *   window and is refused again) where we fail naming the wait, knows no `RateLimit-Reset`, and in the
 *   6.x line reads an HTTP-date `Retry-After` as NaN and backs off instead.
 * - p-retry runs the loop, but each wait comes from its own factor and bounds: a wait named by the
 *   server cannot replace the back-off of one attempt (only be slept on top of it in a callback), and
 *   it reads no header.
 * What remains to share is the loop below and two header readers.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Back-off when the server names no wait: baseDelayMs × 2^(attempt − 1), at most maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * A wait the server asks for beyond this is not waited: the request fails saying how long the server
   * asked, so a nightly run ends with a clear message instead of sleeping for hours.
   */
  maxServerWaitMs: number;
}

/** A wait the server asked for, and which header said so (for logs and errors). */
export interface ServerWait {
  ms: number;
  from: string;
}

/** Why the request stopped: attempts used up, or the server asked for a wait beyond maxServerWaitMs. */
export interface GiveUp {
  /** Attempts made, the last included. */
  attempts: number;
  /** Set when the server's wait is what ended it. */
  tooLong?: ServerWait;
}

/** An attempt that did not succeed, as its client sees it. */
export class AttemptFailed {
  constructor(
    /** What went wrong, for the log ("HTTP 503: …", "ECONNRESET"). */
    readonly reason: string,
    /** Whether another attempt may succeed (429, most 5xx, no answer). */
    readonly retryable: boolean,
    /** The error the request fails with. */
    readonly error: (end: GiveUp) => Error,
    /** The wait the server named, if any (else the policy backs off). */
    readonly wait?: ServerWait,
  ) {}
}

export interface RetryRun {
  /** Names the request in the retry log line ("GitLab GET /api/v4/…"). */
  label: string;
  log?: Logger;
  /** Injected in tests to record the waits; a timer otherwise. */
  sleep?: (ms: number) => Promise<void>;
}

export const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function backoffMs(policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

/**
 * Calls `attempt` (numbered from 1) until it returns a value, or an AttemptFailed that is not
 * retryable, that used the last attempt, or whose server wait is beyond the policy's limit; that
 * failure's error is thrown. Between attempts it waits as the server said, else backs off.
 */
export async function withRetries<T>(policy: RetryPolicy, run: RetryRun, attempt: (n: number) => Promise<T | AttemptFailed>): Promise<T> {
  const sleep = run.sleep ?? sleepFor;
  for (let n = 1; ; n++) {
    const outcome = await attempt(n);
    if (!(outcome instanceof AttemptFailed)) return outcome;
    if (!outcome.retryable || n >= policy.attempts) throw outcome.error({ attempts: n });
    if (outcome.wait && outcome.wait.ms > policy.maxServerWaitMs) throw outcome.error({ attempts: n, tooLong: outcome.wait });
    const ms = outcome.wait ? outcome.wait.ms : backoffMs(policy, n);
    run.log?.warn(`${run.label}: ${outcome.reason}; retrying in ${ms} ms, attempt ${n + 1} of ${policy.attempts}${outcome.wait ? ` (${outcome.wait.from})` : ""}`);
    await sleep(ms);
  }
}

interface HeadersLike {
  get(name: string): string | null;
}

/** `Retry-After` in ms: delay-seconds or an HTTP date (RFC 9110 §10.2.3); a past date waits 0. */
export function retryAfterMs(headers: HeadersLike, now = Date.now()): number | undefined {
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A non-negative number header (`RateLimit-Remaining`, `RateLimit-Reset`), else undefined. */
export function numberHeader(headers: HeadersLike, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null || value.trim() === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * Holds requests while a rate-limit window is spent: a response that says nothing is left in the
 * window (`RateLimit-Remaining: 0`) closes the gate until the window resets, so the next request waits
 * for the reset instead of running into a 429. One gate per client: its requests share the window.
 */
export class RateLimitGate {
  private until = 0;

  constructor(
    private readonly describe: string,
    private readonly log?: Logger,
    private readonly sleep: (ms: number) => Promise<void> = sleepFor,
  ) {}

  /** Closes the gate until `at` (epoch ms); a later reset already set wins. */
  closeUntil(at: number): void {
    this.until = Math.max(this.until, at);
  }

  /** Waits until the window resets, if it is spent. */
  async pass(): Promise<void> {
    const wait = this.until - Date.now();
    if (wait > 0) {
      this.log?.info(`${this.describe} rate limit spent; waiting ${wait} ms for the window to reset`);
      await this.sleep(wait);
    }
    // The window has reset: the next response says what is left in the new one.
    this.until = 0;
  }
}
