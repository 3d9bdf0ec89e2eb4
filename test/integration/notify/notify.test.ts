import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendDigest } from "../../../cli/notify.ts";
import { runMetricsText } from "../../../cli/monitoring.ts";
import { Config } from "../../../schemas/config.ts";
import type { Warehouse } from "../../../warehouse/warehouse.ts";
import { withMemoryWarehouse, withTempDir } from "../../helpers/db.ts";
import { dora } from "../nightly/harness.ts";

/** A local incoming-webhook receiver: records each request, answers with `status`. */
interface Receiver {
  url: string;
  requests: { path: string; type: string; body: unknown }[];
  status: number;
  server: Server;
}

let receiver: Receiver;

beforeAll(async () => {
  const requests: Receiver["requests"] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (c: string) => (body += c));
    req.on("end", () => {
      requests.push({ path: req.url ?? "", type: req.headers["content-type"] ?? "", body: JSON.parse(body) as unknown });
      res.writeHead(receiver.status).end(receiver.status < 300 ? "ok" : "boom");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  receiver = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, status: 200, server };
});
afterAll(() => new Promise<void>((resolve) => receiver.server.close(() => resolve())));

const SECRET_PATH = "/hooks/T000/B000/XXXXsecretXXXXwebhook";

function config(format: string): Config {
  return Config.parse({
    plan: { start: "2026-01-01" },
    services: { api: {} },
    notify: { format, url_env: "DORA_TEST_WEBHOOK_URL", report_url: "https://reports.example/dora/" },
  });
}

/** A previous run on 03-01; since then one deployment, one failed deployment, one incident created and resolved. */
async function seed(w: Warehouse): Promise<void> {
  await w.run("INSERT INTO sync.runs (run_id, source, started_at, finished_at, status) VALUES ('r1', 'github', '2026-03-01T02:00:00Z', '2026-03-01T02:05:00Z', 'success')");
  const dep = (id: string, at: string, status: string) => ({ deployment_id: id, source: "demo", service: "api", environment: "production", is_production: true, status, finished_at: at });
  await w.upsert("core.deployments", [dep("d0", "2026-02-28T10:00:00Z", "success"), dep("d1", "2026-03-01T10:00:00Z", "success"), dep("d2", "2026-03-01T11:00:00Z", "failure")]);
  await w.upsert("core.incidents", [{ incident_id: "i1", source: "demo", service: "api", created_at: "2026-03-01T12:00:00Z", resolved_at: "2026-03-01T13:00:00Z", status: "resolved" }]);
}

