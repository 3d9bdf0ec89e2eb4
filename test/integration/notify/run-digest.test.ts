import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Warehouse } from "../../../warehouse/warehouse.ts";
import { withTempDir } from "../../helpers/db.ts";
import { dora } from "../nightly/harness.ts";

// `dora run` sends the digest itself: the real CLI in a child process, events from a file, the
// webhook a local receiver. The message contents per format are tested in notify.test.ts. The
// deployments are dated months before the runs, as events read from a CI artefact a night late or
// an Argo CD history are: the digest counts what arrived since it last spoke, not what finished.

interface Received {
  path: string;
  body: { text?: string };
}
let server: Server;
let url: string;
const received: Received[] = [];
let status = 200;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (c: string) => (body += c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", body: JSON.parse(body) as Received["body"] });
      res.writeHead(status).end(status < 300 ? "ok" : "boom");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const HOOK = "/hooks/T123/B456/run-digest-SECRET-part-7f3a";
const deploy = (id: string, at: string) => `${JSON.stringify({ kind: "deployment", service: "api", sha: "a1b2c3d4e5f6", status: "success", id, finished_at: at })}\n`;

describe("dora run sends the nightly digest", () => {
  it("after a run with news (one message), not after a run without, again when events arrive (dated before the previous run: counted by id, not time); a failing webhook leaves the run's exit 0, is counted, and its news goes out with the next digest", { timeout: 300_000 }, () =>
    withTempDir(async (dir) => {
      const events = join(dir, "deploys.jsonl");
      const textfile = join(dir, "node_exporter", "dora.prom");
      writeFileSync(events, deploy("1", "2026-03-02T10:00:00Z"));
      writeFileSync(
        join(dir, "dora.config.yaml"),
        [
          "timezone: Europe/Berlin",
          `warehouse: ${join(dir, "warehouse.duckdb")}`,
          "plan: { start: 2026-01-01, months: 6 }",
          "services: { api: {} }",
          `sources: { events: { files: [${events}], spool_dir: ${join(dir, "spool")} } }`,
          `monitoring: { textfile: ${textfile} }`,
          "notify: { format: slack, url_env: DORA_TEST_WEBHOOK_URL, report_url: https://reports.example/dora/ }",
        ].join("\n"),
      );
      const env = { DORA_TEST_WEBHOOK_URL: `${url}${HOOK}` };
      const run = async () => {
        const r = await dora(["run", "--no-pdf", "--out", join(dir, "report")], dir, { env });
        expect(r.code, r.stderr).toBe(0);
        // the webhook URL is the credential: it is in no output
        expect(`${r.stdout}${r.stderr}`).not.toContain("SECRET");
        return r;
      };

      await run();
      expect(received).toHaveLength(1);
      expect(received[0]!.path).toBe(HOOK);
      expect(received[0]!.body.text).toBe("*dora nightly run*\nSince the last run: 1 production deployment, 0 new incidents, 0 resolved.\nReport: https://reports.example/dora/");

      await run();
      expect(received).toHaveLength(1);

      appendFileSync(events, deploy("2", "2026-03-03T10:00:00Z") + deploy("3", "2026-03-03T12:00:00Z"));
      await run();
      expect(received).toHaveLength(2);
      expect(received[1]!.body.text).toContain("Since the last run: 2 production deployments, 0 new incidents, 0 resolved.");
      expect(readFileSync(textfile, "utf8")).toMatch(/^dora_notify_success 1$/m);

      status = 500;
      appendFileSync(events, deploy("4", "2026-03-04T10:00:00Z"));
      const failing = await run();
      status = 200;
      expect(received).toHaveLength(3);
      expect(failing.stderr).toMatch(/slack webhook answered HTTP 500/);
      expect(readFileSync(textfile, "utf8")).toMatch(/^dora_notify_success 0$/m);
      expect(readFileSync(textfile, "utf8")).toMatch(/^dora_run_success 1$/m);
      // What the failed digest would have said is not lost: the next one says it.
      await run();
      expect(received).toHaveLength(4);
      expect(received[3]!.body.text).toContain("Since the last run: 1 production deployment, 0 new incidents, 0 resolved.");

      const w = await Warehouse.open(join(dir, "warehouse.duckdb"), { readOnly: true });
      try {
        const notes = await w.all<{ status: string; error: string | null }>("SELECT status, error FROM sync.runs WHERE source = 'notify' ORDER BY started_at");
        // one row per run; the run with nothing to say sent nothing and is no failure
        expect(notes.map((n) => n.status)).toEqual(["success", "success", "success", "failure", "success"]);
        expect(notes.every((n) => !(n.error ?? "").includes("SECRET"))).toBe(true);
      } finally {
        w.close();
      }
    }));
});
