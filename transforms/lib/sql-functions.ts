import { DOUBLE, DuckDBScalarFunction } from "@duckdb/node-api";
import type { Warehouse } from "../../warehouse/warehouse.ts";
import { wilson } from "./stats.ts";

/**
 * Statistics the SQL transforms share with the TypeScript ones, registered as DuckDB scalar functions
 * on the warehouse's connection so each has one implementation (transforms/lib/stats.ts):
 * - wilson_low(k, n), wilson_high(k, n): the Wilson 95 % score interval of k successes in n trials;
 *   NULL without trials.
 * A NULL argument gives NULL without calling the function (DuckDB's default null handling).
 */
export function registerSqlFunctions(w: Warehouse): void {
  for (const [name, bound] of [
    ["wilson_low", "low"],
    ["wilson_high", "high"],
  ] as const) {
    w.connection.registerScalarFunction(
      DuckDBScalarFunction.create({
        name,
        returnType: DOUBLE,
        parameterTypes: [DOUBLE, DOUBLE],
        mainFunction: (_info, input, output) => {
          const k = input.getColumnVector(0);
          const n = input.getColumnVector(1);
          for (let row = 0; row < input.rowCount; row++) {
            output.setItem(row, wilson(k.getItem(row) as number, n.getItem(row) as number)?.[bound] ?? null);
          }
          output.flush();
        },
      }),
    );
  }
}
