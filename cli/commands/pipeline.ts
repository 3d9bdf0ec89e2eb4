import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { Command } from "commander";
import type { SourceResult } from "../../collectors/core/runner.ts";
import { withWarehouse, type Warehouse } from "../../warehouse/warehouse.ts";
import { loadFromOptions, makeLogger, makeProgress, warehousePath, type GlobalOptions } from "../context.ts";
import { RunFailedError, UsageError } from "../errors.ts";
import { parseDateOption, withGlobals } from "../options.ts";
import { collectAll, reportAll, transformAll } from "../pipeline.ts";
import { publishRunMetrics } from "../monitoring.ts";
import { sendDigest } from "../notify.ts";
import { table } from "../progress.ts";
import { VERSION } from "../version.ts";

interface CollectFlags extends GlobalOptions {
  since?: Date;
  full?: boolean;
  source?: string[];
}

interface ReportFlags extends GlobalOptions {
  out?: string;
  pdf?: boolean;
}

export function summary(results: SourceResult[]): string {
  return table(
    results.map((r) => [r.source, r.status, r.rows, r.requests, `${(r.durationMs / 1000).toFixed(1)}s`, [failedNote(r), r.error].filter(Boolean).join("; ")]),
    ["source", "status", "rows", "requests", "duration", "error"],
  );
}

// Failed partitions are named first, so a long error text cannot hide which repository failed.
function failedNote(r: SourceResult): string {
  const failed = [...new Set(r.streams.flatMap((s) => s.failedPartitions.map((k) => k.partition)))];
  return failed.length ? `failed: ${failed.join(", ")}` : "";
}

function collectOptions(cmd: Command): Command {
  return cmd
    .option("--since <date>", "backfill from this date instead of the stored cursors", parseDateOption)
    .option("--full", "ignore cursors and refetch everything")
    .option("-s, --source <name...>", "only these sources (github, gitlab, git, pagerduty, prometheus)");
}

export function collectCommand(): Command {
  return collectOptions(withGlobals(new Command("collect")))
    .description("pull deployments, changes, incidents and latency from the configured sources into the warehouse")
    .action(async (flags: CollectFlags) => {
      const loaded = loadFromOptions(flags);
      const progress = makeProgress(flags);
      const results = await withWarehouse(warehousePath(flags, loaded), (w) =>
        collectAll(w, loaded.config, makeLogger(flags), progress, { since: flags.since, full: flags.full, only: flags.source }),
      );
      process.stdout.write(`${summary(results)}\n`);
      const failed = results.filter((r) => r.status !== "success");
      if (failed.length) throw new RunFailedError(`${failed.length} of ${results.length} sources failed: ${failed.map((f) => f.source).join(", ")}`);
    });
}

export function transformCommand(): Command {
  return withGlobals(new Command("transform"))
    .description("compute metrics.* (the DORA metrics, KPIs and the before/after comparison) from the warehouse")
    .action(async (flags: GlobalOptions) => {
      const loaded = loadFromOptions(flags);
      const progress = makeProgress(flags);
      const { result, collected } = await withWarehouse(warehousePath(flags, loaded), async (w) => ({
        result: await transformAll(w, loaded.config, progress, loaded.fingerprint),
        collected: await collectedRows(w),
      }));
      // Metrics over an empty warehouse are all zeros and "insufficient data": say why.
      if (collected === 0) progress.line("warning: the warehouse has no collected rows (core.* is empty): run `dora collect` (or `dora demo`) first, then `dora transform`");
      const failing = result.checks.filter((c) => c.rows > 0);
      progress.line(`✓ ${result.steps.length} relations built${failing.length ? `; data-quality findings: ${failing.map((c) => `${c.check} ${c.rows}`).join(", ")}` : ""}`);
    });
}

