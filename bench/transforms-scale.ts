// Transforms at scale: synthetic core.* tables made with SQL inside DuckDB, then runTransforms.
// Run: node --import tsx bench/transforms-scale.ts <deployments> [--keep | --reuse FILE]
// Prints `FIGURE name=value unit` lines (bench/scale.ts reads them; run it under GNU time for RSS).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Config } from "../schemas/config.ts";
import { runTransforms } from "../transforms/run.ts";
import { Warehouse } from "../warehouse/warehouse.ts";

const N = Number(process.argv[2] ?? 10_000);
const SERVICES = 50;
/** 300 routes at 1M deployments, scaled with the size (3 at 10k): hourly buckets over 5 years. */
const ROUTES = Math.max(3, Math.round((300 * N) / 1_000_000));
const START = "2021-01-04 00:00:00+00";
const YEARS = 5;
const SPAN_S = YEARS * 365 * 86_400;
const LE = [0.05, 0.1, 0.25, 0.5, 1, 2.5, "infinity"];
const figure = (name: string, value: number, unit: string) => console.log(`FIGURE ${name}=${value} ${unit}`);

const services = Array.from({ length: SERVICES }, (_, s) => `svc-${String(s).padStart(2, "0")}`);
const routesOf = (s: number) => Array.from({ length: ROUTES }, (_, r) => r).filter((r) => r % SERVICES === s);
const config = Config.parse({
  timezone: "Europe/Berlin",
  plan: { start: "2025-01-01", months: 12 },
  services: Object.fromEntries(
    services.map((name, s) => [
      name,
      { latency: routesOf(s).map((r) => ({ route: `GET /r${r}`, metric: "http_request_duration_seconds", selector: `{route="/r${r}"}`, slo: { threshold_seconds: 0.25, target: 0.99 } })) },
    ]),
  ),
});

