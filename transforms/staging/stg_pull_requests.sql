-- grain: one row per pull request / merge request.
-- inputs: core.pull_requests.
-- definition: the fields an incident can name a PR by (number, URL, repository) and its title, and whether the PR is a revert or a hotfix (by the source's config, decided when collected), renamed and cast.
-- materialize: view (a plain projection: copying it would only cost time and disk)
SELECT
  pr_id,
  service,
  repo,
  number,
  title,
  is_revert,
  is_hotfix,
  rtrim(url, '/') AS url
FROM core.pull_requests
