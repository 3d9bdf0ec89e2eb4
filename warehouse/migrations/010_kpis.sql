-- 010_kpis: counts behind availability, error budgets, burn rates, cost per transaction and custom KPIs.
-- Counts per bucket are stored, never ratios, so any window's availability or cost per transaction is exact.

CREATE TABLE IF NOT EXISTS core.request_counts (
  service         VARCHAR NOT NULL, -- config service the requests belong to
  bucket_start    TIMESTAMPTZ NOT NULL, -- start of the period the increases cover
  bucket_seconds  INTEGER NOT NULL DEFAULT 300, -- width of the period
  good            DOUBLE NOT NULL, -- increase of the good-requests counter in the period (e.g. non-5xx)
  total           DOUBLE NOT NULL, -- increase of the all-requests counter in the period
  source          VARCHAR,
  collected_at    TIMESTAMPTZ,
  PRIMARY KEY (service, bucket_start)
);

CREATE TABLE IF NOT EXISTS core.kpi_samples (
  name            VARCHAR NOT NULL, -- kpis[].name, or 'cost:amount' / 'cost:transactions' for cost per transaction
  service         VARCHAR NOT NULL DEFAULT '*', -- kpis[].service, or '*' for the organisation
  bucket_start    TIMESTAMPTZ NOT NULL, -- start of the period the value covers (the query is evaluated at its end)
  bucket_seconds  INTEGER NOT NULL DEFAULT 86400,
  value           DOUBLE NOT NULL, -- the expression's value at the end of the period (a cost or count over the period, or a gauge)
  source          VARCHAR,
  collected_at    TIMESTAMPTZ,
  PRIMARY KEY (name, service, bucket_start)
);
