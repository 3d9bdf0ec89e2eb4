-- 002_github: the commits of a pull request (first 100), so commits that reach a deployment through a
-- merge commit are mapped to their PR without one request per commit.
ALTER TABLE core.pull_requests ADD COLUMN IF NOT EXISTS commit_shas VARCHAR[];
