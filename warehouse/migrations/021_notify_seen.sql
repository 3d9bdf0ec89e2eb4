-- 021_notify_seen: what the last chat digest had seen, so the next one counts what arrived since,
-- whenever it happened (an event file read a night late, Argo CD history, a backfill).

CREATE TABLE IF NOT EXISTS sync.notify_seen (
  kind  VARCHAR NOT NULL, -- 'deployment:success', 'deployment:failure', 'incident' or 'resolved'
  id    VARCHAR NOT NULL, -- deployment_id or incident_id
  PRIMARY KEY (kind, id)
);
