// Types only: @grafana/schema is a development dependency, the dashboard is plain JSON at run time.
import type { Dashboard, Panel, ThresholdsConfig, ThresholdsMode } from "@grafana/schema";
import { parseTarget, type Config } from "../schemas/config.ts";
import { METRICS, type MetricKey } from "../schemas/metrics.ts";

/**
 * The Grafana dashboard over the DORA gauges (cli/monitoring.ts): one panel per measure, a
 * `service` variable from the series' labels, and the plan's baseline and target as threshold
 * steps. Baselines and targets are in the comparison's units (per week, hours); `factor` turns them
 * into the gauge's (per 28 days, seconds).
 */
export const DASHBOARD_PANELS: { title: string; expr: string; metric: MetricKey; factor: number; unit: string }[] = [
  { title: "Deployments (28 days)", expr: 'dora_deployments{service=~"$service",window="28d"}', metric: "deployment_frequency", factor: 4, unit: "none" },
  { title: "Deploy days (28 days)", expr: 'dora_deploy_days{service=~"$service",window="28d"}', metric: "deploy_days_per_week", factor: 4, unit: "none" },
  { title: "Lead time, median", expr: 'dora_lead_time_seconds{service=~"$service",window="28d",quantile="0.5"}', metric: "lead_time", factor: 3600, unit: "s" },
  { title: "Change failure rate", expr: 'dora_change_failure_ratio{service=~"$service",window="28d"}', metric: "change_failure_rate", factor: 1, unit: "percentunit" },
  { title: "Time to restore, median", expr: 'dora_time_to_restore_seconds{service=~"$service",window="28d",quantile="0.5"}', metric: "time_to_restore", factor: 3600, unit: "s" },
  { title: "Rework rate", expr: 'dora_rework_ratio{service=~"$service",window="28d"}', metric: "rework_rate", factor: 1, unit: "percentunit" },
];

export interface PlanMarks {
  /** metrics.pdp_comparison baseline_value of service '*', by metric key. */
  baselines: Partial<Record<MetricKey, number>>;
  targets: Config["targets"];
}

/** Threshold steps: from the start colour, the baseline (amber) and the target (green or red), by direction. */
export function planThresholds(metric: MetricKey, factor: number, marks: PlanMarks): ThresholdsConfig {
  const spec = METRICS[metric];
  const baseline = marks.baselines[metric];
  const given = marks.targets[metric];
  const parsed = given === undefined ? undefined : parseTarget(given, spec.direction);
  let target: number | undefined;
  if (parsed?.of === "final_value") target = parsed.value;
  else if (parsed?.of === "change_pct" && baseline !== undefined) target = baseline * (1 + parsed.value / 100);
  const steps: ThresholdsConfig["steps"] = [];
  const at = (v: number) => Number((v * factor).toPrecision(12));
  if (spec.direction === "lower") {
    // below the target is good, up to the baseline is progress, above the baseline is worse than at the start
    steps.push({ value: null, color: target !== undefined ? "green" : "blue" });
    if (target !== undefined) steps.push({ value: at(target), color: "yellow" });
    if (baseline !== undefined) steps.push({ value: at(baseline), color: "red" });
  } else {
    steps.push({ value: null, color: baseline !== undefined ? "red" : "blue" });
    if (baseline !== undefined) steps.push({ value: at(baseline), color: "yellow" });
    if (target !== undefined) steps.push({ value: at(target), color: "green" });
  }
  steps.sort((a, b) => (a.value === null ? -1 : b.value === null ? 1 : a.value - b.value));
  return { mode: "absolute" as ThresholdsMode, steps };
}

export function doraDashboard(marks: PlanMarks = { baselines: {}, targets: {} }): Dashboard {
  const panels: Panel[] = DASHBOARD_PANELS.map((p, i) => ({
    id: i + 1,
    type: "timeseries",
    title: p.title,
    description: `Gauge ${p.expr.replace(/\{.*/, "")}; thresholds: the plan's baseline (amber) and target (green/red) for ${p.metric}.`,
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    datasource: { type: "prometheus", uid: "${datasource}" },
    targets: [{ refId: "A", expr: p.expr, legendFormat: "{{service}}" }],
    fieldConfig: {
      defaults: {
        unit: p.unit,
        thresholds: planThresholds(p.metric, p.factor, marks),
        custom: { thresholdsStyle: { mode: "line+area" } },
      },
      overrides: [],
    },
    options: { legend: { displayMode: "list", placement: "bottom", showLegend: true } },
  }));
  return {
    uid: "dora-overview",
    title: "DORA overview",
    description: "Trailing-28-day DORA metrics published by `dora run` (monitoring.textfile or pushgateway_url).",
    tags: ["dora"],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    time: { from: "now-90d", to: "now" },
    refresh: "1h",
    timezone: "browser",
    templating: {
      list: [
        { name: "datasource", type: "datasource", query: "prometheus", label: "Data source" },
        {
          name: "service",
          type: "query",
          label: "Service",
          datasource: { type: "prometheus", uid: "${datasource}" },
          query: 'label_values(dora_deployments{window="28d"}, service)',
          refresh: 2,
          includeAll: false,
          multi: true,
          current: { text: ["*"], value: ["*"] },
          sort: 1,
        },
      ],
    },
    annotations: { list: [] },
    panels,
  };
}
