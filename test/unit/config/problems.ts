import { ConfigError, parseConfig } from "../../../schemas/load-config.ts";

/** The problems parseConfig reports for a config text ([] when it is valid). */
export function problems(text: string): string[] {
  try {
    parseConfig(text, "dora.config.yaml");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
