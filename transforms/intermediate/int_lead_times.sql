-- grain: one row per change unit shipped by a successful production deployment: a merged PR (all its commits together), or a commit that reached production without a PR.
-- inputs: staging.stg_changes, staging.stg_pull_requests, intermediate.int_deployments.
-- definition: lead time = finished_at of the first successful production deployment holding any of the unit's commits − the unit's start (a PR: its first commit's author time; a commit without a PR: its committed time), in hours, with the stages coding (PR opened − start), pickup (first review − opened), review (merged − first review) and deploy (deployed − merged), and that deployment's local day; title and url name the PR (its page), or the commit (message line, no page).
-- materialize: view (read once, by metrics.lead_time_items, which keeps the rows: a second copy would only cost time)
-- A PR counts once whatever its merge strategy: a merge commit with four branch commits, a squash
-- commit and four rebased commits all give one row with the same start, end and stages.
--
-- Only a PR with several shipped commits needs grouping: a commit without a PR is its own unit
-- (change ids are '<source>:change:…', PR ids '<source>:pr:…', so it never shares one), and so is
-- the only commit of a PR. Its values pass through as they are, which is what the group's min and
-- arg_min give for one row. Grouping every commit held a hash-table entry with ten aggregate
-- states per commit (1M deployments, 9.5M commits: the slowest step of the run).
WITH shipped AS NOT MATERIALIZED (
  SELECT
    c.pr_id, c.change_id, c.service, c.authored_at, c.committed_at, c.start_at, c.pr_first_commit_at,
    c.pr_opened_at, c.first_review_at, c.merged_at, c.title,
    d.finished_at, d.deployment_id, d.local_day, d.window_name
  FROM staging.stg_changes c
  JOIN intermediate.int_deployments d ON d.deployment_id = c.deployment_id
),
-- PRs with more than one commit, found by a 64-bit hash of (PR, service): a hash equal to the one
-- before it in sorted order. Sorting integers is far cheaper than grouping strings, and cheaper than
-- a hash table of every PR (with squash merges every PR has one commit: millions of groups). A
-- collision only sends a one-commit PR through the grouping below, which gives it the same row;
-- commits never deployed (no deployment_id) cannot be in a unit.
grouped_prs AS (
  SELECT DISTINCT unit_hash
  FROM (
    SELECT unit_hash, lag(unit_hash) OVER (ORDER BY unit_hash) AS previous_hash
    FROM (SELECT hash(pr_id, service) AS unit_hash FROM staging.stg_changes WHERE pr_id IS NOT NULL AND deployment_id IS NOT NULL)
  )
  WHERE unit_hash = previous_hash
),
units AS (
  SELECT
    coalesce(pr_id, change_id) AS unit_id,
    service,
    pr_id,
    1 AS commits,
    deployment_id,
    finished_at,
    local_day,
    window_name,
    -- a commit without a PR: its committed time (or a first commit a collector knew without the PR's id);
    -- a PR: its first commit as the forge reports it (a squash hides it), else the commit's authored time
    CASE WHEN pr_id IS NULL THEN start_at ELSE coalesce(pr_first_commit_at, authored_at, committed_at) END AS start_at,
    pr_opened_at,
    first_review_at,
    merged_at,
    -- what arg_min gives for one row: it skips a row whose ordering value is NULL
    CASE WHEN coalesce(authored_at, committed_at) IS NOT NULL THEN title END AS commit_title
  FROM shipped
  WHERE pr_id IS NULL OR hash(pr_id, service) NOT IN (SELECT unit_hash FROM grouped_prs)
  UNION ALL
  SELECT
    unit_id, service, pr_id, commits,
    first_deployment.deployment_id, first_deployment.finished_at, first_deployment.local_day, first_deployment.window_name,
    start_at, pr_opened_at, first_review_at, merged_at, commit_title
  FROM (
    SELECT
      pr_id AS unit_id,
      service,
      pr_id,
      count(*) AS commits,
      -- the deployment that shipped the unit first; ties on the finish broken by id so a rerun agrees
      min({'finished_at': finished_at, 'deployment_id': deployment_id, 'local_day': local_day, 'window_name': window_name}) AS first_deployment,
      -- the PR's first commit as the forge reports it (a squash hides it), else the earliest authored commit
      coalesce(min(pr_first_commit_at), min(authored_at), min(committed_at)) AS start_at,
      min(pr_opened_at) AS pr_opened_at,
      min(first_review_at) AS first_review_at,
      min(merged_at) AS merged_at,
      -- the earliest commit's line: for a squash merge, the merged commit names the PR
      arg_min(title, coalesce(authored_at, committed_at)) AS commit_title
    FROM shipped
    WHERE pr_id IS NOT NULL AND hash(pr_id, service) IN (SELECT unit_hash FROM grouped_prs)
    GROUP BY pr_id, service
  )
)
SELECT
  u.unit_id AS change_id,
  u.service,
  u.pr_id,
  u.commits::INTEGER AS commits,
  u.deployment_id,
  u.finished_at AS deployed_at,
  u.local_day,
  u.start_at,
  (epoch(u.finished_at) - epoch(u.start_at)) / 3600.0 AS lead_time_hours,
  (epoch(u.pr_opened_at) - epoch(u.start_at)) / 3600.0 AS coding_hours,
  (epoch(u.first_review_at) - epoch(u.pr_opened_at)) / 3600.0 AS pickup_hours,
  (epoch(u.merged_at) - epoch(u.first_review_at)) / 3600.0 AS review_hours,
  (epoch(u.finished_at) - epoch(u.merged_at)) / 3600.0 AS deploy_hours,
  u.window_name,
  coalesce(p.title, u.commit_title) AS title,
  p.url
FROM units u
LEFT JOIN staging.stg_pull_requests p ON p.pr_id = u.pr_id
