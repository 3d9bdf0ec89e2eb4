import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { PipelineEvent, completeEvent, describeEventIssues, type StoredEvent } from "../../schemas/events.ts";
import type { Logger } from "../core/log.ts";
import { appendToSpool } from "./spool.ts";

export interface ReceiverOptions {
  /** Spool folder the events are appended to. */
  dir: string;
  token: string;
  port: number;
  host?: string;
  maxBodyBytes: number;
  /** Requests per second, on average. */
  ratePerSecond: number;
  /** Requests accepted at once before the rate applies (default: two seconds' worth, at least 1). */
  burst?: number;
  /** How long events wait for others to share one spool write (ms). */
  batchMs?: number;
  log: Logger;
  /** Spool file name prefix (one writer per prefix and day). */
  writer?: string;
}

export interface Receiver {
  url: string;
  server: Server;
  /** Stops accepting, answers the requests in flight, writes what is queued, then resolves. */
  close: () => Promise<void>;
  /** Events made durable so far. */
  stored: () => number;
}

const Batch = z.union([z.array(z.unknown()).min(1).max(10_000), z.strictObject({ events: z.array(z.unknown()).min(1).max(10_000) })]);

/**
 * `dora serve`: POST /events (one event or a batch), /deployments and /incidents (the kind is
 * implied). Checks in order: rate (429), token (401), content type (415), size (413), JSON and
 * fields (400). Events are appended to the spool in batches and a 202 is sent only once the batch
 * is fsynced: a client that gets no 202 sends again, and the event id makes that harmless
 * (at-least-once).
 */
export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const expected = digest(options.token);
  const burst = options.burst ?? Math.max(1, options.ratePerSecond * 2);
  const bucket = { tokens: burst, at: Date.now() };
  const writer = options.writer ?? "serve";
  let pending: { events: StoredEvent[]; done: (error?: Error) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let stored = 0;

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return writing;
    // One write at a time, in arrival order: a later batch never becomes durable before an earlier one.
    writing = writing.then(async () => {
      const events = batch.flatMap((b) => b.events);
      try {
        await appendToSpool(options.dir, writer, events);
        stored += events.length;
        for (const b of batch) b.done();
      } catch (error) {
        options.log.error(`spool write to ${options.dir} failed: ${(error as Error).message}`);
        for (const b of batch) b.done(error as Error);
      }
    });
    return writing;
  };

  const enqueue = (events: StoredEvent[]) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ events, done: (error) => (error ? reject(error) : resolve()) });
      if (pending.reduce((n, b) => n + b.events.length, 0) >= 1000) void flush();
      else timer ??= setTimeout(() => void flush(), options.batchMs ?? 20);
    });

  const takeToken = (): boolean => {
    const now = Date.now();
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * options.ratePerSecond);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/healthz") return send(res, 200, { ok: true });
    const kind = path === "/deployments" ? "deployment" : path === "/incidents" ? "incident" : path === "/events" ? undefined : null;
    if (kind === null) return send(res, 404, { error: `no such endpoint ${path} (POST /events, /deployments or /incidents)` });
    if (req.method !== "POST") return send(res, 405, { error: "use POST" }, { allow: "POST" });
    if (!takeToken()) return send(res, 429, { error: "too many requests" }, { "retry-after": "1" });
    const auth = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
    // Compared as digests of equal length, in constant time: the time taken says nothing about the token.
    if (!auth || !timingSafeEqual(digest(auth[1]!.trim()), expected)) {
      return send(res, 401, { error: "missing or wrong bearer token" }, { "www-authenticate": 'Bearer realm="dora"' });
    }
    const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/json") return send(res, 415, { error: "expected content-type: application/json" });
    const declared = Number(req.headers["content-length"] ?? "NaN");
    if (declared > options.maxBodyBytes) return send(res, 413, { error: `body larger than ${options.maxBodyBytes} bytes` }, { connection: "close" });
    const body = await readBody(req, options.maxBodyBytes);
    if (body === undefined) return send(res, 413, { error: `body larger than ${options.maxBodyBytes} bytes` }, { connection: "close" });
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch (error) {
      return send(res, 400, { error: `body is not JSON: ${(error as Error).message}` });
    }
    const list = Array.isArray(json) || (json && typeof json === "object" && "events" in json) ? Batch.safeParse(json) : undefined;
    if (list && !list.success) return send(res, 400, { error: describeEventIssues(list.error) });
    const raw: unknown[] = list?.success ? (Array.isArray(list.data) ? list.data : list.data.events) : [json];
    const batch = list !== undefined;
    const events: StoredEvent[] = [];
    const now = new Date();
    for (const [i, item] of raw.entries()) {
      const withKind = kind && item && typeof item === "object" && !("kind" in item) ? { ...item, kind } : item;
      const parsed = PipelineEvent.safeParse(withKind);
      if (!parsed.success) return send(res, 400, { error: describeEventIssues(parsed.error, batch ? `events[${i}]` : "") });
      if (kind && parsed.data.kind !== kind) return send(res, 400, { error: `${batch ? `events[${i}].` : ""}kind: expected "${kind}" at ${path}` });
      events.push(completeEvent(parsed.data, now));
    }
    try {
      await enqueue(events);
    } catch {
      return send(res, 503, { error: "the events could not be stored; send them again" }, { "retry-after": "5" });
    }
    return send(res, 202, { accepted: events.length, ids: events.map((e) => e.id) });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.log.error(`request failed: ${(error as Error).message}`);
      if (!res.headersSent) send(res, 500, { error: "internal error" });
    });
  });
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    server,
    stored: () => stored,
    close: async () => {
      // No new connections; idle keep-alive ones are dropped, requests in flight finish and are answered.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await flush();
    },
  };
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(`${JSON.stringify(body)}\n`);
}

/** The body, or undefined once it passes `limit` bytes (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
