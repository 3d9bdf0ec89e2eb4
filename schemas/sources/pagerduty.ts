import { z } from "zod";
import { EnvName, Url } from "./common.ts";

export const PagerdutySource = z.strictObject({
  token_env: EnvName.default("PAGERDUTY_TOKEN"),
  /** https://api.pagerduty.com, or https://api.eu.pagerduty.com for the EU service region. */
  base_url: Url.default("https://api.pagerduty.com"),
  urgencies: z.array(z.enum(["high", "low"])).min(1).default(["high", "low"]),
  /** Records per request; PagerDuty allows at most 100. */
  page_size: z.number().int().min(1).max(100).default(100),
});
export type PagerdutySource = z.infer<typeof PagerdutySource>;
