import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createLogger } from "../../collectors/core/log.ts";
import type { BatchLimits } from "../../collectors/core/page-batch.ts";
import { collectSource, type RunContext } from "../../collectors/core/runner.ts";
import { defineStream, type Source, type StreamProgress } from "../../collectors/core/stream.ts";
import type { Config } from "../../schemas/config.ts";
import { Warehouse } from "../../warehouse/warehouse.ts";
import { withTempDir } from "../helpers/db.ts";

// The runner on a synthetic stream against a DuckDB file: pages are written in batches, each with
// the cursor it reaches, and a stream that reads the warehouse sees its own pending pages.

const Item = z.object({ id: z.number(), at: z.string() });
type Item = z.infer<typeof Item>;

interface Plan {
  /** Partitions collected at once (the stream's concurrency). */
  concurrency?: number;
  /** Partition names (default a, b). */
  partitions?: string[];
  /** Pages per partition, each with `perPage` items. */
  pages: number;
  perPage?: number;
  /** Throw an HTTP error (default 500) instead of yielding this page (1-based) of this partition. */
  failAt?: { partition: string; page: number; status?: number };
  /** Put an invalid item on this page of this partition. */
  invalidAt?: { partition: string; page: number };
  /** A second stream after the first (to see whether it is asked). */
  secondStream?: boolean;
  /** Put a row with an unknown column on this page (the warehouse write fails). */
  badRowAt?: { partition: string; page: number };
}

const at = (partition: string, n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + (partition.charCodeAt(0) - 97) * 1e9 + n * 60_000).toISOString();

function testSource(plan: Plan, seen: { since: Map<string, string | undefined>; finishCounts: Map<string, number> }): Source {
  const stream = defineStream<Item, string>({
    id: "test.items",
    item: Item,
    itemId: (raw) => String((raw as { id?: unknown }).id),
    partitions: () => plan.partitions ?? ["a", "b"],
    concurrency: () => plan.concurrency ?? 1,
    partitionKey: (p) => p,
    order: "asc",
    async *pages(_ctx, partition, since) {
      seen.since.set(partition, since);
      const perPage = plan.perPage ?? 3;
      for (let page = 1; page <= plan.pages; page++) {
        // Let other partitions' requests interleave, as real HTTP does.
        await new Promise((r) => setTimeout(r, (page * 7 + partition.length) % 3));
        if (plan.failAt?.partition === partition && plan.failAt.page === page) throw Object.assign(new Error("server error"), { status: plan.failAt.status ?? 500 });
        const items: unknown[] = [];
        for (let i = 0; i < perPage; i++) {
          const n = (page - 1) * perPage + i;
          if (since && at(partition, n) <= since) continue;
          items.push(plan.invalidAt?.partition === partition && plan.invalidAt.page === page && i === 1 ? { id: "x", at: 1 } : { id: n, at: at(partition, n) });
        }
        yield { url: `/items/${partition}?page=${page}`, items };
      }
    },
    toRows: (item, _ctx, partition) => ({
      "core.deployments": [
        {
          deployment_id: `test:deployment:${partition}:${item.id}`,
          source: "test",
          service: "api",
          repo: partition,
          status: "success",
          is_production: true,
          finished_at: item.at,
          ...(plan.badRowAt?.partition === partition && item.id === (plan.badRowAt.page - 1) * (plan.perPage ?? 3) ? { no_such_column: 1 } : {}),
        },
      ],
    }),
    cursorOf: (item) => item.at,
    // Reads what this partition's pages wrote: it must see every one of them.
    finish: async (ctx, partition) => {
      const row = await ctx.warehouse.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM core.deployments WHERE repo = ?", [partition]);
      seen.finishCounts.set(partition, row?.n ?? -1);
    },
  });
  const second = defineStream<Item, string>({ ...stream, id: "test.second", partitions: () => ["z"], finish: undefined });
  return { name: "test", enabled: () => true, streams: plan.secondStream ? [stream, second] : [stream], credentials: () => "the token in TEST_TOKEN" };
}

/** The warehouse with its transactions counted (a proxy over the real one). */
function counting(w: Warehouse): { w: Warehouse; transactions: () => number } {
  let n = 0;
  const proxy = new Proxy(w, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop === "transaction") return (fn: () => Promise<unknown>) => (n++, target.transaction(fn));
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { w: proxy, transactions: () => n };
}

