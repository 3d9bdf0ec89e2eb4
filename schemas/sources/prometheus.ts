import { z } from "zod";
import { EnvName, Url } from "./common.ts";

export const PrometheusSource = z.strictObject({
  base_url: Url.default("http://localhost:9090"),
  auth: z
    .discriminatedUnion("type", [
      z.strictObject({ type: z.literal("none") }),
      z.strictObject({ type: z.literal("basic"), username_env: EnvName, password_env: EnvName }),
      z.strictObject({ type: z.literal("bearer"), token_env: EnvName }),
    ])
    .default({ type: "none" }),
  headers: z.record(z.string(), z.string()).default({}),
  step_seconds: z.number().int().min(60).default(3600),
});
export type PrometheusSource = z.infer<typeof PrometheusSource>;
