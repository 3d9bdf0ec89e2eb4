/**
 * Crash safety of `dora collect`: a process killed with SIGKILL at any moment, then run again, must
 * leave exactly the warehouse of an uninterrupted run (no duplicate, no gap). GitLab and PagerDuty
 * in one config, small pages (many per-page transactions).
 *
 * Kill points are seeded and counted in requests, not in wall time (the machine's load must not
 * decide where a kill lands): the child is killed a seeded 0–40 ms after the proxy in front of
 * the simulators delivered its n-th response, i.e. while it parses, validates or writes that
 * page, or waits for the next one.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTempDir } from "../../helpers/db.ts";
import { configYaml, counts, dora, dumpWarehouse, prng, query, startDelayProxy, startSims, TOKENS_ENV, type Sims, type Tap } from "./harness.ts";

const SEED = 20261122;
const KILLS = 10;

let sims: Sims;
const tap: Tap = { responses: 0 };
let proxies: { url: string; close(): Promise<void> }[] = [];

beforeAll(async () => {
  sims = await startSims();
  proxies = [await startDelayProxy(sims.gitlab.url, 2, tap), await startDelayProxy(sims.pagerduty.url, 2, tap)];
});
afterAll(async () => {
  for (const p of proxies) await p.close();
  await sims?.close();
});

function prepare(dir: string): string {
  mkdirSync(dir);
  writeFileSync(
    join(dir, "dora.config.yaml"),
    configYaml({ warehouse: join(dir, "warehouse.duckdb"), gitlabUrl: proxies[0]!.url, pagerdutyUrl: proxies[1]!.url, pageSize: 3 }),
  );
  return join(dir, "warehouse.duckdb");
}

/** `dora collect`, SIGKILLed `delayMs` after the proxy delivered response number `at` of this run. */
async function collectKilledAt(dir: string, at: number, delayMs: number) {
  let child: ChildProcess | undefined;
  let timer: NodeJS.Timeout | undefined;
  tap.responses = 0;
  tap.onResponse = (n) => {
    if (n === at && child) timer = setTimeout(() => child!.kill("SIGKILL"), delayMs);
  };
  try {
    return await dora(["collect"], dir, { env: TOKENS_ENV, onSpawn: (c) => (child = c) });
  } finally {
    clearTimeout(timer);
    tap.onResponse = undefined;
  }
}

describe("dora collect killed with SIGKILL, then run again", () => {
  it(`ends with the warehouse of an uninterrupted run (${KILLS} seeded kill points)`, { timeout: 300_000 }, async () => {
    await withTempDir(async (root) => {
      // 1. The reference: one clean run, and how many requests it takes.
      const cleanDir = join(root, "clean");
      const cleanWarehouse = prepare(cleanDir);
      tap.responses = 0;
      const clean = await dora(["collect"], cleanDir, { env: TOKENS_ENV });
      expect(clean.code, clean.stderr).toBe(0);
      const requests = tap.responses;
      const reference = await dumpWarehouse(cleanWarehouse);
      const referenceCounts = await counts(cleanWarehouse);
      // Enough data for many pages of both sources.
      expect(referenceCounts["core.deployments"]).toBe(34);
      expect(referenceCounts["core.incidents"]).toBe(30);
      expect(referenceCounts["core.changes"]).toBeGreaterThan(0);
      expect(referenceCounts["raw.pages"]).toBeGreaterThan(20);

      // 2. One warehouse, killed again and again at seeded points, then run to completion.
      const dir = join(root, "killed");
      const warehouse = prepare(dir);
      const random = prng(SEED);
      // The first kill falls in the first half of a fresh collection, so it always lands; later
      // runs resume from the cursors and make fewer requests (a kill past their end misses).
      const points = Array.from({ length: KILLS }, (_, i) => ({
        at: 1 + Math.floor(random() * (i === 0 ? requests / 2 : requests - 1)),
        delayMs: Math.floor(random() * 40),
      }));
      const outcomes: string[] = [];
      let landed = 0;
      for (const [i, point] of points.entries()) {
        const r = await collectKilledAt(dir, point.at, point.delayMs);
        const pages = (await counts(warehouse))["raw.pages"];
        if (r.signal === "SIGKILL") landed++;
        // A run the kill missed (it finished first) must have succeeded.
        else expect(r.code, r.stderr).toBe(0);
        if (i === 0) {
          expect(r.signal).toBe("SIGKILL");
          expect(pages).toBeLessThan(referenceCounts["raw.pages"]!);
        }
        outcomes.push(`#${point.at}+${point.delayMs}ms→${r.signal === "SIGKILL" ? "killed" : "finished"}(${pages} pages)`);
      }

      const last = await dora(["collect"], dir, { env: TOKENS_ENV });
      expect(last.code, last.stderr).toBe(0);
      const after = await dumpWarehouse(warehouse);
      expect(Object.keys(after)).toEqual(Object.keys(reference));
      for (const table of Object.keys(reference)) expect(after[table], table).toEqual(reference[table]);

      // Every killed run is marked 'abandoned' by the next run, with the pid that held the lock (no row claims success).
      const runs = await query(warehouse, (w) =>
        w.all<{ status: string; n: number }>("SELECT status, count(*)::INTEGER AS n FROM sync.runs GROUP BY status ORDER BY status"),
      );
      expect(runs.find((r) => r.status === "failure")).toBeUndefined();
      expect(runs.find((r) => r.status === "running")).toBeUndefined();
      expect(runs.find((r) => r.status === "abandoned")?.n).toBeGreaterThanOrEqual(1);
      const abandoned = await query(warehouse, (w) => w.all<{ error: string }>("SELECT error FROM sync.runs WHERE status = 'abandoned'"));
      for (const r of abandoned) expect(r.error).toMatch(/^abandoned: the process that ran it \(pid \d+, which held the warehouse lock\) ended before it finished$/);
      console.log(
        `crash-safety: clean run ${clean.ms} ms, ${requests} requests, ${referenceCounts["raw.pages"]} pages; ${landed}/${KILLS} kills landed: ${outcomes.join(", ")}; final run ${last.ms} ms; sync.runs ${JSON.stringify(runs)}`,
      );
    });
  });
});
