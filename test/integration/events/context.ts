import { join } from "node:path";
import { createLogger } from "../../../collectors/core/log.ts";
import type { RunContext } from "../../../collectors/core/runner.ts";
import { Config } from "../../../schemas/config.ts";
import type { Warehouse } from "../../../warehouse/warehouse.ts";

/**
 * A run of the events source whose service `api` lists a forge project (`services.api`, e.g.
 * `{ github: ["acme/api"] }`) configured in `forge` (e.g. `{ github: { base_url, token_env } }`):
 * events from `<dir>/spool` and `<dir>/deploys.jsonl`; log lines into `lines`.
 */
export function eventsForgeContext(w: Warehouse, dir: string, api: Record<string, unknown>, forge: Record<string, unknown>, lines: string[]): RunContext {
  return {
    config: Config.parse({
      timezone: "Europe/Berlin",
      plan: { start: "2026-01-01", months: 6 },
      services: { api },
      sources: { ...forge, events: { spool_dir: join(dir, "spool"), files: [join(dir, "deploys.jsonl")] } },
    }),
    log: createLogger({ write: (l) => lines.push(l) }),
    runId: `run-${Math.random().toString(36).slice(2)}`,
    requests: { count: 0 },
    warehouse: w,
  };
}
