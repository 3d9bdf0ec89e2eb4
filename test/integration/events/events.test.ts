import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../collectors/core/log.ts";
import { startReceiver, type ReceiverOptions } from "../../../collectors/events/receiver.ts";
import { spoolFiles } from "../../../collectors/events/spool.ts";
import { Warehouse } from "../../../warehouse/warehouse.ts";
import { withTempDir } from "../../helpers/db.ts";
import { BIN, dora } from "../nightly/harness.ts";

const TOKEN = "events-test-TOKEN-9f2c41";

function makeRepo(dir: string) {
  mkdirSync(dir, { recursive: true });
  const env = (date: string) => ({
    ...process.env,
    GIT_AUTHOR_NAME: "Dev", GIT_AUTHOR_EMAIL: "dev@example.com", GIT_COMMITTER_NAME: "Dev", GIT_COMMITTER_EMAIL: "dev@example.com",
    GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date, GIT_CONFIG_NOSYSTEM: "1", HOME: dir,
  });
  const git = (args: string[], date = "2026-03-01T00:00:00Z") => execFileSync("git", ["-C", dir, ...args], { env: env(date), encoding: "utf8" }).trim();
  git(["init", "-q", "-b", "main"]);
  let n = 0;
  const commit = (message: string, date: string) => {
    writeFileSync(join(dir, `f${n++}.txt`), message);
    git(["add", "."], date);
    git(["commit", "-q", "-m", message], date);
    return git(["rev-parse", "HEAD"]);
  };
  return commit;
}

function receiverOptions(dir: string, extra: Partial<ReceiverOptions> = {}): ReceiverOptions {
  return { dir, token: TOKEN, port: 0, maxBodyBytes: 4096, ratePerSecond: 1000, log: createLogger({ write: () => undefined }), ...extra };
}

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: "POST", body, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...headers } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const deployment = (over: Record<string, unknown> = {}) => ({ kind: "deployment", service: "api", sha: "a1b2c3d4e5f6", status: "success", id: "run-1", finished_at: "2026-03-02T10:00:00Z", ...over });

