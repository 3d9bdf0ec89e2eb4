import { Config } from "../../../schemas/config.ts";
import { createLogger } from "../../../collectors/core/log.ts";
import type { RunContext } from "../../../collectors/core/runner.ts";
import type { RetryOptions } from "../../../collectors/gitlab/client.ts";
import { createGitlabSource } from "../../../collectors/gitlab/index.ts";
import type { Warehouse } from "../../../warehouse/warehouse.ts";

export const TOKEN_ENV = "DORA_TEST_GITLAB_TOKEN";

/** The GitLab source with tiny back-offs, so 5xx retries do not slow the suite. */
export function gitlabWith(retry: Partial<RetryOptions> = {}) {
  return createGitlabSource({ retry: { baseDelayMs: 1, maxDelayMs: 5, ...retry } });
}

export const gitlabSource = gitlabWith();

export interface TestContext extends RunContext {
  logs: string[];
}

/** A collect context against the simulator. */
export function makeContext(
  warehouse: Warehouse,
  url: string,
  options: { services?: Record<string, string[]>; groups?: string[]; pageSize?: number; since?: Date } = {},
): TestContext {
  const services = options.services ?? { payments: ["acme/payments"] };
  const config = Config.parse({
    plan: { start: "2026-01-01" },
    services: Object.fromEntries(Object.entries(services).map(([name, gitlab]) => [name, { gitlab }])),
    sources: { gitlab: { token_env: TOKEN_ENV, base_url: url, groups: options.groups ?? [], page_size: options.pageSize ?? 100 } },
  });
  const logs: string[] = [];
  return {
    config,
    log: createLogger({ level: "debug", write: (line) => logs.push(line) }),
    runId: `run-${Math.random().toString(36).slice(2)}`,
    since: options.since,
    requests: { count: 0 },
    warehouse,
    logs,
  };
}

/** Every core/sync row of the warehouse as comparable text (collected_at and run-specific columns left out). */
export async function snapshot(w: Warehouse): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of ["core.deployments", "core.changes", "core.pull_requests", "sync.cursors"]) {
    const rows = await w.all(`SELECT * EXCLUDE (${table === "sync.cursors" ? "updated_at" : "collected_at"}) FROM ${table}`);
    out[table] = rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? Number(v) : v))).sort();
  }
  return out;
}
