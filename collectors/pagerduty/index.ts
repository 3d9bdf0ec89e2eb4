import { configured } from "../configured.ts";
import type { Source } from "../core/stream.ts";
import { PagerdutyRun, type PagerdutySourceOptions } from "./context.ts";
import { incidents } from "./incidents.ts";
import { logEntries } from "./log-entries.ts";

/**
 * PagerDuty → core.incidents. Enabled when `sources.pagerduty` is configured and a service lists
 * PagerDuty service ids. Log entries first: the incidents read their acknowledge/resolve times
 * from them.
 */
export function createPagerdutySource(options: PagerdutySourceOptions = {}): Source<PagerdutyRun> {
  return {
    name: "pagerduty",
    enabled: configured.pagerduty,
    streams: [logEntries, incidents],
    start: (ctx) => new PagerdutyRun(ctx, options),
    async check(ctx) {
      const run = new PagerdutyRun(ctx, options);
      const response = await run.client.get("/abilities");
      const abilities = Array.isArray(response.data.abilities) ? response.data.abilities.length : 0;
      return `token accepted by ${run.client.baseUrl} (${abilities} abilities)`;
    },
  };
}

export const pagerdutySource = createPagerdutySource();
