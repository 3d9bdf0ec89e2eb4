import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTempDir } from "../../helpers/db.ts";
import { dora } from "../../integration/nightly/harness.ts";
import { ArgocdState, startArgocdSim, type ArgocdSim } from "../../sim/argocd/server.ts";

const TOKEN = "argocd-doctor-token-4be2a7";
let sim: ArgocdSim;
beforeAll(async () => {
  const state = new ArgocdState();
  state.addApp("api", { revisionHistoryLimit: 5 });
  state.addApp("api-staging", { destination: { name: "staging", namespace: "api" } });
  for (let i = 0; i < 3; i++) state.sync("api", { revision: String(i).repeat(40), startedAt: `2026-02-0${i + 1}T10:00:00Z`, deployedAt: `2026-02-0${i + 1}T10:01:00Z` });
  sim = await startArgocdSim({ token: TOKEN, state });
});
afterAll(() => sim?.close());

describe("dora doctor: the Argo CD part", () => {
  it("names the user, each application's destination and kept history, warns on a non-production destination, says the nightly job builds the history; a refused token fails with the fix", { timeout: 120_000 }, () =>
    withTempDir(async (dir) => {
      writeFileSync(
        join(dir, "dora.config.yaml"),
        [
          `warehouse: ${join(dir, "w.duckdb")}`,
          "plan: { start: 2026-01-01 }",
          "services: { api: { argocd: [api, api-staging] } }",
          `sources: { argocd: { base_url: "${sim.url}", token_env: DORA_TEST_ARGOCD_TOKEN } }`,
        ].join("\n"),
      );
      const ok = await dora(["doctor"], dir, { env: { DORA_TEST_ARGOCD_TOKEN: TOKEN } });
      const lines = ok.stdout.split("\n").filter((l) => /\bargocd\b/.test(l));
      expect(lines.find((l) => l.startsWith("ok"))).toMatch(/authenticated as dora-reader on http:\/\/127\.0\.0\.1:\d+; api → prod\/api \(production\): 3 of 5 history entries kept; api-staging → staging\/api: 0 of 10 history entries kept\. Argo CD keeps only the last revisionHistoryLimit syncs/);
      expect(lines.find((l) => l.startsWith("WARN"))).toMatch(/api-staging deploys to staging\/api, which sources\.argocd\.production does not match/);
      expect(ok.stdout).not.toContain(TOKEN);

      const refused = await dora(["doctor"], dir, { env: { DORA_TEST_ARGOCD_TOKEN: "not-the-token" } });
      expect(refused.code).toBe(1);
      const failed = refused.stdout.split("\n").find((l) => l.startsWith("FAIL") && /\bargocd\b/.test(l));
      expect(failed).toMatch(/401.*the token was refused: create a new one/);
      expect(refused.stdout).not.toContain("not-the-token");
    }));
});