/** Rows the collectors wrote (deployments, changes, incidents, latency buckets). */
async function collectedRows(w: Warehouse): Promise<number> {
  const n = await w.one<{ n: number }>(
    `SELECT ((SELECT count(*) FROM core.deployments) + (SELECT count(*) FROM core.changes) + (SELECT count(*) FROM core.incidents)
            + (SELECT count(*) FROM core.latency_buckets))::BIGINT AS n`,
  );
  return Number(n?.n ?? 0);
}

/** A report reads metrics.*: before `dora transform` has built them it would be a page of "no data". */
async function requireTransformed(w: Warehouse, path: string): Promise<void> {
  const built = await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'metrics'");
  if (!built?.n) throw new UsageError(`warehouse ${path} has no metrics yet: run \`dora transform\` first, then \`dora report\``);
}

function reportOptions(cmd: Command): Command {
  return cmd.option("-o, --out <dir>", "output folder (default: the config's report.out, 'report')").option("--no-pdf", "skip report.pdf");
}

export function reportCommand(): Command {
  return reportOptions(withGlobals(new Command("report")))
    .description("write the offline HTML report (index.html, slides.html, report.pdf, data/*.csv) from metrics.*")
    .action(async (flags: ReportFlags) => {
      const loaded = loadFromOptions(flags);
      const out = resolve(flags.out ?? loaded.config.report.out);
      const progress = makeProgress(flags);
      const path = warehousePath(flags, loaded);
      if (!existsSync(path)) throw new UsageError(`warehouse ${path} does not exist: run \`dora collect\` and \`dora transform\` first (or pass --warehouse PATH)`);
      // Reports only read: a read-only open lets a report run beside another reader.
      const result = await withWarehouse(path, async (w) => {
        await requireTransformed(w, path);
        return reportAll(w, out, progress, { pdf: flags.pdf === false ? false : "auto", version: VERSION });
      }, { readOnly: true });
      process.stdout.write(`${result.files[0] ?? out}\n`);
    });
}

export function runCommand(): Command {
  return reportOptions(collectOptions(withGlobals(new Command("run"))))
    .description("the nightly job: collect every source (each isolated), transform, report; exit 1 if anything failed")
    .action(async (flags: CollectFlags & ReportFlags) => {
      const loaded = loadFromOptions(flags);
      const log = makeLogger(flags);
      const progress = makeProgress(flags);
      const out = resolve(flags.out ?? loaded.config.report.out);
      const startedAt = new Date();
      const runId = randomUUID();
      const { results, report, stageError } = await withWarehouse(warehousePath(flags, loaded), async (w) => {
        const results = await collectAll(w, loaded.config, log, progress, { since: flags.since, full: flags.full, only: flags.source, runId });
        let report: { files: string[] } | undefined;
        let stageError: string | undefined;
        try {
          // Transform and report even when a source failed: the others' fresh data is still worth showing.
          await transformAll(w, loaded.config, progress, loaded.fingerprint);
          report = await reportAll(w, out, progress, { pdf: flags.pdf === false ? false : "auto", version: VERSION });
        } catch (error) {
          stageError = (error as Error).message;
        }
        const success = !stageError && results.every((r) => r.status === "success");
        const notify = await sendDigest(w, loaded.config, runId, results, stageError);
        if (notify?.error) log.warn(notify.note);
        else if (notify) log.info(notify.note);
        for (const warning of await publishRunMetrics(w, loaded.config, { runId, startedAt, finishedAt: new Date(), success, results, stageError, notify })) progress.line(`warning: ${warning}`);
        return { results, report, stageError };
      });
      process.stdout.write(`${summary(results)}\n${report ? `${report.files[0] ?? out}\n` : ""}`);
      if (stageError) throw new RunFailedError(stageError);
      const failed = results.filter((r) => r.status !== "success");
      if (failed.length) throw new RunFailedError(`${failed.length} of ${results.length} sources failed: ${failed.map((f) => f.source).join(", ")}`);
    });
}
