import { existsSync, writeFileSync } from "node:fs";
import { Command } from "commander";
import { doraDashboard, type PlanMarks } from "../../reports/grafana.ts";
import { isMetricKey } from "../../schemas/metrics.ts";
import { withWarehouse } from "../../warehouse/warehouse.ts";
import { loadFromOptions, warehousePath, type GlobalOptions } from "../context.ts";
import { withGlobals } from "../options.ts";

/** `dora dashboard`: the Grafana dashboard JSON with this plan's baselines (from the warehouse) and targets (from the config). */
export function dashboardCommand(): Command {
  return withGlobals(new Command("dashboard"))
    .description("write the Grafana dashboard (DORA gauges, service variable) with the plan's baseline and targets as thresholds")
    .option("-o, --out <file>", "output file (default: standard output)")
    .option("--no-plan", "no baselines or targets (the generic dashboard in deploy/grafana/)")
    .action(async (flags: GlobalOptions & { out?: string; plan: boolean }) => {
      const marks: PlanMarks = { baselines: {}, targets: {} };
      if (flags.plan) {
        const loaded = loadFromOptions(flags);
        marks.targets = loaded.config.targets;
        const path = warehousePath(flags, loaded);
        if (existsSync(path)) {
          const rows = await withWarehouse(
            path,
            async (w) => {
              const exists = await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE schema_name = 'metrics' AND table_name = 'pdp_comparison'");
              return exists?.n ? w.all<{ metric: string; baseline_value: number | null }>("SELECT metric, baseline_value FROM metrics.pdp_comparison WHERE service = '*'") : [];
            },
            { readOnly: true },
          );
          for (const r of rows) if (isMetricKey(r.metric) && r.baseline_value !== null) marks.baselines[r.metric] = r.baseline_value;
        }
      }
      const json = `${JSON.stringify(doraDashboard(marks), null, 2)}\n`;
      if (flags.out) writeFileSync(flags.out, json);
      else process.stdout.write(json);
    });
}
