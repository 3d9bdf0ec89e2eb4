-- grain: one row per successful production deployment.
-- inputs: staging.stg_deployments, staging.stg_changes, staging.stg_pull_requests, seeds.revert_patterns.
-- definition: whether the deployment is a rollback (it deploys a commit that went live before the one it replaces, or ships a revert; an Argo CD sync to a revision first run before the one it replaces) or rework (it ships a hotfix PR, or comes from a hotfix branch), derived from the stored deployments, changes and PRs, so a rebuild of core.* from raw pages gives the same flags; the deployment rows' own is_rollback / is_rework carry only what a source marks on a deployment itself (a hotfix branch, an events record's own flags, a local-git tag's commits).
WITH deployed AS (
  SELECT
    deployment_id, source, repo, service, commit_sha, is_rollback AS marked_rollback, is_rework AS marked_rework,
    -- the deployments a rollback is judged against: GitLab compares each production environment with
    -- itself (as GitLab's own DORA metrics do), GitHub a service's production deployments of one repository
    concat_ws('|', source, repo, service, CASE WHEN source = 'gitlab' THEN environment END) AS lane,
    row_number() OVER (PARTITION BY source, repo, service, CASE WHEN source = 'gitlab' THEN environment END ORDER BY finished_at, deployment_id) AS pos
  FROM staging.stg_deployments
  WHERE is_deployment AND commit_sha IS NOT NULL AND source IN ('github', 'gitlab')
),
shipped AS (
  SELECT d.deployment_id, d.source, d.lane, d.pos, d.commit_sha AS deployed_sha, c.commit_sha, c.title, p.is_revert, p.is_hotfix
  FROM deployed d
  JOIN staging.stg_changes c ON c.deployment_id = d.deployment_id
  LEFT JOIN staging.stg_pull_requests p ON p.pr_id = c.pr_id
),
-- where each commit first went live in its lane: a deployment's own commit at the deployment's
-- position, a commit it shipped behind that one half a step earlier (an ancestor of what went live)
went_live AS (
  SELECT lane, sha, min(live_pos) AS live_pos
  FROM (
    SELECT lane, commit_sha AS sha, pos::DOUBLE AS live_pos FROM deployed
    UNION ALL
    SELECT lane, commit_sha, pos - 0.5 FROM shipped WHERE commit_sha IS NOT NULL AND commit_sha <> deployed_sha
  )
  GROUP BY lane, sha
),
ordered AS (
  SELECT d.*, lag(d.commit_sha) OVER (PARTITION BY d.lane ORDER BY d.pos) AS previous_sha
  FROM deployed d
),
by_changes AS (
  SELECT
    s.deployment_id,
    bool_or(coalesce(s.is_revert, false) OR coalesce(regexp_matches(s.title, r.pattern), false)) AS ships_revert,
    bool_or(coalesce(s.is_hotfix, false)) AS ships_hotfix
  FROM shipped s
  LEFT JOIN seeds.revert_patterns r ON r.source = s.source
  GROUP BY s.deployment_id
),
-- An Argo CD sync to a revision the application first ran before the one it replaces is a rollback
-- (an `argocd app rollback`, a canary rolled back by syncing the stable revision). Decided over every
-- stored sync: Argo CD's own history keeps only the last ten. A re-sync of what runs, or rolling
-- forward again after a rollback, is not one.
argocd AS (
  SELECT
    deployment_id,
    coalesce(revision_first_at < lag(revision_first_at) OVER (PARTITION BY service, repo ORDER BY finished_at, deployment_id), false) AS moves_back
  FROM (
    SELECT deployment_id, service, repo, finished_at,
      -- when the application first ran this revision (a commit, or a chart version)
      min(finished_at) OVER (PARTITION BY service, repo, coalesce(commit_sha, ref)) AS revision_first_at
    FROM staging.stg_deployments
    WHERE is_deployment AND source = 'argocd'
  )
),
derived AS (
  SELECT
    o.deployment_id,
    o.source,
    o.marked_rollback,
    o.marked_rework,
    -- production moved backwards: the commit now live went live before the one it replaces (a
    -- re-deploy of the same commit, or rolling forward again, is not a rollback)
    o.previous_sha IS NOT NULL AND o.previous_sha <> o.commit_sha AND cur.live_pos < prev.live_pos AS moves_back,
    coalesce(c.ships_revert, false) AS ships_revert,
    coalesce(c.ships_hotfix, false) AS ships_hotfix
  FROM ordered o
  JOIN went_live cur ON cur.lane = o.lane AND cur.sha = o.commit_sha
  LEFT JOIN went_live prev ON prev.lane = o.lane AND prev.sha = o.previous_sha
  LEFT JOIN by_changes c ON c.deployment_id = o.deployment_id
)
SELECT
  d.deployment_id,
  d.service,
  -- GitHub and GitLab: derived here across rows; Argo CD: its syncs' revisions; the other sources
  -- mark their deployments themselves
  coalesce(x.marked_rollback OR x.moves_back OR x.ships_revert, d.is_rollback OR coalesce(a.moves_back, false)) AS is_rollback,
  coalesce(x.marked_rework OR x.ships_hotfix, d.is_rework) AS is_rework,
  -- why a GitHub, GitLab or Argo CD deployment is flagged (false for the other sources)
  coalesce(x.moves_back, a.moves_back, false) AS moves_back,
  coalesce(x.ships_revert, false) AS ships_revert,
  coalesce(x.ships_hotfix, false) AS ships_hotfix
FROM staging.stg_deployments d
LEFT JOIN derived x ON x.deployment_id = d.deployment_id
LEFT JOIN argocd a ON a.deployment_id = d.deployment_id
WHERE d.is_deployment
