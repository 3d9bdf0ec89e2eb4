/**
 * Secrets never leave the process: a `--verbose` `dora run` against the three API simulators, with
 * failing requests whose bodies echo the token (a 401 project, retried 5xx answers, a malformed
 * item) and tokens pasted into API data, must leave no token in stdout/stderr, the warehouse (any
 * column of any table), the textfile metrics or the report folder.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTempDir } from "../../helpers/db.ts";
import { paymentsProject, sha } from "../../sim/gitlab/fixtures.ts";
import { startGithubSim, SimState, type GithubSim } from "../../sim/github/server.ts";
import { configYaml, dora, filesUnder, GITLAB_TOKEN, leakScanner, PAGERDUTY_TOKEN, query, startSims, type Sims } from "./harness.ts";

// Shapes no generic pattern catches: only the registered-secret path can redact them.
const GITHUB_TOKEN = "gh-nightly-SECRET-3f9a1c77e2d4";
const TOKENS = { GITHUB_TOKEN, GITLAB_TOKEN, PAGERDUTY_TOKEN };
const REPO = "acme/payments-api";

let sims: Sims;
let github: GithubSim;

beforeAll(async () => {
  const echo = (status: number, token: string) => ({ status, body: JSON.stringify({ message: `${status} rejected token ${token}` }), headers: () => ({ "content-type": "application/json" }) });
  // acme/leaky: a deployment whose status changed type, and every token pasted into an MR title.
  const leaky = paymentsProject("acme/leaky", 12);
  leaky.mergeRequests[0]!.title = `Rotate ${GITHUB_TOKEN} ${GITLAB_TOKEN} ${PAGERDUTY_TOKEN}`;
  leaky.deployments[0]!.raw = { status: 42, ref: `deploy with ${GITLAB_TOKEN}` };
  sims = await startSims({
    extraProjects: [leaky, paymentsProject("acme/locked", 13)],
    gitlabFaults: [
      { path: /^\/api\/v4\/projects\/acme\/locked/, ...echo(401, GITLAB_TOKEN), times: 1000 },
      { path: /^\/api\/v4\/projects\/acme\/payments\/merge_requests$/, ...echo(502, GITLAB_TOKEN), times: 1 },
    ],
    pagerdutyFaults: [{ path: "/incidents", status: 500, times: 1, body: { error: { message: `echo ${PAGERDUTY_TOKEN}`, code: 2000 } } }],
  });
  sims.pagerduty.state.update("PA0001", { title: `paged with ${PAGERDUTY_TOKEN}`, notes: [{ at: sims.pagerduty.state.incidents[1]!.createdAt, text: `GITHUB_TOKEN=${GITHUB_TOKEN}` }] });

  const state = new SimState();
  state.commit(REPO, { message: "Initial commit", date: "2026-01-05T09:00:00Z" });
  state.commit(REPO, { message: `Leak test: ${GITHUB_TOKEN} and ${GITLAB_TOKEN}`, date: "2026-01-06T09:00:00Z" });
  state.deploy(REPO, { sha: state.head(REPO), at: "2026-01-06T10:00:00Z" });
  github = await startGithubSim({ token: GITHUB_TOKEN, state, faults: [{ path: /deployments/, status: 503, times: 1, body: { message: `bad ${GITHUB_TOKEN}` } }] });
});
afterAll(async () => {
  await github?.close();
  await sims?.close();
});


const leaks = leakScanner(TOKENS);

describe("secrets in a verbose nightly run", () => {
  it("appear in no log line, error, stored row, metric or report file", { timeout: 180_000 }, async () => {
    await withTempDir(async (dir) => {
      const warehouse = join(dir, "warehouse.duckdb");
      const textfile = join(dir, "metrics", "dora.prom");
      const out = join(dir, "report");
      const tokenFile = join(dir, "..", `${dir.split("/").pop()}-pd-token`);
      writeFileSync(tokenFile, `${PAGERDUTY_TOKEN}\n`);
      writeFileSync(
        join(dir, "dora.config.yaml"),
        configYaml({
          warehouse,
          textfile,
          reportOut: out,
          gitlabUrl: sims.gitlab.url,
          gitlabProjects: ["acme/payments", "acme/big", "acme/leaky", "acme/locked"],
          pagerdutyUrl: sims.pagerduty.url,
          githubUrl: github.url,
        }),
      );
      const r = await dora(["run", "--verbose", "--no-pdf"], dir, {
        env: { GITHUB_TOKEN, GITLAB_TOKEN, PAGERDUTY_TOKEN_FILE: tokenFile },
      });
      // The malformed item fails GitLab (exit 1); the 401 project is a failed partition; the 5xx were retried.
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toMatch(/gitlab\s+failure/);
      expect(r.stdout).toMatch(/gitlab\s+failure\s.*failed: .*acme\/locked/);
      expect(r.stderr).toMatch(/gitlab\.deployments \[acme\/leaky\] item 101: status/);
      expect(sims.gitlab.requests.some((q) => q.status === 502)).toBe(true);
      expect(sims.pagerduty.requests.some((q) => q.status === 500)).toBe(true);
      expect(github.requests.some((q) => q.status === 503)).toBe(true);
      // Verbose: debug lines were written (JSON, since CI=true), and they are all clean.
      const lines = r.stderr.split("\n").filter((l) => l.startsWith("{"));
      const debug = lines.map((l) => JSON.parse(l) as { level: string; msg: string; url?: string }).filter((l) => l.level === "debug");
      expect(debug.filter((l) => l.msg === "page" && l.url?.startsWith("http://127.0.0.1")).length).toBeGreaterThan(5);
      expect(leaks(r.stdout), "stdout").toEqual([]);
      expect(leaks(r.stderr), "stderr").toEqual([]);

      // Every column of every table, rendered as text (JSON, VARCHAR[], …).
      const tables = await query(warehouse, async (w) => {
        const names = await w.all<{ t: string }>("SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_catalog = current_database()");
        const found: Record<string, string[]> = {};
        let rows = 0;
        for (const { t } of names) {
          const all = await w.all(`SELECT * FROM ${t}`);
          rows += all.length;
          const hit = leaks(JSON.stringify(all, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)));
          if (hit.length) found[t] = hit;
        }
        return { count: names.length, rows, found, pages: (await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM raw.pages"))!.n };
      });
      expect(tables.count).toBeGreaterThan(15);
      expect(tables.pages).toBeGreaterThan(5);
      expect(tables.found).toEqual({});

      // The textfile, the report folder and anything else written under the run's folder.
      const files = filesUnder(dir).filter((f) => f !== warehouse);
      expect(files).toContain(textfile);
      expect(files).toContain(join(out, "index.html"));
      const leaky = files.filter((f) => leaks(readFileSync(f, "latin1")).length > 0);
      expect(leaky).toEqual([]);
      // And the bytes of the warehouse file itself.
      expect(leaks(readFileSync(warehouse, "latin1"))).toEqual([]);
      console.log(`secrets: dora run ${r.ms} ms, ${lines.length} log lines, ${tables.count} tables / ${tables.rows} rows, ${files.length} files scanned`);
    });
  });
});

// Referenced so the fixture helper stays in use when the data above changes.
void sha;
