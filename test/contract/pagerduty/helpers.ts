import { randomUUID } from "node:crypto";
import { createPagerdutySource, pagerdutySource } from "../../../collectors/pagerduty/index.ts";
import { createLogger } from "../../../collectors/core/log.ts";
import { collectSource, type RunContext, type SourceResult } from "../../../collectors/core/runner.ts";
import { registerSecret } from "../../../collectors/core/secrets.ts";
import { Config } from "../../../schemas/config.ts";
import type { Warehouse } from "../../../warehouse/warehouse.ts";
import { startPagerdutySim, type PagerdutySim, type SimIncident, type SimOptions } from "../../sim/pagerduty/server.ts";

export const SERVICE_ID = "PSVC001";
export const TOKEN = "pdsim-token-7f3a9c21e5";
const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** One "now" per test file, so times computed twice in a test agree to the second. */
const NOW = Date.now();
export const at = (msAgo: number) => new Date(NOW - msAgo).toISOString().replace(/\.\d{3}Z$/, "Z");
export const daysAgo = (days: number, plusHours = 0) => at(days * DAY - plusHours * HOUR);

export function configFor(sim: { url: string }, services: Record<string, string[]> = { "payments-api": [SERVICE_ID] }, planStart?: string) {
  return Config.parse({
    timezone: "Europe/Berlin",
    plan: { start: planStart ?? new Date(Date.now() - 40 * DAY).toISOString().slice(0, 10) },
    services: Object.fromEntries(Object.entries(services).map(([name, ids]) => [name, { pagerduty: ids }])),
    sources: { pagerduty: { base_url: sim.url } },
  });
}

export interface RunOptions {
  /** Use the source's own client (token from the environment) instead of a fast-retry test client. */
  ownClient?: boolean;
  lines?: string[];
  config?: Config;
}

/** Short back-off so retries stay quick; rate-limit waits still come from the simulator's headers. */
const TEST_TOKEN_ENV = "DORA_TEST_PAGERDUTY_TOKEN";
const fastPagerduty = createPagerdutySource({ client: { retry: { baseDelayMs: 20 }, rateLimitFallbackMs: 200 } });

export async function collect(w: Warehouse, sim: PagerdutySim, options: RunOptions = {}): Promise<{ result: SourceResult; ctx: RunContext }> {
  const lines = options.lines ?? [];
  const requests = { count: 0 };
  const log = createLogger({ level: "debug", write: (line) => lines.push(line) });
  let config = options.config ?? configFor(sim);
  if (!options.ownClient) {
    // The simulator's token, from a variable of the tests' own (the source reads tokens only from the environment).
    process.env[TEST_TOKEN_ENV] = TOKEN;
    registerSecret(TOKEN);
    config = { ...config, sources: { ...config.sources, pagerduty: { ...config.sources.pagerduty!, token_env: TEST_TOKEN_ENV } } };
  }
  const ctx: RunContext = {
    config,
    log,
    runId: randomUUID(),
    requests,
    warehouse: w,
  };
  const result = await collectSource(options.ownClient ? pagerdutySource : fastPagerduty, ctx);
  return { result, ctx };
}

export async function withSim<T>(options: SimOptions, fn: (sim: PagerdutySim) => Promise<T>): Promise<T> {
  const sim = await startPagerdutySim({ token: TOKEN, ...options });
  try {
    return await fn(sim);
  } finally {
    await sim.close();
  }
}

/** n resolved incidents spread evenly over [fromMs, toMs) before now, acknowledged 2 min and resolved 30 min after creation. */
export function spread(n: number, fromDaysAgo: number, toDaysAgo: number, prefix: string, serviceId = SERVICE_ID): SimIncident[] {
  const from = NOW - fromDaysAgo * DAY;
  const step = ((fromDaysAgo - toDaysAgo) * DAY) / n;
  return Array.from({ length: n }, (_, i) => {
    const created = Math.floor(from + i * step);
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
    return {
      id: `${prefix}${String(i).padStart(6, "0")}`,
      serviceId,
      title: `Error rate high #${i}`,
      createdAt: iso(created),
      resolvedAt: iso(created + 30 * 60_000),
    };
  });
}

export async function incidentRows(w: Warehouse) {
  return w.all<Record<string, unknown>>("SELECT * EXCLUDE (collected_at) FROM core.incidents ORDER BY incident_id");
}
