-- 003_gitlab: what the GitLab collector needs beyond 001.
-- Every SHA that belongs to a merge request (its commits, merge commit, squash commit, head), so the
-- commits a deployment shipped (repository/compare) can be mapped to their merge request.
ALTER TABLE core.pull_requests ADD COLUMN IF NOT EXISTS commit_shas VARCHAR[];
