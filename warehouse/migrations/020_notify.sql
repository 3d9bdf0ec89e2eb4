-- 020_notify: what the last chat digest reported, so the next one says only what changed.

CREATE TABLE IF NOT EXISTS sync.notify_state (
  metric      VARCHAR NOT NULL, -- metrics.pdp_comparison metric key
  service     VARCHAR NOT NULL,
  target_met  BOOLEAN,          -- whether the final window met the plan's target at the last digest
  updated_at  TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (metric, service)
);
