-- 001_init: the warehouse contract (docs/architecture.md, "The warehouse contract").
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
  deployment_id   VARCHAR PRIMARY KEY, -- '<source>:deployment:<repo>:<id>'
  source          VARCHAR NOT NULL,
  service         VARCHAR NOT NULL, -- config service the deployment belongs to
  repo            VARCHAR, -- owner/name, project path or local clone
  environment     VARCHAR, -- environment name as the source calls it
  is_production   BOOLEAN NOT NULL DEFAULT false, -- production by the config's rule for this source
  commit_sha      VARCHAR, -- sha that was deployed
  ref             VARCHAR, -- tag, branch or release name
  started_at      TIMESTAMPTZ,
  finished_at     TIMESTAMPTZ, -- when it went live (or failed): the deployment time used by metrics
  status          VARCHAR NOT NULL CHECK (status IN ('success','failure','error','cancelled','running')), -- mapped status; only 'success' counts as a deployment
  original_status VARCHAR, -- the source's own status value
  is_rollback     BOOLEAN NOT NULL DEFAULT false, -- the source marks it a rollback itself (events, local-git tags); the flags metrics use, derived across rows for GitHub and GitLab, are intermediate.int_deployment_flags
  is_rework       BOOLEAN NOT NULL DEFAULT false, -- the source marks it an unplanned fix itself (a hotfix branch, events, local-git tags); see intermediate.int_deployment_flags
  pipeline_started_at TIMESTAMPTZ, -- start of the CI/CD run that ended in this deployment
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
  change_id           VARCHAR PRIMARY KEY, -- '<source>:change:<repo>:<sha>' (or the PR when commits are unknown)
  source              VARCHAR NOT NULL,
  service             VARCHAR NOT NULL,
  repo                VARCHAR,
  deployment_id       VARCHAR, -- first successful production deployment containing the change; NULL = never deployed
  commit_sha          VARCHAR,
  pr_id               VARCHAR,
  title               VARCHAR,
  author              VARCHAR,
  authored_at         TIMESTAMPTZ, -- commit author time
  committed_at        TIMESTAMPTZ, -- commit committer time (lead-time start when the PR is unknown)
  pr_first_commit_at  TIMESTAMPTZ, -- author time of the PR's first commit (a squash merge hides it)
  pr_opened_at        TIMESTAMPTZ,
  first_review_at     TIMESTAMPTZ, -- first review or approval on the PR/MR
  merged_at           TIMESTAMPTZ,
  additions           INTEGER,
  deletions           INTEGER,
  collected_at        TIMESTAMPTZ
);

CREATE TABLE core.incidents (
  incident_id              VARCHAR PRIMARY KEY, -- '<source>:incident:<id>'
  source                   VARCHAR NOT NULL,
  service                  VARCHAR NOT NULL,
  title                    VARCHAR,
  body                     VARCHAR,
  urgency                  VARCHAR,
  priority                 VARCHAR,
  created_at               TIMESTAMPTZ NOT NULL,
  acknowledged_at          TIMESTAMPTZ, -- first acknowledgement (log entry), not updated_at
  resolved_at              TIMESTAMPTZ, -- resolution (log entry); NULL while open
  status                   VARCHAR NOT NULL,
  caused_by_deployment_id  VARCHAR, -- deployment the source names explicitly (the linking transform adds heuristic links)
  link_kind                VARCHAR NOT NULL DEFAULT 'none' CHECK (link_kind IN ('explicit','heuristic','none')),
  refs                     VARCHAR[], -- candidate references found in title/body/notes (URLs, shas, #PR)
  url                      VARCHAR,
  updated_at               TIMESTAMPTZ,
  collected_at             TIMESTAMPTZ
);

CREATE TABLE core.latency_buckets (
  service         VARCHAR NOT NULL, -- config service the deployment belongs to
  route           VARCHAR NOT NULL,
  bucket_start    TIMESTAMPTZ NOT NULL, -- start of the period the increase covers
  bucket_seconds  INTEGER NOT NULL DEFAULT 3600,
  le              DOUBLE NOT NULL, -- bucket upper bound in seconds; +Inf as 'infinity'
  count           DOUBLE NOT NULL, -- requests with latency <= le in the period (cumulative, as Prometheus)
  source          VARCHAR,
  collected_at    TIMESTAMPTZ,
  PRIMARY KEY (service, route, bucket_start, le)
);

CREATE TABLE sync.cursors (
  stream      VARCHAR NOT NULL,
  partition   VARCHAR NOT NULL,
  cursor      VARCHAR, -- replication key reached (usually an ISO timestamp)
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
  error        VARCHAR, -- redacted error message when status = 'failure'
  PRIMARY KEY (run_id, source)
);
