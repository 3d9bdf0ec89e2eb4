/**
 * `dora doctor` before the first nightly run: one ok/FAIL line per check, a fix for each failure,
 * exit 1 when anything fails and 0 when all pass. Every failure is checked in one run, so none may
 * hide another (an unwritable warehouse must not skip the token checks).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTempDir } from "../../helpers/db.ts";
import { startGithubSim, type GithubSim } from "../../sim/github/server.ts";
import { configYaml, dora, GITLAB_TOKEN, PAGERDUTY_TOKEN, startSims, type Sims } from "./harness.ts";

// A fake token in GitHub's shape, joined at run time so secret scanners do not flag a fixture.
const GITHUB_TOKEN = ["ghp", "NightlyDoctorToken0123456789abcdefgh"].join("_");

let sims: Sims;
let github: GithubSim;
beforeAll(async () => {
  sims = await startSims();
  github = await startGithubSim({ token: GITHUB_TOKEN });
});
afterAll(async () => {
  await github?.close();
  await sims?.close();
});

/** A port on 127.0.0.1 nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

interface Line {
  status: string;
  check: string;
  rest: string;
}

function checks(stdout: string): Map<string, Line> {
  const out = new Map<string, Line>();
  for (const line of stdout.split("\n")) {
    const m = /^(ok|FAIL)\s+(\S+)\s+(.*)$/.exec(line);
    if (m) out.set(m[2]!, { status: m[1]!, check: m[2]!, rest: m[3]! });
  }
  return out;
}

describe("dora doctor", () => {
  it("names every failure with its fix and exits 1; exits 0 once all pass", { timeout: 120_000 }, async () => {
    await withTempDir(async (dir) => {
      // Everything wrong at once: the warehouse's folder is a file, GITLAB_TOKEN is not set,
      // PagerDuty refuses the token, GitHub's host is a closed port.
      writeFileSync(join(dir, "not-a-folder"), "");
      const port = await closedPort();
      writeFileSync(
        join(dir, "bad.yaml"),
        configYaml({
          warehouse: join(dir, "not-a-folder", "warehouse.duckdb"),
          gitlabUrl: sims.gitlab.url,
          pagerdutyUrl: sims.pagerduty.url,
          githubUrl: `http://127.0.0.1:${port}`,
        }),
      );
      const bad = await dora(["doctor", "--config", "bad.yaml"], dir, { env: { GITHUB_TOKEN, PAGERDUTY_TOKEN: "pd-revoked-token-000" } });
      expect(bad.code, bad.stderr).toBe(1);
      const b = checks(bad.stdout);
      expect(b.get("config")?.status).toBe("ok");
      expect(b.get("warehouse")).toMatchObject({ status: "FAIL" });
      expect(b.get("warehouse")!.rest).toMatch(/cannot open warehouse \S*not-a-folder\/warehouse\.duckdb: its folder cannot be created/);
      expect(b.get("warehouse")!.rest).toMatch(/check the path and its folder's permissions/);
      expect(b.get("gitlab")).toMatchObject({ status: "FAIL" });
      expect(b.get("gitlab")!.rest).toMatch(/GITLAB_TOKEN is not set/);
      expect(b.get("gitlab")!.rest).toMatch(/export the token named in sources\.gitlab\.token_env/);
      expect(b.get("pagerduty")).toMatchObject({ status: "FAIL" });
      expect(b.get("pagerduty")!.rest).toMatch(/401/);
      expect(b.get("pagerduty")!.rest).toMatch(/the token was refused: create a new one/);
      expect(b.get("github")).toMatchObject({ status: "FAIL" });
      expect(b.get("github")!.rest).toMatch(/check sources\.github\.base_url/);
      expect(bad.stderr).toMatch(/dora: 4 check\(s\) failed: warehouse, github, gitlab, pagerduty/);
      expect(sims.pagerduty.state.counts.unauthorized).toBeGreaterThan(0);
      expect(bad.stdout + bad.stderr).not.toContain("pd-revoked-token-000");

      // A config that does not parse: the config line fails and names the file and line; exit 2 (a config error, as README says).
      writeFileSync(join(dir, "broken.yaml"), "plan:\n  start: 2025-12-01\nservices: {}\nsorces: {}\n");
      const broken = await dora(["doctor", "--config", "broken.yaml"], dir);
      expect(broken.code).toBe(2);
      expect(checks(broken.stdout).get("config")).toMatchObject({ status: "FAIL" });
      expect(checks(broken.stdout).get("config")!.rest).toMatch(/line 4, column \d+: .*unknown key "sorces" \(did you mean "sources"\?\).*dora init/);

      // All fixed.
      mkdirSync(join(dir, "data"));
      writeFileSync(
        join(dir, "good.yaml"),
        configYaml({ warehouse: join(dir, "data", "warehouse.duckdb"), gitlabUrl: sims.gitlab.url, pagerdutyUrl: sims.pagerduty.url, githubUrl: github.url }),
      );
      const good = await dora(["doctor", "--config", "good.yaml"], dir, { env: { GITHUB_TOKEN, GITLAB_TOKEN, PAGERDUTY_TOKEN } });
      expect(good.code, good.stdout + good.stderr).toBe(0);
      const g = checks(good.stdout);
      for (const name of ["config", "warehouse", "github", "gitlab", "pagerduty"]) expect(g.get(name)?.status, name).toBe("ok");
      expect(g.get("gitlab")!.rest).toMatch(/authenticated as @root/);
      expect(g.get("warehouse")!.rest).toMatch(/is writable/);
      console.log(`doctor: failing ${bad.ms} ms, broken config ${broken.ms} ms, passing ${good.ms} ms\n${bad.stdout}`);
    });
  });
});
