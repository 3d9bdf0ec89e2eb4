import { resolve } from "node:path";
import { loadConfig, type LoadedConfig } from "../schemas/load-config.ts";
import { createLogger, type Logger } from "../collectors/core/log.ts";
import { registerConfigSecrets } from "../collectors/core/secrets.ts";
import { Progress } from "./progress.ts";

export interface GlobalOptions {
  config?: string;
  warehouse?: string;
  quiet?: boolean;
  verbose?: boolean;
}

export const DEFAULT_CONFIG = "dora.config.yaml";

/**
 * Loads the config and registers every secret it names for redaction, so every command that reads
 * a config (collect, run, doctor, report, rebuild, sql, export …) redacts all of them from its first
 * request and first log line, whichever source turns out to echo which token.
 */
export function loadFromOptions(options: GlobalOptions): LoadedConfig {
  const loaded = loadConfig(options.config ?? DEFAULT_CONFIG);
  registerConfigSecrets(loaded.config);
  return loaded;
}

/** --warehouse wins over the config's `warehouse`; relative paths are relative to the working directory. */
export function warehousePath(options: GlobalOptions, loaded?: LoadedConfig): string {
  return resolve(options.warehouse ?? loaded?.config.warehouse ?? "data/warehouse.duckdb");
}

export function makeLogger(options: GlobalOptions): Logger {
  const tty = Boolean(process.stderr.isTTY) && !process.env.CI;
  return createLogger({
    level: options.verbose ? "debug" : options.quiet ? "warn" : "info",
    format: tty ? "text" : "json",
  });
}

export function makeProgress(options: GlobalOptions): Progress {
  return new Progress(process.stderr, Boolean(options.quiet));
}