async function run(w: Warehouse, plan: Plan & { full?: boolean }, committed?: () => number) {
  const seen = { since: new Map<string, string | undefined>(), finishCounts: new Map<string, number>(), progress: [] as (StreamProgress & { committed: number })[] };
  const ctx: RunContext = {
    progress: (p) => seen.progress.push({ ...p, committed: committed?.() ?? 0 }),
    config: {} as Config,
    log: createLogger({ level: "error", write: () => undefined }),
    runId: `run-${Math.random()}`,
    full: plan.full,
    requests: { count: 0 },
    warehouse: w,
    batchLimits: limits,
  };
  const result = await collectSource(testSource(plan, seen), ctx);
  return { result, seen };
}

const cursors = async (w: Warehouse) =>
  Object.fromEntries((await w.all<{ partition: string; cursor: string }>("SELECT partition, cursor FROM sync.cursors WHERE stream = 'test.items'")).map((r) => [r.partition, r.cursor]));
const ids = async (w: Warehouse, repo: string) =>
  (await w.all<{ id: string }>("SELECT deployment_id AS id FROM core.deployments WHERE repo = ? ORDER BY finished_at", [repo])).map((r) => Number(r.id.split(":").at(-1)));

/** Flush thresholds of the runs a test makes (the defaults unless it sets some). */
let limits: Partial<BatchLimits> = {};
afterEach(() => {
  limits = {};
});

