import type { StreamWarehouse } from "./stream.ts";

/** Whose base is asked for: a repository (project), narrowed to an environment or a service where the mode decides by it. */
export interface PredecessorOf {
  source: string;
  repo: string;
  environment?: string;
  service?: string;
}

/**
 * Is the base of a range starting at `before` stored: a successful production deployment of the
 * repository (environment, service) that finished before it? The commits of the range's first
 * deployment are those since that base (the attribution compares deployments by finish time), so a
 * backfill fetches the predecessor only when this says no: once, not on every run.
 */
export async function predecessorStored(warehouse: StreamWarehouse, of: PredecessorOf, before: string): Promise<boolean> {
  const where = ["source = ?", "repo = ?", "is_production", "status = 'success'", "finished_at < ?"];
  const params: unknown[] = [of.source, of.repo, before];
  for (const column of ["environment", "service"] as const) {
    const value = of[column];
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  return (await warehouse.one(`SELECT 1 AS x FROM core.deployments WHERE ${where.join(" AND ")} LIMIT 1`, params)) !== undefined;
}
