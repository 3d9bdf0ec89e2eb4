import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { SourceResult } from "../collectors/core/runner.ts";
import type { Config } from "../schemas/config.ts";
import type { Warehouse } from "../warehouse/warehouse.ts";
import { redact } from "../collectors/core/secrets.ts";

export interface RunOutcome {
  /** sync.runs run_id of this run; a failed transform or report is noted on its rows. */
  runId?: string;
  startedAt: Date;
  finishedAt: Date;
  success: boolean;
  results: SourceResult[];
  /** Transform or report failure of this run (the sources' own errors are in results). */
  stageError?: string;
}

/**
 * Self-monitoring in the Prometheus text format, so a broken nightly refresh pages someone instead
 * of silently going stale: alert on `time() - dora_last_success_timestamp_seconds > 2 * 86400`.
 */
export async function runMetricsText(w: Warehouse, outcome: RunOutcome): Promise<string> {
  // Totals and the last fully successful run come from sync.runs, so they survive process restarts.
  const totals = await w.all<{ source: string; rows: number }>("SELECT source, sum(rows)::BIGINT AS rows FROM sync.runs GROUP BY source ORDER BY source");
  // A run succeeded when each of its sources did and nothing was noted on them afterwards (a failed
  // transform or report is appended to the run's error). Read from the log after a success too, so
  // the gauge means the same instant (end of that run's collection) before and after a failed run:
  // it must never move, let alone move back, while nothing succeeds.
  const lastOk = await w.one<{ t: number | null }>(
    `SELECT epoch(max(finished)) AS t FROM (
       SELECT run_id, max(finished_at) AS finished, bool_and(status = 'success' AND error IS NULL) AS ok FROM sync.runs GROUP BY run_id) WHERE ok`,
  );
  const lastSuccess = lastOk?.t ?? (outcome.success ? outcome.finishedAt.getTime() / 1000 : 0);
  const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  const lines = [
    "# HELP dora_last_success_timestamp_seconds Unix time of the last run in which every source succeeded.",
    "# TYPE dora_last_success_timestamp_seconds gauge",
    `dora_last_success_timestamp_seconds ${lastSuccess}`,
    "# HELP dora_last_run_timestamp_seconds Unix time the last run finished, successful or not.",
    "# TYPE dora_last_run_timestamp_seconds gauge",
    `dora_last_run_timestamp_seconds ${outcome.finishedAt.getTime() / 1000}`,
    "# HELP dora_run_success 1 when every source of the last run succeeded.",
    "# TYPE dora_run_success gauge",
    `dora_run_success ${outcome.success ? 1 : 0}`,
    "# HELP dora_run_duration_seconds Wall time of the last run.",
    "# TYPE dora_run_duration_seconds gauge",
    `dora_run_duration_seconds ${((outcome.finishedAt.getTime() - outcome.startedAt.getTime()) / 1000).toFixed(3)}`,
    "# HELP dora_source_up 1 when the source's last collection succeeded.",
    "# TYPE dora_source_up gauge",
    ...outcome.results.map((r) => `dora_source_up{source="${esc(r.source)}"} ${r.status === "success" ? 1 : 0}`),
    "# HELP dora_requests Requests made to the source's API in the last run.",
    "# TYPE dora_requests gauge",
    ...outcome.results.map((r) => `dora_requests{source="${esc(r.source)}"} ${r.requests}`),
    "# HELP dora_rows_collected_total Rows written by collections, all runs.",
    "# TYPE dora_rows_collected_total counter",
    ...totals.map((t) => `dora_rows_collected_total{source="${esc(t.source)}"} ${t.rows}`),
  ];
  return `${lines.join("\n")}\n`;
}

/** Written atomically (temp file + rename) so node_exporter never reads half a file. */
export function writeTextfile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export async function pushMetrics(url: string, text: string): Promise<void> {
  const target = `${url.replace(/\/$/, "")}/metrics/job/dora`;
  const response = await fetch(target, { method: "PUT", body: text, headers: { "content-type": "text/plain; version=0.0.4" } });
  if (!response.ok) throw new Error(`Pushgateway ${target}: HTTP ${response.status}`);
}

export async function publishRunMetrics(w: Warehouse, config: Config, outcome: RunOutcome): Promise<string[]> {
  const warnings: string[] = [];
  // Noted even without monitoring configured: a later run's gauge must not count this one as a success.
  if (outcome.runId && outcome.stageError) {
    await w.run("UPDATE sync.runs SET error = concat_ws('; ', error, ?) WHERE run_id = ?", [redact(outcome.stageError), outcome.runId]);
  }
  const { textfile, pushgateway_url } = config.monitoring;
  if (!textfile && !pushgateway_url) return warnings;
  const text = await runMetricsText(w, outcome);
  if (textfile) {
    try {
      writeTextfile(textfile, text);
    } catch (error) {
      warnings.push(`monitoring.textfile ${textfile}: ${(error as Error).message}`);
    }
  }
  if (pushgateway_url) {
    try {
      await pushMetrics(pushgateway_url, text);
    } catch (error) {
      warnings.push(`monitoring.pushgateway_url: ${(error as Error).message}`);
    }
  }
  return warnings;
}
