import type { Config } from "../../schemas/config.ts";
import { registerSqlFunctions } from "../../transforms/lib/sql-functions.ts";
import { writeSeeds } from "../../warehouse/seeds.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";
import { materialize } from "../unit/transforms/helpers.ts";

/**
 * Rollback and rework flags of every successful production deployment, as the transforms derive
 * them from the stored rows (intermediate.int_deployment_flags): seeds from `config`, then the
 * relation and what it reads.
 */
export async function deploymentFlags(w: Warehouse, config: Config): Promise<Map<string, { is_rollback: boolean; is_rework: boolean }>> {
  await writeSeeds(w, config);
  await w.run(`SET VARIABLE tz = '${config.timezone}'`);
  registerSqlFunctions(w);
  await materialize(w, "intermediate.int_deployment_flags");
  const rows = await w.all<{ deployment_id: string; is_rollback: boolean; is_rework: boolean }>(
    "SELECT deployment_id, is_rollback, is_rework FROM intermediate.int_deployment_flags ORDER BY deployment_id",
  );
  return new Map(rows.map((r) => [r.deployment_id, { is_rollback: r.is_rollback, is_rework: r.is_rework }]));
}