describe("dora serve: the HTTP receiver", () => {
  it("401 without or with a wrong token, 415 for another type, 413 over the limit, 400 naming the field, 404 elsewhere", () =>
    withTempDir(async (tmp) => {
      const r = await startReceiver(receiverOptions(join(tmp, "spool")));
      try {
        const url = `${r.url}/events`;
        const ok = JSON.stringify(deployment());
        expect((await fetch(url, { method: "POST", body: ok, headers: { "content-type": "application/json" } })).status).toBe(401);
        expect((await post(url, ok, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
        expect((await post(url, ok, { authorization: `Bearer ${TOKEN.slice(0, -1)}` })).status).toBe(401);
        expect((await post(url, ok, { "content-type": "text/plain" })).status).toBe(415);
        const big = JSON.stringify([deployment({ url: "x".repeat(1500) }), deployment({ url: "y".repeat(1500) }), deployment({ url: "z".repeat(1500) })]);
        expect((await post(url, big)).status).toBe(413);
        const bad = await post(url, JSON.stringify([deployment(), deployment({ sha: "not-a-sha" })]));
        expect(bad.status).toBe(400);
        expect(bad.body.error).toMatch(/^events\[1\]\.sha: expected a commit sha/);
        const missing = await post(`${r.url}/incidents`, JSON.stringify({ service: "api", id: "INC-1" }));
        expect(missing.status).toBe(400);
        expect(missing.body.error).toMatch(/created_at/);
        expect((await post(url, "{not json")).status).toBe(400);
        expect((await post(`${r.url}/nope`, ok)).status).toBe(404);
        // Nothing refused reached the spool.
        expect(await spoolFiles(join(tmp, "spool"))).toEqual([]);
        expect(r.stored()).toBe(0);
      } finally {
        await r.close();
      }
    }));

  it("413 for a chunked body without a length once it passes the limit", () =>
    withTempDir(async (tmp) => {
      const r = await startReceiver(receiverOptions(join(tmp, "spool")));
      try {
        const status = await new Promise<number>((resolve, reject) => {
          const req = request(`${r.url}/events`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", "transfer-encoding": "chunked" } }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          });
          req.on("error", reject);
          for (let i = 0; i < 10; i++) req.write(" ".repeat(1000));
          req.end("{}");
        });
        expect(status).toBe(413);
      } finally {
        await r.close();
      }
    }));

  it("429 once the burst is spent (a rate of one request per 100 s refills nothing during the test)", () =>
    withTempDir(async (tmp) => {
      const r = await startReceiver(receiverOptions(join(tmp, "spool"), { ratePerSecond: 0.01, burst: 2 }));
      try {
        const body = JSON.stringify(deployment());
        expect((await post(`${r.url}/events`, body)).status).toBe(202);
        expect((await post(`${r.url}/events`, body)).status).toBe(202);
        const third = await fetch(`${r.url}/events`, { method: "POST", body, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" } });
        expect(third.status).toBe(429);
        expect(third.headers.get("retry-after")).toBe("1");
      } finally {
        await r.close();
      }
    }));

  it("202 only after the events are in the spool file; concurrent requests share a write; close() answers what is in flight", () =>
    withTempDir(async (tmp) => {
      const dir = join(tmp, "spool");
      const r = await startReceiver(receiverOptions(dir, { batchMs: 50 }));
      let received = 0;
      const allReceived = new Promise<void>((resolve) => r.server.on("request", () => ++received === 8 && resolve()));
      const sent = Array.from({ length: 8 }, (_, i) => post(`${r.url}/deployments`, JSON.stringify({ service: "api", sha: "abcdef1", status: "success", id: `run-${i}` })));
      // Close once the server has the eight requests, while they wait for their batch: each is still answered, and stored.
      await allReceived;
      expect(r.stored()).toBe(0);
      const closing = r.close();
      const answers = await Promise.all(sent);
      await closing;
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(202));
      const files = await spoolFiles(dir);
      expect(files).toHaveLength(1);
      const lines = readFileSync(files[0]!, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string; kind: string; finished_at: string });
      expect(lines.map((l) => l.id).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `run-${i}`).sort());
      expect(lines.every((l) => l.kind === "deployment" && !Number.isNaN(Date.parse(l.finished_at)))).toBe(true);
      await expect(fetch(`${r.url}/events`)).rejects.toThrow();
    }));
});

describe("events end to end: record, serve and files → collect → linked changes and incidents", () => {
  it("recorded deployments ship the commits between them; a retried record is one deployment; an incident naming a sha links explicitly", () =>
    withTempDir(async (tmp) => {
      const repo = join(tmp, "api");
      const commit = makeRepo(repo);
      const c1 = commit("init", "2026-03-01T08:00:00Z");
      const c2 = commit("feature a", "2026-03-02T08:00:00Z");
      const c3 = commit("feature b", "2026-03-02T09:00:00Z");
      const c4 = commit("fix: oops", "2026-03-03T08:00:00Z");
      const warehouse = join(tmp, "data", "warehouse.duckdb");
      writeFileSync(
        join(tmp, "dora.config.yaml"),
        [
          "plan: { start: 2026-03-01, months: 6 }",
          `warehouse: ${warehouse}`,
          "services: { api: {}, web: {} }",
          "sources:",
          "  events:",
          `    files: [${join(tmp, "ci", "web.csv")}]`,
          `    git: { api: ${repo} }`,
          "    token_env: EVENTS_TOKEN",
        ].join("\n"),
      );
      const record = (args: string[]) => dora(["record", ...args], tmp);
      expect((await record(["deployment", "--service", "api", "--sha", c1, "--status", "success", "--id", "1", "--finished-at", "2026-03-01T10:00:00Z"])).code).toBe(0);
      const second = ["deployment", "--service", "api", "--sha", c3.slice(0, 10), "--status", "success", "--id", "2", "--started-at", "2026-03-02T09:30:00Z", "--finished-at", "2026-03-02T10:00:00Z"];
      expect((await record(second)).code).toBe(0);
      expect((await record(second)).code).toBe(0); // the CI job retried
      expect((await record(["deployment", "--service", "api", "--sha", c4, "--status", "failure", "--id", "3", "--finished-at", "2026-03-03T10:00:00Z"])).code).toBe(0);
      const invalid = await record(["deployment", "--service", "api", "--sha", "xyz", "--status", "success"]);
      expect(invalid.code).toBe(2);
      expect(invalid.stderr.trim()).toBe("dora: record deployment: sha: expected a commit sha (7-64 hex digits)");

      // The incident arrives over HTTP and names the deployed commit (abbreviated).
      const r = await startReceiver(receiverOptions(join(tmp, "data", "events")));
      try {
        const incident = { kind: "incident", service: "api", id: "INC-7", created_at: "2026-03-02T12:00:00Z", resolved_at: "2026-03-02T13:30:00Z", urgency: "high", refs: [c3.slice(0, 8)] };
        expect((await post(`${r.url}/events`, JSON.stringify({ events: [incident] }))).status).toBe(202);
      } finally {
        await r.close();
      }
      // Another service's deployments as a CSV artefact (quoted field with a comma).
      mkdirSync(join(tmp, "ci"));
      writeFileSync(
        join(tmp, "ci", "web.csv"),
        "kind,service,sha,status,environment,id,finished_at,url,rollback\n" +
          'deployment,web,0123456789ab,success,production,w1,2026-03-02T11:00:00Z,"https://ci.example/1,2",false\n' +
          "deployment,web,0123456789ac,success,staging,w2,2026-03-02T12:00:00Z,,\n",
      );

      const collected = await dora(["collect"], tmp, { env: { EVENTS_TOKEN: TOKEN } });
      expect(collected.stderr).not.toContain(TOKEN);
      expect(collected.code, collected.stderr).toBe(0);
      expect((await dora(["transform"], tmp)).code).toBe(0);

      const w = await Warehouse.open(warehouse, { readOnly: true });
      try {
        const deployments = await w.all<{ deployment_id: string; status: string; is_production: boolean; url: string | null }>(
          "SELECT deployment_id, status, is_production, url FROM core.deployments ORDER BY deployment_id",
        );
        expect(deployments).toEqual([
          { deployment_id: "events:deployment:api:1", status: "success", is_production: true, url: null },
          { deployment_id: "events:deployment:api:2", status: "success", is_production: true, url: null },
          { deployment_id: "events:deployment:api:3", status: "failure", is_production: true, url: null },
          { deployment_id: "events:deployment:web:w1", status: "success", is_production: true, url: "https://ci.example/1,2" },
          { deployment_id: "events:deployment:web:w2", status: "success", is_production: false, url: null },
        ]);
        // Deployment 2 shipped c2 and c3 (c1 went out with deployment 1; c4 only in a failed one).
        const changes = await w.all<{ commit_sha: string; deployment_id: string }>("SELECT commit_sha, deployment_id FROM core.changes ORDER BY committed_at");
        expect(changes).toEqual([
          { commit_sha: c2, deployment_id: "events:deployment:api:2" },
          { commit_sha: c3, deployment_id: "events:deployment:api:2" },
        ]);
        const links = await w.all("SELECT incident_id, caused_by_deployment_id, link_kind FROM metrics.incident_links");
        expect(links).toEqual([{ incident_id: "events:incident:api:INC-7", caused_by_deployment_id: "events:deployment:api:2", link_kind: "explicit" }]);
      } finally {
        w.close();
      }

      // A second collection reads nothing new: every file's cursor is at its end.
      const again = await dora(["collect", "-v"], tmp);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).not.toMatch(/"stream":"events.files".*"page"|page.*events\.files/);
      const w2 = await Warehouse.open(warehouse, { readOnly: true });
      try {
        const pages = await w2.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM raw.pages WHERE stream = 'events.files'");
        expect(pages?.n).toBe(3); // two spool files and the CSV, once each
      } finally {
        w2.close();
      }
    }), 120_000);

  it("dora serve stops on SIGTERM after answering, and says how many events it stored", () =>
    withTempDir(async (tmp) => {
      writeFileSync(join(tmp, "dora.config.yaml"), `plan: { start: 2026-03-01 }\nwarehouse: ${join(tmp, "w.duckdb")}\nservices: { api: {} }\nsources: { events: { token_env: EVENTS_TOKEN } }\n`);
      const child = spawn(process.execPath, [BIN, "serve", "--port", "0"], { cwd: tmp, env: { PATH: process.env.PATH, EVENTS_TOKEN: TOKEN, CI: "true" } });
      let stderr = "";
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.setEncoding("utf8").on("data", (d: string) => {
          stderr += d;
          const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(stderr);
          if (m) resolve(m[1]!);
        });
        child.on("exit", () => reject(new Error(stderr)));
      });
      expect((await post(`${url}/events`, JSON.stringify(deployment()))).status).toBe(202);
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/stopped; 1 events stored/);
      expect(stderr).not.toContain(TOKEN);
      const files = await spoolFiles(join(tmp, "events"));
      expect(files.map((f) => f.replace(/.*\//, ""))).toEqual([expect.stringMatching(/^serve-\d{4}-\d{2}-\d{2}\.jsonl$/)]);
    }), 60_000);
});