describe("collector runner: batched page writes", () => {
  it("writes 2 × 120 pages in a handful of transactions, each partition's cursor at its newest item, and finish() sees every page", async () => {
    await withTempDir(async (dir) => {
      const w = await Warehouse.open(join(dir, "w.duckdb"));
      try {
        const { w: cw, transactions } = counting(w);
        const { result, seen } = await run(cw, { pages: 120 });
        expect(result.status).toBe("success");
        expect(result.streams[0]).toMatchObject({ partitions: 2, pages: 240, rows: 720 });
        expect(seen.finishCounts.get("a")).toBe(360);
        expect(seen.finishCounts.get("b")).toBe(360);
        // Progress: each partition as it starts, then every page, counting up.
        expect(seen.progress[0]).toEqual({ stream: "test.items", partition: "a", index: 1, partitions: 2, pages: 0, rows: 0, committed: 0 });
        expect(seen.progress.filter((p) => p.partition === "b")[0]).toMatchObject({ index: 2, pages: 120 });
        expect(seen.progress.at(-1)).toMatchObject({ partition: "b", pages: 240 });
        expect(seen.progress.at(-1)!.rows).toBeGreaterThan(360);
        // 240 pages at ≤ 100 a batch, plus the flushes finish() asks for: far fewer than one a page.
        expect(transactions()).toBeGreaterThanOrEqual(3);
        expect(transactions()).toBeLessThanOrEqual(8);
        expect(await cursors(w)).toEqual({ a: at("a", 359), b: at("b", 359) });
        expect((await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM raw.pages WHERE stream = 'test.items'"))?.n).toBe(240);
        // The next run starts from the stored cursors and duplicates nothing.
        const again = await run(cw, { pages: 120 });
        expect(again.seen.since.get("a")).toBe(at("a", 359));
        expect(again.result.streams[0]!.rows).toBe(0);
        expect((await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM core.deployments"))?.n).toBe(720);
      } finally {
        w.close();
      }
    });
  });

  it("a request failing mid-partition keeps the pages before it with their cursor; the next run resumes there", async () => {
    await withTempDir(async (dir) => {
      const w = await Warehouse.open(join(dir, "w.duckdb"));
      try {
        const { result } = await run(w, { pages: 10, failAt: { partition: "b", page: 7 } });
        expect(result.status).toBe("failure");
        expect(result.error).toMatch(/\[b\] server error/);
        expect(await ids(w, "a")).toHaveLength(30);
        expect(await ids(w, "b")).toEqual(Array.from({ length: 18 }, (_, i) => i));
        expect(await cursors(w)).toEqual({ a: at("a", 29), b: at("b", 17) });
        const again = await run(w, { pages: 10 });
        expect(again.seen.since.get("b")).toBe(at("b", 17));
        expect(await ids(w, "b")).toEqual(Array.from({ length: 30 }, (_, i) => i));
      } finally {
        w.close();
      }
    });
  });

  it("an invalid item keeps the pages before it and its own raw page, and the other partition goes on", async () => {
    await withTempDir(async (dir) => {
      const w = await Warehouse.open(join(dir, "w.duckdb"));
      try {
        const { result } = await run(w, { pages: 5, invalidAt: { partition: "a", page: 3 } });
        expect(result.status).toBe("failure");
        expect(result.error).toMatch(/test\.items.*\ba\b.*x/s);
        expect(await ids(w, "a")).toEqual([0, 1, 2, 3, 4, 5]);
        expect(await ids(w, "b")).toHaveLength(15);
        const raw = await w.all<{ url: string }>("SELECT url FROM raw.pages WHERE partition = 'a' ORDER BY url");
        expect(raw.map((r) => r.url)).toEqual(["/items/a?page=1", "/items/a?page=2", "/items/a?page=3"]);
        expect((await cursors(w)).a).toBe(at("a", 5));
      } finally {
        w.close();
      }
    });
  });

  it("a batch the warehouse refuses is rolled back whole: its rows and its cursor are not written, earlier batches stay", async () => {
    await withTempDir(async (dir) => {
      const w = await Warehouse.open(join(dir, "w.duckdb"));
      try {
        limits = { pages: 2 };
        const { result } = await run(w, { pages: 6, badRowAt: { partition: "a", page: 4 } });
        expect(result.status).toBe("failure");
        expect(result.error).toMatch(/unknown column "no_such_column"/);
        // Pages 1–2 committed; the batch of pages 3–4 failed; nothing after it was kept.
        expect(await ids(w, "a")).toEqual([0, 1, 2, 3, 4, 5]);
        expect((await cursors(w)).a).toBe(at("a", 5));
      } finally {
        w.close();
      }
    });
  });

  it("four partitions at a time store exactly what one at a time stores, and finish() of each still sees all its pages", async () => {
    await withTempDir(async (dir) => {
      const partitions = ["a", "b", "c", "d", "e", "f"];
      const dump = async (w: Warehouse) => ({
        rows: await w.all("SELECT deployment_id, repo, finished_at FROM core.deployments ORDER BY 1"),
        cursors: await cursors(w),
        pages: (await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM raw.pages"))!.n,
      });
      const serial = await Warehouse.open(join(dir, "serial.duckdb"));
      const parallel = await Warehouse.open(join(dir, "parallel.duckdb"));
      try {
        limits = { pages: 7 };
        const one = await run(serial, { pages: 30, partitions });
        const four = await run(parallel, { pages: 30, partitions, concurrency: 4 });
        expect(four.result.status).toBe("success");
        expect(four.result.streams[0]).toMatchObject({ partitions: 6, pages: 180, rows: 540 });
        expect(await dump(parallel)).toEqual(await dump(serial));
        for (const p of partitions) expect(four.seen.finishCounts.get(p)).toBe(one.seen.finishCounts.get(p));
        expect(four.seen.finishCounts.get("f")).toBe(90);
      } finally {
        serial.close();
        parallel.close();
      }
    });
  });

  it("with partitions collected at once, a failing partition stays in its partition: the others are collected whole, the run names it, the next run fetches only what failed", async () => {
    await withTempDir(async (dir) => {
      const w = await Warehouse.open(join(dir, "w.duckdb"));
      try {
        limits = { pages: 3 };
        const partitions = ["a", "b", "c", "d"];
        const { result } = await run(w, { pages: 12, partitions, concurrency: 3, failAt: { partition: "b", page: 5 } });
        expect(result.status).toBe("failure");
        expect(result.error).toBe("test.items: [b] server error");
        expect(result.streams[0]!.failedPartitions).toEqual([{ partition: "b", reason: "server error" }]);
        expect(result.streams[0]!.partitions).toBe(3);
        const stored = await cursors(w);
        for (const p of partitions) {
          const have = await ids(w, p);
          // Rows run 0…n-1 without a gap, and the cursor is the newest of them.
          expect(have).toEqual(Array.from({ length: have.length }, (_, i) => i));
          expect(stored[p]).toBe(have.length ? at(p, have.length - 1) : undefined);
        }
        for (const p of ["a", "c", "d"]) expect(await ids(w, p)).toHaveLength(36);
        expect(await ids(w, "b")).toHaveLength(12);
        // The next run asks the others only for what is newer than their cursor, and b from its own.
        const again = await run(w, { pages: 12, partitions, concurrency: 3 });
        expect(again.result.status).toBe("success");
        expect(again.result.streams[0]!.rows).toBe(24);
        expect(again.seen.since.get("b")).toBe(at("b", 11));
        for (const p of ["a", "c", "d"]) expect(again.seen.since.get(p)).toBe(at(p, 35));
        for (const p of partitions) expect(await ids(w, p)).toHaveLength(36);
      } finally {
        w.close();
      }
    });
  });

  it("with partitions collected at once, a batch the warehouse refuses stops the stream and leaves no partition with a gap", async () => {
    await withTempDir(async (dir) => {
      const w = await Warehouse.open(join(dir, "w.duckdb"));
      try {
        limits = { pages: 2 };
        const partitions = ["a", "b", "c"];
        const { result } = await run(w, { pages: 10, partitions, concurrency: 3, badRowAt: { partition: "b", page: 4 } });
        expect(result.status).toBe("failure");
        expect(result.error).toMatch(/unknown column "no_such_column"/);
        const stored = await cursors(w);
        for (const p of partitions) {
          const have = await ids(w, p);
          expect(have).toEqual(Array.from({ length: have.length }, (_, i) => i));
          expect(stored[p]).toBe(have.length ? at(p, have.length - 1) : undefined);
        }
        expect((await ids(w, "b")).length).toBeLessThan(12);
      } finally {
        w.close();
      }
    });
  });
  it("pages wait while a batch's rows are being written: when DuckDB is slower than the pages come, at most one batch waits (memory stays flat)", async () => {
    await withTempDir(async (dir) => {
      const w = await Warehouse.open(join(dir, "w.duckdb"));
      try {
        // batches of 2 pages' rows (3 rows a page)
        limits = { rows: 6 };
        // A slow warehouse: each batch takes 15 ms to commit; pages come every 0–2 ms.
        let pending = 0;
        let committed = 0;
        const slow = new Proxy(w, {
          get(target, prop, receiver) {
            const value: unknown = Reflect.get(target, prop, receiver);
            if (prop === "upsert") {
              return (table: string, rows: readonly unknown[], options?: unknown) => {
                if (table === "raw.pages") pending += rows.length;
                return target.upsert(table, rows as never, options as never);
              };
            }
            if (prop === "transaction") {
              return async (fn: () => Promise<unknown>) => {
                await new Promise((r) => setTimeout(r, 15));
                const out = await target.transaction(fn);
                committed += pending;
                pending = 0;
                return out;
              };
            }
            return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          },
        });
        const { result, seen } = await run(slow, { pages: 60, partitions: ["a"] }, () => committed);
        expect(result.status).toBe("success");
        expect(await ids(w, "a")).toEqual(Array.from({ length: 180 }, (_, i) => i));
        // Fetched but not committed: the batch being written, the one filling, the page in hand.
        const backlog = Math.max(...seen.progress.map((p) => p.pages - p.committed));
        expect(backlog).toBeLessThanOrEqual(2 * 2 + 1);
      } finally {
        w.close();
      }
    });
  });

  it("credentials refused on the source's first request fail the source, naming what to check; its other streams are not asked", async () => {
    await withTempDir(async (dir) => {
      const w = await Warehouse.open(join(dir, "w.duckdb"));
      try {
        for (const status of [401, 403]) {
          const { result, seen } = await run(w, { pages: 3, partitions: ["a", "b", "c"], failAt: { partition: "a", page: 1, status }, secondStream: true });
          expect(result.status).toBe("failure");
          expect(result.error).toBe(`test: the API refused the credentials (HTTP ${status} ${status === 401 ? "unauthorized" : "forbidden"}); check the token in TEST_TOKEN — server error`);
          expect(result.streams.map((s) => s.stream)).toEqual(["test.items"]);
          expect([...seen.since.keys()]).toEqual(["a"]);
          const logged = await w.one<{ status: string; error: string }>("SELECT status, error FROM sync.runs WHERE source = 'test' ORDER BY started_at DESC LIMIT 1");
          expect(logged).toEqual({ status: "failure", error: result.error });
        }
      } finally {
        w.close();
      }
    });
  });

  it("a 403 or 404 on one partition after others were read is a failed partition: the rest are collected, the source fails naming it", async () => {
    await withTempDir(async (dir) => {
      const w = await Warehouse.open(join(dir, "w.duckdb"));
      try {
        for (const status of [403, 404]) {
          const { result } = await run(w, { pages: 3, partitions: ["a", "b", "c"], failAt: { partition: "b", page: 1, status }, secondStream: true, full: true });
          expect(result.status).toBe("failure");
          expect(result.streams.map((s) => s.stream)).toEqual(["test.items", "test.second"]);
          expect(result.streams[0]!.failedPartitions.map((f) => f.partition)).toEqual(["b"]);
          expect(result.error).toMatch(status === 404 ? /^test\.items: \[b\] not found: server error$/ : /^test\.items: \[b\] refused \(HTTP 403\) while other partitions were read/);
          expect(await ids(w, "c")).toHaveLength(9);
        }
      } finally {
        w.close();
      }
    });
  });
});
