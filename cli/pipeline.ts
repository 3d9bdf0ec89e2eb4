import { randomUUID } from "node:crypto";
import { loadSources, SOURCES } from "../collectors/registry.ts";
import { collectSource, markAbandonedRuns, type SourceResult } from "../collectors/core/runner.ts";
import { withCollectSettings } from "../collectors/core/settings.ts";
import type { Logger } from "../collectors/core/log.ts";
import { registerConfigSecrets } from "../collectors/core/secrets.ts";
import type { AnySource } from "../collectors/core/stream.ts";
import type { Config } from "../schemas/config.ts";
import type { TransformResult } from "../transforms/run.ts";
import type { Warehouse } from "../warehouse/warehouse.ts";
import { UsageError } from "./errors.ts";
import type { Progress } from "./progress.ts";

export interface CollectOptions {
  since?: Date;
  full?: boolean;
  only?: string[];
  runId?: string;
}

/** The sources the config enables (only those named in `only`, when given), their modules loaded. */
export async function enabledSources(config: Config, only?: string[]): Promise<AnySource[]> {
  const enabled = SOURCES.filter((s) => s.enabled(config));
  if (only?.length) {
    const unknown = only.filter((n) => !SOURCES.some((s) => s.name === n));
    if (unknown.length) throw new UsageError(`unknown source ${unknown.join(", ")} (known: ${SOURCES.map((s) => s.name).join(", ")})`);
    return loadSources(enabled.filter((s) => only.includes(s.name)));
  }
  return loadSources(enabled);
}

export const NO_SOURCE_HELP = [
  "no source is configured, so there is nothing to collect.",
  "Add one to your config, for example:",
  "  services:",
  "    payments-api:",
  "      github: [acme/payments-api]     # or gitlab: [group/project], git: [/path/to/clone]",
  "      pagerduty: [PABC123]",
  "  sources:",
  "    github: { token_env: GITHUB_TOKEN }",
  "Try the tool on a local clone with `sources: { git: {} }` and `git: [/path/to/repo]`, or run `dora demo`.",
].join("\n");

/** Collects every enabled source, each isolated: one failing never stops the others. */
export async function collectAll(
  w: Warehouse,
  config: Config,
  log: Logger,
  progress: Progress,
  options: CollectOptions = {},
): Promise<SourceResult[]> {
  const sources = await enabledSources(config, options.only);
  if (sources.length === 0) throw new UsageError(NO_SOURCE_HELP);
  const runId = options.runId ?? randomUUID();
  // Also done when the CLI loads the config; repeated for callers that build a Config themselves.
  registerConfigSecrets(config);
  const abandoned = await markAbandonedRuns(w);
  if (abandoned) log.warn(`${abandoned} earlier run row(s) were still 'running' (the process was killed or crashed): marked 'abandoned' in sync.runs`);
  return withCollectSettings(w, () => collectSources(w, sources, config, log, progress, options, runId));
}

async function collectSources(
  w: Warehouse,
  sources: AnySource[],
  config: Config,
  log: Logger,
  progress: Progress,
  options: CollectOptions,
  runId: string,
): Promise<SourceResult[]> {
  const results: SourceResult[] = [];
  for (const source of sources) {
    progress.step(`collecting ${source.name}…`);
    const requests = { count: 0 };
    try {
      results.push(
        await collectSource(source, {
          config,
          log: log.child({ source: source.name }),
          runId,
          since: options.since,
          full: options.full,
          requests,
          warehouse: w,
          progress: (p) => progress.tick(`${p.stream}: ${p.partition} (${p.index}/${p.partitions}), ${p.pages} pages, ${p.rows} rows`),
        }),
      );
    } catch (error) {
      // collectSource isolates streams; this catches what happens around them (e.g. the run log).
      results.push({ source: source.name, status: "failure", rows: 0, requests: requests.count, durationMs: 0, streams: [], error: (error as Error).message });
    }
    const last = results[results.length - 1]!;
    progress.line(`${last.status === "success" ? "✓" : "✗"} ${source.name}: ${last.rows} rows, ${last.requests} requests${last.error ? ` — ${last.error}` : ""}`);
  }
  progress.done();
  return results;
}

export async function transformAll(w: Warehouse, config: Config, progress: Progress, fingerprint?: string): Promise<TransformResult> {
  // Loaded on demand, as the report is: `dora collect` does not need the transforms.
  const { runTransforms } = await import("../transforms/run.ts");
  const result = await runTransforms(w, config, {
    fingerprint,
    onStep: (relation, i, total) => progress.step(`transform ${i + 1}/${total} ${relation}`),
  });
  progress.done();
  return result;
}

export async function reportAll(w: Warehouse, out: string, progress: Progress, options: { pdf?: boolean | "auto"; version: string }) {
  // Loaded on demand: Plot and the DOM shim are only needed when a report is written.
  const { buildReport } = await import("../reports/render.ts");
  const result = await buildReport(w, { out, pdf: options.pdf ?? "auto", toolVersion: options.version, onProgress: (s: string) => progress.step(`report: ${s}`) });
  progress.done();
  for (const warning of result.warnings) progress.line(`note: ${warning}`);
  return result;
}
