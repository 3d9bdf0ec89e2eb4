import { Config } from "../../../schemas/config.ts";
import { collectSource, type SourceResult, type RunContext } from "../../../collectors/core/runner.ts";
import { createLogger } from "../../../collectors/core/log.ts";
import { githubSource } from "../../../collectors/github/index.ts";
import type { Warehouse } from "../../../warehouse/warehouse.ts";

/** A recognisable token: any test that finds it in a log, raw page or error fails. */
// A fake token in GitHub's shape, joined at run time so secret scanners do not flag a fixture.
export const TOKEN = ["ghp", "DoraTestToken0123456789abcdefghijkl"].join("_");
export const TOKEN_ENV = "DORA_TEST_GITHUB_TOKEN";

export function githubConfig(url: string, services: Record<string, unknown>, github: Record<string, unknown> = {}): Config {
  return Config.parse({
    plan: { start: "2026-01-01" },
    services,
    sources: { github: { base_url: url, token_env: TOKEN_ENV, retry_base_ms: 5, ...github } },
  });
}

export interface Run {
  result: SourceResult;
  lines: string[];
  requests: number;
}

export async function runGithub(w: Warehouse, config: Config, options: { since?: Date; runId?: string } = {}): Promise<Run> {
  process.env[TOKEN_ENV] = TOKEN;
  const lines: string[] = [];
  const ctx: RunContext = {
    config,
    log: createLogger({ level: "debug", write: (l) => lines.push(l) }),
    runId: options.runId ?? `run-${Math.random().toString(36).slice(2, 8)}`,
    since: options.since,
    requests: { count: 0 },
    warehouse: w,
  };
  const result = await collectSource(githubSource, ctx);
  return { result, lines, requests: ctx.requests.count };
}

/** Table contents without collected_at (a re-run rewrites it), ordered by key. */
export async function snapshot(w: Warehouse, table: string, key: string): Promise<unknown[]> {
  const rows = await w.all(`SELECT * EXCLUDE (collected_at) FROM ${table} ORDER BY ${key}`);
  return rows;
}
