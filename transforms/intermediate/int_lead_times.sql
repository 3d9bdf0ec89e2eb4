-- grain: one row per change unit shipped by a successful production deployment: a merged PR (all its commits together), or a commit that reached production without a PR.
-- inputs: staging.stg_changes, staging.stg_pull_requests, intermediate.int_deployments.
-- definition: lead time = finished_at of the first successful production deployment holding any of the unit's commits − the unit's start (a PR: its first commit's author time; a commit without a PR: its committed time), in hours, with the stages coding (PR opened − start), pickup (first review − opened), review (merged − first review) and deploy (deployed − merged), and that deployment's local day; title and url name the PR (its page), or the commit (message line, no page).
-- materialize: view (read once, by metrics.lead_time_items, which keeps the rows: a second copy would only cost time)
-- A PR counts once whatever its merge strategy: a merge commit with four branch commits, a squash
-- commit and four rebased commits all give one row with the same start, end and stages.
WITH shipped AS (
  SELECT
    coalesce(c.pr_id, c.change_id) AS unit_id,
    c.service,
    c.pr_id,
    c.change_id,
    c.authored_at,
    c.committed_at,
    c.start_at,
    c.pr_first_commit_at,
    c.pr_opened_at,
    c.first_review_at,
    c.merged_at,
    c.title,
    -- the deployment that shipped the unit first; ties on the finish broken by id so a rerun agrees
    {'finished_at': d.finished_at, 'deployment_id': d.deployment_id, 'local_day': d.local_day, 'window_name': d.window_name} AS deployment
  FROM staging.stg_changes c
  JOIN intermediate.int_deployments d ON d.deployment_id = c.deployment_id
),
units AS (
  SELECT
    unit_id,
    service,
    any_value(pr_id) AS pr_id,
    count(*) AS commits,
    min(deployment) AS first_deployment,
    CASE
      -- one commit: its committed time (or a first commit a collector knew without the PR's id)
      WHEN any_value(pr_id) IS NULL THEN min(start_at)
      -- the PR's first commit as the forge reports it (a squash hides it), else the earliest authored commit
      ELSE coalesce(min(pr_first_commit_at), min(authored_at), min(committed_at))
    END AS start_at,
    min(pr_opened_at) AS pr_opened_at,
    min(first_review_at) AS first_review_at,
    min(merged_at) AS merged_at,
    -- the earliest commit's line: for a squash merge, the merged commit names the PR
    arg_min(title, coalesce(authored_at, committed_at)) AS commit_title
  FROM shipped
  GROUP BY unit_id, service
)
SELECT
  u.unit_id AS change_id,
  u.service,
  u.pr_id,
  u.commits::INTEGER AS commits,
  first_deployment.deployment_id AS deployment_id,
  first_deployment.finished_at AS deployed_at,
  first_deployment.local_day AS local_day,
  u.start_at,
  (epoch(first_deployment.finished_at) - epoch(u.start_at)) / 3600.0 AS lead_time_hours,
  (epoch(u.pr_opened_at) - epoch(u.start_at)) / 3600.0 AS coding_hours,
  (epoch(u.first_review_at) - epoch(u.pr_opened_at)) / 3600.0 AS pickup_hours,
  (epoch(u.merged_at) - epoch(u.first_review_at)) / 3600.0 AS review_hours,
  (epoch(first_deployment.finished_at) - epoch(u.merged_at)) / 3600.0 AS deploy_hours,
  first_deployment.window_name AS window_name,
  coalesce(p.title, u.commit_title) AS title,
  p.url
FROM units u
LEFT JOIN staging.stg_pull_requests p ON p.pr_id = u.pr_id