// --reuse FILE: transform a warehouse kept by an earlier run of the same size (--keep) instead of making one
const reuse = process.argv.includes("--reuse") ? process.argv[process.argv.indexOf("--reuse") + 1] : undefined;
const dir = reuse ? undefined : mkdtempSync(join(tmpdir(), "dora-bench-transforms-"));
const w = await Warehouse.open(reuse ?? join(dir!, "w.duckdb"));
try {
  let t = performance.now();
  if (!reuse) await makeData(w);
  const counts = (await w.one<Record<string, number>>(`SELECT
      (SELECT count(*) FROM core.deployments)::DOUBLE AS deployments, (SELECT count(*) FROM core.changes)::DOUBLE AS changes,
      (SELECT count(*) FROM core.incidents)::DOUBLE AS incidents, (SELECT count(*) FROM core.latency_buckets)::DOUBLE AS buckets`))!;
  console.log(`data: ${JSON.stringify(counts)}, ${ROUTES} routes (made in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  figure("latency bucket rows", counts.buckets!, "rows");

  // DuckDB's floor: read every column of the same tables once.
  t = performance.now();
  await w.all(`SELECT
      (SELECT sum(hash(d)) FROM core.deployments d), (SELECT sum(hash(c)) FROM core.changes c),
      (SELECT sum(hash(i)) FROM core.incidents i), (SELECT sum(hash(b)) FROM core.latency_buckets b)`);
  const floorMs = performance.now() - t;
  figure("read floor", floorMs / 1000, "s");

  t = performance.now();
  const result = await runTransforms(w, config);
  const ms = performance.now() - t;
  figure("transforms", ms / 1000, "s");
  figure("ratio to floor", ms / floorMs, "×");
  // every step over 1 % of the total, slowest first (the profile to read before changing SQL)
  for (const s of [...result.steps].sort((a, b) => b.ms - a.ms).filter((s, i) => i < 6 || s.ms > ms / 100)) {
    console.log(`  ${s.relation}: ${(s.ms / 1000).toFixed(2)} s, ${s.rows === null ? "view" : `${s.rows} rows`}`);
  }
} finally {
  w.close();
  if (dir && process.argv.includes("--keep")) console.log(`kept ${join(dir, "w.duckdb")}`);
  else if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Synthetic core.* rows made with SQL inside DuckDB. */
async function makeData(w: Warehouse): Promise<void> {
  // Deployments every SPAN/N seconds, round robin over services; 1 in 20 fails; 1 in 50 is a rollback.
  await w.run(`
    INSERT INTO core.deployments (deployment_id, source, service, repo, environment, is_production, commit_sha, ref,
                                  started_at, finished_at, status, original_status, is_rollback, is_rework, url, updated_at)
    SELECT 'bench:deployment:' || i, 'bench', 'svc-' || lpad((i % ${SERVICES})::VARCHAR, 2, '0'), 'acme/svc-' || (i % ${SERVICES}),
           'production', true, md5(i::VARCHAR), 'v' || i,
           TIMESTAMPTZ '${START}' + to_seconds((i * ${SPAN_S}::DOUBLE / ${N})::BIGINT),
           TIMESTAMPTZ '${START}' + to_seconds((i * ${SPAN_S}::DOUBLE / ${N})::BIGINT + 300 + hash(i) % 900),
           CASE WHEN hash(i, 1) % 20 = 0 THEN 'failure' ELSE 'success' END,
           CASE WHEN hash(i, 1) % 20 = 0 THEN 'failure' ELSE 'success' END,
           hash(i, 2) % 50 = 0, hash(i, 3) % 40 = 0, 'https://example.test/d/' || i, NULL
    FROM range(${N}) r(i)`);
  // Ten changes per deployment, started 1-73 h before it.
  await w.run(`
    INSERT INTO core.changes (change_id, source, service, repo, deployment_id, commit_sha, pr_id, title, author,
                              authored_at, committed_at, pr_first_commit_at, pr_opened_at, first_review_at, merged_at, additions, deletions)
    SELECT 'bench:change:' || j, 'bench', d.service, d.repo, d.deployment_id, md5('c' || j::VARCHAR), 'bench:pr:' || j, 'change ' || j, 'dev' || (j % 40),
           d.started_at - to_seconds(3600 + hash(j) % 259200), d.started_at - to_seconds(1800 + hash(j) % 3600),
           d.started_at - to_seconds(3600 + hash(j) % 259200), d.started_at - to_seconds(3000 + hash(j) % 7200),
           d.started_at - to_seconds(2400 + hash(j) % 3600), d.started_at - to_seconds(1800 + hash(j) % 1200), 10, 2
    FROM range(${N * 10}) r(j)
    JOIN core.deployments d ON d.deployment_id = 'bench:deployment:' || (j // 10)`);
  // One incident per ten deployments, 20-80 min after one, resolved 1-5 h later.
  await w.run(`
    INSERT INTO core.incidents (incident_id, source, service, title, body, urgency, priority, created_at, acknowledged_at,
                                resolved_at, status, caused_by_deployment_id, link_kind, refs)
    SELECT 'bench:incident:' || k, 'bench', d.service, 'error rate high', 'Alert fired', 'high', 'P2',
           d.finished_at + to_seconds(1200 + hash(k) % 3600), d.finished_at + to_seconds(1500 + hash(k) % 3600),
           d.finished_at + to_seconds(5000 + hash(k) % 14400), 'resolved', NULL, 'none', []
    FROM range(${Math.floor(N / 10)}) r(k)
    JOIN core.deployments d ON d.deployment_id = 'bench:deployment:' || (k * 10)`);
  // Hourly cumulative bucket counts per route over 5 years.
  const les = LE.map((le) => (le === "infinity" ? "'infinity'::DOUBLE" : String(le))).join(", ");
  await w.run(`
    INSERT INTO core.latency_buckets (service, route, bucket_start, le, count, source)
    SELECT 'svc-' || lpad((r % ${SERVICES})::VARCHAR, 2, '0'), 'GET /r' || r, TIMESTAMPTZ '${START}' + to_hours(h), le.v,
           round(1000 * (1 + (hash(r, h) % 100) / 100.0) * (le.n + 1) / ${LE.length}), 'bench'
    FROM range(${ROUTES}) a(r), range(${Math.round((SPAN_S / 3600))}) b(h), (SELECT unnest([${les}]) AS v, generate_subscripts([${les}], 1) AS n) le`);
  await w.run("CHECKPOINT");
}
