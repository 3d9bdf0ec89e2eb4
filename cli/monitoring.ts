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
  /** The chat digest, when `notify:` is configured: a failed one is counted here, it does not fail the run. */
  notify?: { sent: boolean; error?: string };
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
       SELECT run_id, max(finished_at) AS finished, bool_and(status = 'success' AND error IS NULL) AS ok FROM sync.runs WHERE source <> 'notify' GROUP BY run_id) WHERE ok`,
  );
  const lastSuccess = lastOk?.t ?? (outcome.success ? outcome.finishedAt.getTime() / 1000 : 0);
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
    ...(outcome.notify
      ? [
          "# HELP dora_notify_success 0 when the last run's chat digest could not be sent (the run itself is not failed by it).",
          "# TYPE dora_notify_success gauge",
          `dora_notify_success ${outcome.notify.error ? 0 : 1}`,
        ]
      : []),
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * The trailing-28-day DORA figures of metrics.dora_trailing as gauges, per service and overall
 * (`service="*"`). Names follow Prometheus conventions: base units (hours become seconds), ratios
 * as `_ratio`, quantiles as a `quantile` label, no `_total` on gauges; the window is a label so a
 * later window adds series rather than names.
 */
export const DORA_GAUGES: { measure: string; name: string; help: string; scale?: number; labels?: string }[] = [
  { measure: "deployments", name: "dora_deployments", help: "Successful production deployments in the window." },
  { measure: "deploy_days", name: "dora_deploy_days", help: "Days (configured zone) with at least one successful production deployment in the window." },
  { measure: "lead_time_median_hours", name: "dora_lead_time_seconds", help: "Lead time for changes deployed in the window.", scale: 3600, labels: 'quantile="0.5"' },
  { measure: "lead_time_p90_hours", name: "dora_lead_time_seconds", help: "Lead time for changes deployed in the window.", scale: 3600, labels: 'quantile="0.9"' },
  { measure: "change_failure_rate", name: "dora_change_failure_ratio", help: "Failed ÷ successful production deployments in the window." },
  { measure: "time_to_restore_median_hours", name: "dora_time_to_restore_seconds", help: "Time to restore of incidents created in the window (resolved ones).", scale: 3600, labels: 'quantile="0.5"' },
  { measure: "rework_rate", name: "dora_rework_ratio", help: "Unplanned fix deployments ÷ deployments in the window." },
];

export async function doraMetricsText(w: Warehouse): Promise<string> {
  const exists = await w.one<{ n: number }>(
    "SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE schema_name = 'metrics' AND table_name = 'dora_trailing'",
  );
  if (!exists?.n) return "";
  const rows = await w.all<{ measure: string; service: string; value: number }>(
    "SELECT measure, service, value FROM metrics.dora_trailing WHERE value IS NOT NULL AND isfinite(value) ORDER BY measure, service",
  );
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const g of DORA_GAUGES) {
    const of = rows.filter((r) => r.measure === g.measure);
    if (!seen.has(g.name)) {
      seen.add(g.name);
      lines.push(`# HELP ${g.name} ${g.help} Window: trailing 28 days.`, `# TYPE ${g.name} gauge`);
    }
    for (const r of of) lines.push(`${g.name}{service="${esc(r.service)}",window="28d"${g.labels ? `,${g.labels}` : ""}} ${r.value * (g.scale ?? 1)}`);
  }
  const kpis = rows.filter((r) => r.measure.startsWith("kpi:"));
  if (kpis.length) {
    lines.push("# HELP dora_kpi Median of a custom KPI's observations in the window (the KPI's own unit).", "# TYPE dora_kpi gauge");
    for (const r of kpis) lines.push(`dora_kpi{kpi="${esc(r.measure.slice(4))}",service="${esc(r.service)}",window="28d"} ${r.value}`);
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}

/** A label value in the text format: backslash, quote and newline escaped. */
function esc(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
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
  let dora = "";
  try {
    dora = await doraMetricsText(w);
  } catch (error) {
    warnings.push(`monitoring: DORA gauges not published: ${(error as Error).message}`);
  }
  const text = (await runMetricsText(w, outcome)) + dora;
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
