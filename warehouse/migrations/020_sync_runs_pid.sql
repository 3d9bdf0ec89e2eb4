-- 020: sync.runs.pid, the process that ran a collection. A run still 'running' when the next one
-- starts was killed (the warehouse lock is held by one process at a time); it is marked 'abandoned'
-- with this pid, so the run log says which process ended without finishing.
ALTER TABLE sync.runs ADD COLUMN pid INTEGER;
