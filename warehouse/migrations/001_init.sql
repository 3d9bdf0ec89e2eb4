-- 001_init: the warehouse contract (ARCHITECTURE §3).
-- Timestamps are TIMESTAMPTZ (UTC); ids are deterministic '<source>:<entity>:<natural key>'.
-- The trailing comment on a column is its documentation.

CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS sync;
CREATE SCHEMA IF NOT EXISTS seeds;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS intermediate;
CREATE SCHEMA IF NOT EXISTS metrics;

-- raw.pages: every API page exactly as received (secrets never stored: headers are not kept).
CREATE TABLE raw.pages (
  page_id      VARCHAR PRIMARY KEY,   -- '<stream>:<partition>:<sha256 of url+params+body>'
  stream       VARCHAR NOT NULL,      -- e.g. 'github.deployments'
  partition    VARCHAR NOT NULL,      -- e.g. 'acme/payments-api'
  url          VARCHAR,
  params       JSON,
  fetched_at   TIMESTAMPTZ NOT NULL,
  run_id       VARCHAR,
  body         JSON                   -- the page's items, untouched
);

CREATE TABLE core.deployments (
  deployment_id   VARCHAR PRIMARY KEY,
  source          VARCHAR NOT NULL,
  service         VARCHAR NOT NULL,
  repo            VARCHAR,
  environment     VARCHAR,
  is_production   BOOLEAN NOT NULL DEFAULT false,
  commit_sha      VARCHAR,
  ref             VARCHAR,
  started_at      TIMESTAMPTZ,
  finished_at     TIMESTAMPTZ,
  status          VARCHAR NOT NULL CHECK (status IN ('success','failure','error','cancelled','running')),
  original_status VARCHAR,
  is_rollback     BOOLEAN NOT NULL DEFAULT false,
  is_rework       BOOLEAN NOT NULL DEFAULT false,
  pipeline_started_at TIMESTAMPTZ,
  url             VARCHAR,
  updated_at      TIMESTAMPTZ,
  collected_at    TIMESTAMPTZ
);

CREATE TABLE core.pull_requests (
  pr_id             VARCHAR PRIMARY KEY,
  source            VARCHAR NOT NULL,
  service           VARCHAR NOT NULL,
  repo              VARCHAR,
  number            INTEGER,
  title             VARCHAR,
  author            VARCHAR,
  base_branch       VARCHAR,
  head_branch       VARCHAR,
  labels            VARCHAR[],
  opened_at         TIMESTAMPTZ,
  first_commit_at   TIMESTAMPTZ,
  first_review_at   TIMESTAMPTZ,
  approved_at       TIMESTAMPTZ,
  merged_at         TIMESTAMPTZ,
  closed_at         TIMESTAMPTZ,
  merge_commit_sha  VARCHAR,
  commits           INTEGER,
  additions         INTEGER,
  deletions         INTEGER,
  is_revert         BOOLEAN NOT NULL DEFAULT false,
  is_hotfix         BOOLEAN NOT NULL DEFAULT false,
  url               VARCHAR,
  updated_at        TIMESTAMPTZ,
  collected_at      TIMESTAMPTZ
);

CREATE TABLE core.changes (
  change_id           VARCHAR PRIMARY KEY,
  source              VARCHAR NOT NULL,
  service             VARCHAR NOT NULL,
  repo                VARCHAR,
  deployment_id       VARCHAR,
  commit_sha          VARCHAR,
  pr_id               VARCHAR,
  title               VARCHAR,
  author              VARCHAR,
  authored_at         TIMESTAMPTZ,
  committed_at        TIMESTAMPTZ,
  pr_first_commit_at  TIMESTAMPTZ,
  pr_opened_at        TIMESTAMPTZ,
  first_review_at     TIMESTAMPTZ,
  merged_at           TIMESTAMPTZ,
  additions           INTEGER,
  deletions           INTEGER,
  collected_at        TIMESTAMPTZ
);

CREATE TABLE core.incidents (
  incident_id              VARCHAR PRIMARY KEY,
  source                   VARCHAR NOT NULL,
  service                  VARCHAR NOT NULL,
  title                    VARCHAR,
  body                     VARCHAR,
  urgency                  VARCHAR,
  priority                 VARCHAR,
  created_at               TIMESTAMPTZ NOT NULL,
  acknowledged_at          TIMESTAMPTZ,
  resolved_at              TIMESTAMPTZ,
  status                   VARCHAR NOT NULL,
  caused_by_deployment_id  VARCHAR,
  link_kind                VARCHAR NOT NULL DEFAULT 'none' CHECK (link_kind IN ('explicit','heuristic','none')),
  refs                     VARCHAR[],
  url                      VARCHAR,
  updated_at               TIMESTAMPTZ,
  collected_at             TIMESTAMPTZ
);

CREATE TABLE core.latency_buckets (
  service         VARCHAR NOT NULL,
  route           VARCHAR NOT NULL,
  bucket_start    TIMESTAMPTZ NOT NULL,
  bucket_seconds  INTEGER NOT NULL DEFAULT 3600,
  le              DOUBLE NOT NULL,
  count           DOUBLE NOT NULL,
  source          VARCHAR,
  collected_at    TIMESTAMPTZ,
  PRIMARY KEY (service, route, bucket_start, le)
);

CREATE TABLE sync.cursors (
  stream      VARCHAR NOT NULL,
  partition   VARCHAR NOT NULL,
  cursor      VARCHAR,
  updated_at  TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (stream, partition)
);

CREATE TABLE sync.runs (
  run_id       VARCHAR NOT NULL,
  source       VARCHAR NOT NULL,
  started_at   TIMESTAMPTZ NOT NULL,
  finished_at  TIMESTAMPTZ,
  status       VARCHAR NOT NULL,
  rows         BIGINT NOT NULL DEFAULT 0,
  requests     BIGINT NOT NULL DEFAULT 0,
  error        VARCHAR,
  PRIMARY KEY (run_id, source)
);
