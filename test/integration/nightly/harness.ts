/**
 * Shared parts of the nightly-job tests: the real `dora` CLI in a child process (async, so the
 * simulators in this process keep answering), the GitLab and PagerDuty simulators seeded with
 * several pages of data, a delaying proxy (the simulators have no latency option) and a
 * comparable dump of a warehouse file.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { Warehouse } from "../../../warehouse/warehouse.ts";
import { manyDeployments, paymentsProject } from "../../sim/gitlab/fixtures.ts";
import { SIM_TOKEN, startGitlabSim, type GitlabSim, type SimFault as GitlabFault } from "../../sim/gitlab/server.ts";
import { startPagerdutySim, type PagerdutySim, type SimFault as PagerdutyFault, type SimIncident } from "../../sim/pagerduty/server.ts";
import { mulberry32 } from "../../../transforms/lib/stats.ts";

export const BIN = resolve("bin/dora.js");
export const GITLAB_TOKEN = SIM_TOKEN;
export const PAGERDUTY_TOKEN = "pd-nightly-RECOGNISABLE-token-51c9e0";

export interface DoraResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface DoraOptions {
  env?: NodeJS.ProcessEnv;
  onSpawn?: (child: ChildProcess) => void;
  /** Called with the child and the time (ms since spawn) each stderr chunk arrived. */
  onStderr?: (child: ChildProcess, text: string, ms: number) => void;
}