describe("notify: the nightly chat digest against a local receiver", () => {
  it.each(["slack", "mattermost", "teams"])("%s: one message in the format's shape, with the counts since the last run and the report link", (format) =>
    withMemoryWarehouse(async (w) => {
      process.env.DORA_TEST_WEBHOOK_URL = `${receiver.url}${SECRET_PATH}`;
      receiver.status = 200;
      const before = receiver.requests.length;
      await seed(w);
      const result = await sendDigest(w, config(format), "r2", [{ source: "github", status: "success", rows: 3, requests: 1, durationMs: 1, streams: [] }]);
      expect(result).toEqual({ sent: true, note: `${format} digest sent` });
      expect(receiver.requests.length).toBe(before + 1);
      const got = receiver.requests[receiver.requests.length - 1]!;
      expect(got.path).toBe(SECRET_PATH);
      expect(got.type).toBe("application/json");
      const summary = "Since the last run: 1 production deployment (+1 failed), 1 new incident, 1 resolved.";
      if (format === "teams") {
        const body = got.body as { type: string; attachments: { contentType: string; content: { type: string; version: string; body: { type: string; text: string }[] } }[] };
        expect(body.type).toBe("message");
        expect(body.attachments[0]!.contentType).toBe("application/vnd.microsoft.card.adaptive");
        expect(body.attachments[0]!.content.type).toBe("AdaptiveCard");
        expect(body.attachments[0]!.content.body.map((b) => b.text)).toEqual(["dora nightly run", summary, "Report: https://reports.example/dora/"]);
      } else {
        const body = got.body as { text: string; username?: string };
        expect(body.text).toBe(`*dora nightly run*\n${summary}\nReport: https://reports.example/dora/`);
        expect(body.username).toBe(format === "mattermost" ? "dora" : undefined);
      }
      const run = await w.one("SELECT status, error FROM sync.runs WHERE run_id = 'r2' AND source = 'notify'");
      expect(run).toEqual({ status: "success", error: null });
    }));

  it("nothing changed and nothing failed: no message", () =>
    withMemoryWarehouse(async (w) => {
      process.env.DORA_TEST_WEBHOOK_URL = `${receiver.url}${SECRET_PATH}`;
      await seed(w);
      await w.run("INSERT INTO sync.runs (run_id, source, started_at, finished_at, status) VALUES ('r2', 'github', '2026-03-02T02:00:00Z', '2026-03-02T02:05:00Z', 'success')");
      const before = receiver.requests.length;
      const result = await sendDigest(w, config("slack"), "r3", []);
      expect(result?.sent).toBe(false);
      expect(receiver.requests.length).toBe(before);
    }));

  it("a failed source is news on its own; a target crossing since the last digest is reported", () =>
    withMemoryWarehouse(async (w) => {
      process.env.DORA_TEST_WEBHOOK_URL = `${receiver.url}${SECRET_PATH}`;
      receiver.status = 200;
      await w.run("CREATE TABLE metrics.pdp_comparison AS SELECT 'lead_time' AS metric, '*' AS service, false AS target_met");
      // First digest: the state is recorded, not reported (no earlier state to differ from).
      const first = await sendDigest(w, config("slack"), "r1", [{ source: "gitlab", status: "failure", rows: 0, requests: 1, durationMs: 1, streams: [], error: "HTTP 401" }]);
      expect(first?.sent).toBe(true);
      expect((receiver.requests[receiver.requests.length - 1]!.body as { text: string }).text).toContain("❌ gitlab failed: HTTP 401");
      await w.run("UPDATE metrics.pdp_comparison SET target_met = true");
      await w.run("INSERT INTO sync.runs (run_id, source, started_at, status) VALUES ('r1', 'gitlab', now(), 'failure')");
      const second = await sendDigest(w, config("slack"), "r2", []);
      expect(second?.sent).toBe(true);
      const text = (receiver.requests[receiver.requests.length - 1]!.body as { text: string }).text;
      expect(text).toContain("✅ lead_time now meets its target.");
      expect(text).not.toContain("failed");
    }));

  it.each([
    ["the webhook answers 500", () => `${receiver.url}${SECRET_PATH}`, /slack webhook answered HTTP 500/],
    ["nothing listens", () => `http://127.0.0.1:9${SECRET_PATH}`, /fetch failed/],
  ])("%s: the run goes on, the failure is counted in sync.runs and the textfile, the URL is nowhere", (_name, url, message) =>
    withMemoryWarehouse(async (w) => {
      process.env.DORA_TEST_WEBHOOK_URL = url();
      receiver.status = 500;
      await seed(w);
      const result = await sendDigest(w, config("slack"), "r2", []);
      receiver.status = 200;
      expect(result?.sent).toBe(false);
      expect(result?.error).toMatch(message);
      expect(JSON.stringify(result)).not.toContain("secret");
      const run = await w.one<{ status: string; error: string }>("SELECT status, error FROM sync.runs WHERE run_id = 'r2' AND source = 'notify'");
      expect(run?.status).toBe("failure");
      expect(run?.error).not.toContain("secret");
      const now = new Date();
      const text = await runMetricsText(w, { runId: "r2", startedAt: now, finishedAt: now, success: true, results: [], notify: result });
      expect(text).toMatch(/^dora_notify_success 0$/m);
      // The last success is the previous run's (r1): a failed digest neither counts as a failed run nor hides one.
      expect(text).toMatch(/^dora_last_success_timestamp_seconds 1772330700$/m);
    }));
});

describe("dora doctor: the notify part", () => {
  it("names a missing webhook variable, and shows only the host of a set one", { timeout: 120_000 }, () =>
    withTempDir(async (dir) => {
      writeFileSync(
        join(dir, "dora.config.yaml"),
        `plan: { start: 2026-01-01 }\nwarehouse: ${join(dir, "w.duckdb")}\nservices: { api: {} }\nsources: { events: {} }\nnotify: { format: teams, url_env: DORA_TEST_WEBHOOK_URL }\n`,
      );
      const missing = await dora(["doctor"], dir);
      expect(missing.stdout).toMatch(/FAIL\s+notify\s+DORA_TEST_WEBHOOK_URL is not set/);
      const set = await dora(["doctor"], dir, { env: { DORA_TEST_WEBHOOK_URL: `${receiver.url}${SECRET_PATH}` } });
      expect(set.stdout).toMatch(/ok\s+notify\s+teams webhook on 127\.0\.0\.1:\d+/);
      expect(set.stdout + set.stderr).not.toContain("secret");
    }));
});
