/**
 * The planted-secret matrix (issue 19 §2): every secret the config names — each source's token, the
 * Prometheus basic-auth user and password — is planted into every source's answers (a GitHub pull
 * request title and commit message, a GitLab merge request title, a PagerDuty incident title, a
 * Prometheus error message). After `dora run --verbose`, `dora doctor`, `dora export` and `dora sql`,
 * none appears in stdout/stderr, any column of any table (raw.pages, core.*, sync.*), the export, the
 * report or the textfile. The values have no token shape a generic pattern would catch: only
 * registration of the configured secrets, before the first request, can redact them.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTempDir } from "../../helpers/db.ts";
import { startGithubSim, type GithubSim } from "../../sim/github/server.ts";
import { startGitlabSim, type GitlabSim } from "../../sim/gitlab/server.ts";
import { startPagerdutySim, type PagerdutySim } from "../../sim/pagerduty/server.ts";
import { startPrometheusSim, type PrometheusSim } from "../../sim/prometheus/server.ts";
import { addMonths } from "../../../schemas/config.ts";
import { buildScaleOrg, firstDay, ORG, scaleConfig, type ScaleOrg } from "../../sim/scale/org.ts";
import { scaleSeriesSource } from "../../sim/scale/prometheus.ts";
import { dora, filesUnder, leakScanner, query, type DoraResult } from "./harness.ts";

const SECRETS = {
  MX_GITHUB_TOKEN: "mx-github-SECRET-7d1e",
  MX_GITLAB_TOKEN: "mx-gitlab-SECRET-2b9c",
  MX_PAGERDUTY_TOKEN: "mx-pagerduty-SECRET-5a0f",
  MX_PROM_USER: "mx-prom-USER-8c3a",
  MX_PROM_PASSWORD: "mx-prom-PASSWORD-4e6b",
};
const ALL = Object.values(SECRETS).join(" ");

let org: ScaleOrg;
let github: GithubSim;
let gitlab: GitlabSim;
let pagerduty: PagerdutySim;
let prometheus: PrometheusSim;

beforeAll(async () => {
  org = buildScaleOrg({ repos: 2, months: 2, seed: 7, forge: "mixed" });
  // Plant every secret into each source's data.
  const repo = [...org.github.repos.values()][0]!;
  repo.pulls[0]!.title = `Rotate credentials ${ALL}`;
  [...repo.commits.values()][1]!.message = `Leak: ${ALL}`;
  org.gitlab[0]!.mergeRequests[0]!.title = `Leak: ${ALL}`;
  org.pagerduty.incidents[0]!.title = `Paged with ${ALL}`;
  github = await startGithubSim({ token: SECRETS.MX_GITHUB_TOKEN, state: org.github });
  gitlab = await startGitlabSim({ state: { token: SECRETS.MX_GITLAB_TOKEN, groups: [ORG], projects: org.gitlab } });
  pagerduty = await startPagerdutySim({ token: SECRETS.MX_PAGERDUTY_TOKEN, services: org.pagerduty.services, incidents: org.pagerduty.incidents });
  // A retried 503 and a refused query, each echoing every secret in Prometheus's error message.
  prometheus = await startPrometheusSim({
    series: scaleSeriesSource(org, 7),
    faults: [
      { status: 503, errorType: "unavailable", error: `overloaded, auth was ${ALL}`, times: 1 },
      { query: /http_requests_total/, status: 422, errorType: "execution", error: `refused for ${ALL}`, times: 100 },
    ],
  });
}, 120_000);

afterAll(async () => {
  await Promise.all([github?.close(), gitlab?.close(), pagerduty?.close(), prometheus?.close()]);
});


const leaks = leakScanner(SECRETS);

describe("planted-secret matrix", () => {
  it("no configured secret survives into logs, the warehouse, exports, the report or metrics", { timeout: 600_000 }, async () => {
    await withTempDir(async (dir) => {
      const warehouse = join(dir, "warehouse.duckdb");
      const config = scaleConfig(org, { github: github.url, gitlab: gitlab.url, pagerduty: pagerduty.url, prometheus: prometheus.url }, {
        github: "MX_GITHUB_TOKEN",
        gitlab: "MX_GITLAB_TOKEN",
        pagerduty: "MX_PAGERDUTY_TOKEN",
      });
      config.sources.prometheus!.auth = { type: "basic", username_env: "MX_PROM_USER", password_env: "MX_PROM_PASSWORD" };
      // One latency key path per service and the last month only: the planted text is in
      // Prometheus's errors, not its volume.
      for (const service of Object.values(config.services)) service.latency = service.latency.slice(0, 1);
      config.sources.prometheus!.from = addMonths(config.plan.start, config.plan.months - 1);
      const yaml = stringify({ ...config, warehouse, report: { ...config.report, out: join(dir, "report") }, monitoring: { ...config.monitoring, textfile: join(dir, "dora.prom") } });
      writeFileSync(join(dir, "dora.config.yaml"), yaml);
      // The GitLab token as a mounted file (`*_FILE`), the others as variables.
      const tokenFile = join(dir, "..", `${dir.split("/").pop()}-gitlab-token`);
      writeFileSync(tokenFile, `${SECRETS.MX_GITLAB_TOKEN}\n`);
      const { MX_GITLAB_TOKEN: _file, ...envSecrets } = SECRETS;
      const env = { ...envSecrets, MX_GITLAB_TOKEN_FILE: tokenFile };

      const runs: Record<string, DoraResult> = {};
      const started = Date.now();
      runs.run = await dora(["run", "--verbose", "--no-pdf", "--since", firstDay(org.demo)], dir, { env });
      // The planted data was served and collected (the run may fail on the refused Prometheus query).
      expect(runs.run.stderr).toMatch(/"level":"debug"/);
      expect(github.requests.length).toBeGreaterThan(5);
      expect(gitlab.requests.length).toBeGreaterThan(5);
      expect(pagerduty.requests.length).toBeGreaterThan(1);
      expect(prometheus.requests.some((r) => r.status === 503)).toBe(true);
      expect(prometheus.requests.some((r) => r.status === 422)).toBe(true);
      runs.doctor = await dora(["doctor", "--verbose"], dir, { env });
      runs.export = await dora(["export", "--format", "csv", "--out", join(dir, "export")], dir, { env });
      expect(runs.export.code, runs.export.stderr).toBe(0);
      runs.sql = await dora(["sql", "--format", "json", "SELECT title FROM core.pull_requests UNION ALL SELECT title FROM core.incidents"], dir, { env });
      expect(runs.sql.code, runs.sql.stderr).toBe(0);
      expect(runs.sql.stdout).toContain("[redacted]");
      console.log(`secret matrix: dora run ${runs.run.ms} ms (exit ${runs.run.code}), all four commands ${Date.now() - started} ms`);
      for (const [name, r] of Object.entries(runs)) {
        expect(leaks(r.stdout), `${name} stdout`).toEqual([]);
        expect(leaks(r.stderr), `${name} stderr`).toEqual([]);
      }

      // Every column of every table, rendered as text; the planted rows are there, redacted.
      const found = await query(warehouse, async (w) => {
        const names = await w.all<{ t: string }>("SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_catalog = current_database()");
        const hits: Record<string, string[]> = {};
        for (const { t } of names) {
          const hit = leaks(JSON.stringify(await w.all(`SELECT * FROM ${t}`), (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)));
          if (hit.length) hits[t] = hit;
        }
        const redacted = await w.all<{ t: string }>(
          "SELECT 'pr' AS t FROM core.pull_requests WHERE title LIKE 'Rotate credentials [redacted]%' UNION ALL SELECT 'incident' FROM core.incidents WHERE title LIKE 'Paged with [redacted]%'",
        );
        return { hits, redacted: redacted.map((r) => r.t).sort() };
      });
      expect(found.hits).toEqual({});
      expect(found.redacted).toEqual(["incident", "pr"]);

      const files = filesUnder(dir);
      expect(files).toContain(join(dir, "report", "index.html"));
      expect(files.some((f) => f.startsWith(join(dir, "export", "core")))).toBe(true);
      expect(files.filter((f) => leaks(readFileSync(f, "latin1")).length > 0).map((f) => f.slice(dir.length))).toEqual([]);
    });
  });
});
