import { expect } from "vitest";
import type { Warehouse } from "../../../warehouse/warehouse.ts";

/** Metric rows equal up to summation order (DuckDB sums in a different order for different ids). */
export function expectSameRows(table: string, got: Record<string, unknown>[], want: Record<string, unknown>[]) {
  expect(got.length, `${table}: row count`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    const where = `${table} ${JSON.stringify([w.grain ?? w.metric, w.period_start ?? "", w.service, w.route ?? ""])}`;
    for (const key of Object.keys(w)) {
      const a = g[key];
      const b = w[key];
      if (typeof b === "number" && typeof a === "number" && Number.isFinite(b)) {
        expect(Math.abs(a - b), `${where}.${key}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
      } else {
        expect(a, `${where}.${key}`).toEqual(b);
      }
    }
  }
}

/**
 * A service's first production deployment has no earlier one to compare with: GitHub leaves its
 * commits unattributed, GitLab reports its merge requests (one change per MR, no commit times), the
 * truth has one change per commit. Run on both warehouses before the transforms.
 */
export const DROP_FIRST_DEPLOYMENT_CHANGES = `
  DELETE FROM core.changes WHERE deployment_id IN (
    SELECT arg_min(deployment_id, finished_at) FROM core.deployments
    WHERE is_production AND status = 'success' GROUP BY service)`;

/** Each incident (by creation time) with the deployment the linking transform blamed. */
export function incidentLinks(w: Warehouse) {
  return w.all<{ created_at: Date; service: string; caused_by_deployment_id: string | null; link_kind: string }>(
    `SELECT i.created_at, l.service, l.caused_by_deployment_id, l.link_kind FROM metrics.incident_links l
       JOIN core.incidents i USING (incident_id) ORDER BY i.created_at, l.service`,
  );
}
