import { z } from "zod";
import { Config } from "./config.ts";

/** JSON Schema of the config (input side: defaults are optional), generated from the zod schema. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(Config, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return {
    ...schema,
    title: "dora.config.yaml",
    description: "Configuration of the dora DORA-metrics pipeline. Secrets are never written here: only environment variable names.",
  };
}
