/**
 * Bad input meets the nightly job: every case gets a clear one-line error naming what to fix (file,
 * field, item, URL), the documented exit code, and a warehouse that still holds everything an
 * earlier successful run stored. One table, one seeded warehouse copied per case.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configYaml, dora, GITLAB_TOKEN, PAGERDUTY_TOKEN, query, startSims, TOKENS_ENV, type Sims } from "./harness.ts";
import type { SimFault as GitlabFault } from "../../sim/gitlab/server.ts";
import type { SimFault as PagerdutyFault } from "../../sim/pagerduty/server.ts";

let sims: Sims;
let root: string;
let seed: string;
let seedIds: Record<string, string[]>;
let closed: number;
let deploymentItem: Record<string, unknown>;

const ID_QUERIES: Record<string, string> = {
  "core.deployments": "SELECT deployment_id AS id FROM core.deployments",
  "core.changes": "SELECT change_id AS id FROM core.changes",
  "core.pull_requests": "SELECT pr_id AS id FROM core.pull_requests",
  "core.incidents": "SELECT incident_id AS id FROM core.incidents",
  "sync.cursors": "SELECT stream || ' ' || partition AS id FROM sync.cursors",
};

async function ids(path: string): Promise<Record<string, string[]>> {
  return query(path, async (w) => {
    const out: Record<string, string[]> = {};
    for (const [table, sql] of Object.entries(ID_QUERIES)) out[table] = (await w.all<{ id: string }>(sql)).map((r) => r.id).sort();
    return out;
  });
}

beforeAll(async () => {
  sims = await startSims();
  root = mkdtempSync(join(tmpdir(), "dora-bad-input-"));
  seed = join(root, "seed.duckdb");
  writeFileSync(join(root, "seed.yaml"), configYaml({ warehouse: seed, gitlabUrl: sims.gitlab.url, pagerdutyUrl: sims.pagerduty.url }));
  const r = await dora(["collect", "--config", "seed.yaml"], root, { env: TOKENS_ENV });
  if (r.code !== 0) throw new Error(`seeding run failed: ${r.stderr}`);
  seedIds = await ids(seed);
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  closed = (server.address() as { port: number }).port;
  await new Promise<void>((done) => server.close(() => done()));
  // One real deployment item as GitLab serves it, to serve again with a field of another type.
  const response = await fetch(`${sims.gitlab.url}/api/v4/projects/acme%2Fpayments/deployments?per_page=1`, { headers: { "private-token": GITLAB_TOKEN } });
  deploymentItem = ((await response.json()) as Record<string, unknown>[])[0]!;
}, 120_000);
afterAll(async () => {
  await sims?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

interface Case {
  name: string;
  /** Config text; default: the seeded config. */
  config?: (base: string) => string;
  env?: NodeJS.ProcessEnv;
  args?: string[];
  gitlabFaults?: () => GitlabFault[];
  pagerdutyFaults?: PagerdutyFault[];
  code: number;
  /** The one line that says what to fix. */
  error: RegExp;
  /** Also in stdout (the summary table), when the run got that far. */
  summary?: RegExp;
}

const BASE_ENV = { GITLAB_TOKEN, PAGERDUTY_TOKEN };

