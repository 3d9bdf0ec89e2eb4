import { z } from "zod";
import { EnvName, Url } from "./common.ts";

export const PagerdutySource = z.strictObject({
  token_env: EnvName.default("PAGERDUTY_TOKEN"),
  base_url: Url.default("https://api.pagerduty.com"),
  urgencies: z.array(z.enum(["high", "low"])).default(["high", "low"]),
});
export type PagerdutySource = z.infer<typeof PagerdutySource>;