/** Environment of a child: only what it needs (no token of the developer's shell leaks in). */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TZ: process.env.TZ ?? "Europe/Berlin", CI: "true" };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/** Runs `node bin/dora.js …` without blocking this process's event loop. */
export function dora(args: string[], cwd: string, options: DoraOptions = {}): Promise<DoraResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: childEnv(options.env), stdio: ["ignore", "pipe", "pipe"] });
  options.onSpawn?.(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    options.onStderr?.(child, d, Date.now() - started);
  });
  return new Promise((done, fail) => {
    child.on("error", fail);
    child.on("close", (code, signal) => done({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
}

/** Counts the responses a proxy has passed back; `onResponse` runs after each one was sent. */
export interface Tap {
  responses: number;
  onResponse?: (n: number) => void;
}

/**
 * A proxy that holds every request `delayMs` before passing it on (latency the simulators lack)
 * and reports each response it delivered to `tap` (to kill a client at an exact request).
 */
export async function startDelayProxy(target: string, delayMs: number, tap: Tap = { responses: 0 }): Promise<{ url: string; close(): Promise<void> }> {
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      setTimeout(() => {
        const upstream = request(
          { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.on("finish", () => {
              tap.responses++;
              tap.onResponse?.(tap.responses);
            });
            answer.pipe(res);
          },
        );
        upstream.on("error", () => {
          if (!res.headersSent) res.writeHead(502);
          res.end();
        });
        upstream.end(Buffer.concat(chunks));
      }, delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const DAY = 24 * 3600_000;
/** Fixed "now" for the incidents, so two simulators of one test serve the same data. */
const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** n resolved incidents of a service, spread over the last 30 days (acknowledged after 2 min, resolved after 30). */
export function incidents(n: number, serviceId: string, prefix: string): SimIncident[] {
  const from = NOW - 30 * DAY;
  return Array.from({ length: n }, (_, i) => {
    const created = from + Math.floor((i * 29 * DAY) / n);
    return {
      id: `${prefix}${String(i).padStart(4, "0")}`,
      serviceId,
      title: `Error rate high #${i}`,
      createdAt: iso(created),
      acknowledgedAt: [iso(created + 2 * 60_000)],
      resolvedAt: iso(created + 30 * 60_000),
      urgency: i % 3 === 0 ? "low" : "high",
    };
  });
}

export interface Sims {
  gitlab: GitlabSim;
  pagerduty: PagerdutySim;
  close(): Promise<void>;
}

/** Both simulators with a few pages of data each: two GitLab projects, two PagerDuty services. */
export async function startSims(options: { gitlabFaults?: GitlabFault[]; pagerdutyFaults?: PagerdutyFault[]; extraProjects?: ReturnType<typeof paymentsProject>[] } = {}): Promise<Sims> {
  const gitlab = await startGitlabSim({
    state: { projects: [paymentsProject("acme/payments", 7), manyDeployments(24, "acme/big", 9), ...(options.extraProjects ?? [])] },
    faults: options.gitlabFaults ?? [],
  });
  const pagerduty = await startPagerdutySim({
    token: PAGERDUTY_TOKEN,
    services: [
      { id: "PSVC001", name: "Payments" },
      { id: "PSVC002", name: "Checkout" },
    ],
    incidents: [...incidents(18, "PSVC001", "PA"), ...incidents(12, "PSVC002", "PB")],
    faults: options.pagerdutyFaults ?? [],
  });
  return {
    gitlab,
    pagerduty,
    close: async () => {
      await gitlab.close();
      await pagerduty.close();
    },
  };
}

export interface ConfigOptions {
  warehouse: string;
  gitlabUrl?: string;
  pagerdutyUrl?: string;
  githubUrl?: string;
  textfile?: string;
  reportOut?: string;
  gitlabProjects?: string[];
  pagerdutyServices?: string[];
  pageSize?: number;
}

/** A dora.config.yaml for the simulators (plan starts well before the simulated data). */
export function configYaml(o: ConfigOptions): string {
  const projects = o.gitlabProjects ?? ["acme/payments", "acme/big"];
  const services = o.pagerdutyServices ?? ["PSVC001", "PSVC002"];
  const lines = [
    "timezone: Europe/Berlin",
    `warehouse: ${JSON.stringify(o.warehouse)}`,
    "plan:",
    "  start: 2025-12-01",
    "services:",
    "  payments:",
    ...(o.gitlabUrl ? [`    gitlab: ${JSON.stringify(projects)}`] : []),
    ...(o.pagerdutyUrl ? [`    pagerduty: ${JSON.stringify(services)}`] : []),
    ...(o.githubUrl ? ["    github: [acme/payments-api]"] : []),
    "sources:",
    ...(o.gitlabUrl ? [`  gitlab: { base_url: ${JSON.stringify(o.gitlabUrl)}, page_size: ${o.pageSize ?? 100} }`] : []),
    ...(o.pagerdutyUrl ? [`  pagerduty: { base_url: ${JSON.stringify(o.pagerdutyUrl)}, page_size: ${o.pageSize ?? 100} }`] : []),
    ...(o.githubUrl ? [`  github: { base_url: ${JSON.stringify(o.githubUrl)}, retry_base_ms: 5 }`] : []),
    ...(o.textfile ? ["monitoring:", `  textfile: ${JSON.stringify(o.textfile)}`] : []),
    ...(o.reportOut ? ["report:", `  out: ${JSON.stringify(o.reportOut)}`] : []),
  ];
  return `${lines.join("\n")}\n`;
}

/** Volatile columns: when a row was written, not what it says. */
const VOLATILE: Record<string, string[]> = {
  "sync.cursors": ["updated_at"],
};

/** Every row of core.* and sync.cursors as sorted JSON text, volatile columns left out. */
export async function dumpWarehouse(path: string): Promise<Record<string, string[]>> {
  const w = await Warehouse.open(path, { readOnly: true });
  try {
    const tables = await w.all<{ t: string }>(
      "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema = 'core' OR (table_schema = 'sync' AND table_name = 'cursors') ORDER BY 1",
    );
    const out: Record<string, string[]> = {};
    for (const { t } of tables) {
      const columns = (await w.columns(t)).map((c) => c.name);
      const drop = [...(VOLATILE[t] ?? []), ...columns.filter((c) => c === "collected_at")];
      const rows = await w.all(`SELECT * ${drop.length ? `EXCLUDE (${drop.join(", ")})` : ""} FROM ${t}`);
      out[t] = rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))).sort();
    }
    return out;
  } finally {
    w.close();
  }
}

/** Row counts of the core tables (to show nothing stored was lost). */
export async function counts(path: string): Promise<Record<string, number>> {
  const w = await Warehouse.open(path, { readOnly: true });
  try {
    const out: Record<string, number> = {};
    for (const t of ["core.deployments", "core.changes", "core.pull_requests", "core.incidents", "sync.cursors", "raw.pages"]) {
      out[t] = (await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${t}`))!.n;
    }
    return out;
  } finally {
    w.close();
  }
}

/** Runs fn on a read-only open of a warehouse file. */
export async function query<T>(path: string, fn: (w: Warehouse) => Promise<T>): Promise<T> {
  const w = await Warehouse.open(path, { readOnly: true });
  try {
    return await fn(w);
  } finally {
    w.close();
  }
}

/** A small seeded PRNG (mulberry32): the kill points are the same on every run. */
export const prng = mulberry32;

export const TOKENS_ENV = { GITLAB_TOKEN, PAGERDUTY_TOKEN };

/** Every file under dir, recursively (what a run wrote, to scan for secrets). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** A scanner for the given secrets: the names of those that appear in a text. */
export function leakScanner(secrets: Record<string, string>): (text: string) => string[] {
  return (text) =>
    Object.entries(secrets)
      .filter(([, value]) => text.includes(value))
      .map(([name]) => name);
}
