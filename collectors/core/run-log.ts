import type { Warehouse } from "../../warehouse/warehouse.ts";

/**
 * sync.runs: one row per run and source, written as the source starts ('running', with the pid that
 * holds the warehouse) and as it ends, so `dora status`, the stale banner and the monitoring textfile
 * read what each source did and when it last succeeded.
 */
export async function startRun(w: Pick<Warehouse, "run">, runId: string, source: string): Promise<void> {
  await w.run("INSERT OR REPLACE INTO sync.runs (run_id, source, started_at, status, pid) VALUES (?, ?, now(), 'running', ?)", [runId, source, process.pid]);
}

export interface RunEnd {
  status: "success" | "failure";
  rows?: number;
  requests?: number;
  error?: string;
}

/** Ends the run's row; counts left out keep the table's defaults. */
export async function finishRun(w: Pick<Warehouse, "run">, runId: string, source: string, end: RunEnd): Promise<void> {
  const counts = (["rows", "requests"] as const).filter((c) => end[c] !== undefined);
  await w.run(`UPDATE sync.runs SET finished_at = now(), status = ?, error = ?${counts.map((c) => `, ${c} = ?`).join("")} WHERE run_id = ? AND source = ?`, [
    end.status,
    end.error ?? null,
    ...counts.map((c) => end[c]),
    runId,
    source,
  ]);
}

/**
 * Marks runs still 'running' as 'abandoned'. Called by a run that holds the warehouse (DuckDB lets
 * one process write at a time), so a 'running' row left is a process killed or crashed mid-way;
 * the pid it recorded names it. Returns how many rows were marked.
 */
export async function markAbandonedRuns(w: Pick<Warehouse, "all">): Promise<number> {
  const rows = await w.all<{ n: number }>(
    `UPDATE sync.runs SET status = 'abandoned',
       error = concat_ws('; ', error, 'abandoned: the process that ran it' || coalesce(' (pid ' || pid || ', which held the warehouse lock)', '') || ' ended before it finished')
     WHERE status = 'running' RETURNING 1 AS n`,
  );
  return rows.length;
}
