import { InvalidArgumentError, type Command } from "commander";

export function parseIntOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

export function parseDateOption(value: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}(T.*)?$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new InvalidArgumentError(`expected a date like 2025-12-01 (got "${value}")`);
  }
  return new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
}

/** Options every command takes. */
export function withGlobals(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "config file", "dora.config.yaml")
    .option("-w, --warehouse <path>", "DuckDB warehouse file (overrides the config's warehouse)")
    .option("-q, --quiet", "only warnings and errors")
    .option("-v, --verbose", "debug logging");
}
