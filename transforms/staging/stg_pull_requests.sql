-- grain: one row per pull request / merge request.
-- inputs: core.pull_requests.
-- definition: the fields an incident can name a PR by (number, URL, repository), renamed and cast.
SELECT
  pr_id,
  service,
  repo,
  number,
  rtrim(url, '/') AS url
FROM core.pull_requests