const CASES: Case[] = [
  {
    name: "malformed YAML (line and column)",
    config: (base) => base.replace("plan:\n  start: 2025-12-01", "plan:\n  start: [2025-12-01\n"),
    code: 2,
    error: /^dora: \S*dora\.config\.yaml: invalid config\n {2}line \d+, column \d+: .+$/m,
  },
  {
    name: "unknown key (did you mean)",
    config: (base) => base.replace("page_size: 100", "page_sise: 100"),
    code: 2,
    error: /line \d+, column \d+: sources\.gitlab\.page_sise: unknown key "page_sise" \(did you mean "page_size"\?\)/,
  },
  {
    name: "impossible date",
    config: (base) => base.replace("start: 2025-12-01", "start: 2026-02-30"),
    code: 2,
    error: /line 4, column \d+: plan\.start: not a real calendar date/,
  },
  {
    name: "unknown time zone",
    config: (base) => base.replace("timezone: Europe/Berlin", "timezone: Europe/Berln"),
    code: 2,
    error: /line 1, column \d+: timezone: unknown time zone \(expected an IANA name like "Europe\/Berlin"\)/,
  },
  {
    name: "missing token",
    env: { PAGERDUTY_TOKEN },
    code: 1,
    error: /^dora: 1 of 2 sources failed: gitlab$/m,
    summary: /gitlab\s+failure.*GITLAB_TOKEN is not set: export GITLAB_TOKEN=… \(or GITLAB_TOKEN_FILE=\/path\/to\/file\)/,
  },
  {
    name: "unreachable host (closed port)",
    config: (base) => `${base.replace("  payments:\n", "  payments:\n    github: [acme/payments-api]\n")}`.replace("sources:\n", `sources:\n  github: { base_url: "http://127.0.0.1:${closed}", retry_base_ms: 5 }\n`),
    env: { ...BASE_ENV, GITHUB_TOKEN: "gh-token-for-a-closed-port" },
    code: 1,
    error: /^dora: 1 of 3 sources failed: github$/m,
    summary: new RegExp(`github\\s+failure.*127\\.0\\.0\\.1:\\d+.*ECONNREFUSED|github\\s+failure.*ECONNREFUSED.*127\\.0\\.0\\.1`),
  },
  {
    name: "403 and 404 per project after the first was read: failed partitions named, the rest go on",
    config: (base) => base.replace('gitlab: ["acme/payments","acme/big"]', 'gitlab: ["acme/payments","acme/big","acme/ghost"]'),
    gitlabFaults: () => [{ path: /^\/api\/v4\/projects\/acme\/big\//, status: 403, times: 100 }],
    code: 1,
    error: /^dora: 1 of 2 sources failed: gitlab$/m,
    summary: /gitlab\s+failure.*failed: acme\/big, acme\/ghost;.*\[acme\/big\] refused \(HTTP 403\).*\[acme\/ghost\] not found/,
  },
  {
    name: "a revoked GitLab token (401 on every request): the source fails naming GITLAB_TOKEN",
    env: { ...BASE_ENV, GITLAB_TOKEN: "revoked-gitlab-token-0000" },
    code: 1,
    error: /^dora: 1 of 2 sources failed: gitlab$/m,
    summary: /gitlab\s+failure.*gitlab: the API refused the credentials \(HTTP 401 unauthorized\); check the token in GITLAB_TOKEN \(sources\.gitlab\.token_env\)/,
  },
  {
    name: "PagerDuty answers 403 to every request: the source fails naming PAGERDUTY_TOKEN",
    pagerdutyFaults: [{ path: "/log_entries", status: 403, times: 100, body: { error: { message: "Access Denied", code: 2010 } } }],
    code: 1,
    error: /^dora: 1 of 2 sources failed: pagerduty$/m,
    summary: /pagerduty\s+failure.*pagerduty: the API refused the credentials \(HTTP 403 forbidden\); check the token in PAGERDUTY_TOKEN/,
  },
  {
    name: "invalid JSON from GitLab",
    gitlabFaults: () => [{ path: /^\/api\/v4\/projects\/acme\/payments\/deployments$/, status: 200, times: 100, body: '[{"id": 101, "status": ', headers: () => ({ "content-type": "application/json" }) }],
    code: 1,
    error: /^dora: 1 of 2 sources failed: gitlab$/m,
    summary: /gitlab\s+failure.*\/api\/v4\/projects\/acme(%2F|\/)payments\/deployments.*not valid JSON/,
  },
  {
    name: "invalid JSON from PagerDuty",
    pagerdutyFaults: [{ path: "/incidents", status: 200, times: 100, body: '{"incidents": [{"id": ' }],
    code: 1,
    error: /^dora: 1 of 2 sources failed: pagerduty$/m,
    // Fails the source (no gap: the cursor stays), naming the stream, the service, the URL and why.
    summary: /pagerduty\s+failure.*pagerduty\.incidents: \[PSVC001\] PagerDuty 200 on GET http:\/\/127\.0\.0\.1:\d+\/incidents\?.*: the response is not valid JSON/,
  },
  {
    name: "a field changing type (deployment status becomes a number)",
    gitlabFaults: () => [
      {
        path: /^\/api\/v4\/projects\/acme\/payments\/deployments$/,
        status: 200,
        times: 100,
        body: JSON.stringify([{ ...deploymentItem, status: 42 }]),
        headers: () => ({ "content-type": "application/json" }),
      },
    ],
    code: 1,
    error: /^dora: 1 of 2 sources failed: gitlab$/m,
    summary: /gitlab\s+failure.*gitlab\.deployments \[acme\/payments\] item 101: status: Invalid input: expected string, received number/,
  },
];

describe("bad input: a clear error, the right exit code, nothing stored lost", () => {
  it.each(CASES)("$name", { timeout: 120_000 }, async (c) => {
    const dir = mkdtempSync(join(root, "case-"));
    const warehouse = join(dir, "warehouse.duckdb");
    copyFileSync(seed, warehouse);
    const base = configYaml({ warehouse, gitlabUrl: sims.gitlab.url, pagerdutyUrl: sims.pagerduty.url });
    writeFileSync(join(dir, "dora.config.yaml"), c.config ? c.config(base) : base);
    sims.gitlab.faults.push(...(c.gitlabFaults?.() ?? []));
    sims.pagerduty.state.faults.push(...(c.pagerdutyFaults ?? []));
    let r;
    try {
      r = await dora(c.args ?? ["collect"], dir, { env: c.env ?? BASE_ENV });
    } finally {
      sims.gitlab.faults.length = 0;
      sims.pagerduty.state.faults.length = 0;
    }
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(c.code);
    // Errors are lines for people (and JSON log lines for machines): never a stack trace.
    const said = r.stderr
      .split("\n")
      .filter((l) => l && !l.startsWith("{") && !/^\[\s*[\d.]+s\]|^[✓✗] /.test(l))
      .join("\n");
    expect(said).toMatch(c.error);
    expect(r.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/);
    if (c.summary) expect(r.stdout).toMatch(c.summary);
    // Nothing stored before is lost.
    expect(existsSync(warehouse)).toBe(true);
    const after = await ids(warehouse);
    for (const [table, before] of Object.entries(seedIds)) {
      expect(before.length, table).toBeGreaterThan(table === "core.changes" ? 0 : 1);
      expect(after[table], table).toEqual(expect.arrayContaining(before));
    }
  });
});
