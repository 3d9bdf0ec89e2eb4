-- grain: one row per incident and distinct reference found in it.
-- inputs: staging.stg_incidents, seeds.explicit_patterns.
-- definition: what an incident's refs, title and body name: ids and URLs ('word'), commit shas of 7+ hex digits ('sha'), PR numbers ('pr_number'), PR URLs as 'repo#number' ('pr_ref'), exact refs ('ref') and captures of the configured patterns ('pattern').
WITH texts AS (
  SELECT
    incident_id,
    service,
    refs,
    concat_ws(chr(10), coalesce(title, ''), coalesce(body, ''), array_to_string(refs, chr(10))) AS text
  FROM staging.stg_incidents
),
tokens AS (
  SELECT incident_id, service, 'ref' AS kind, trim(unnest(refs)) AS token FROM texts
  UNION ALL
  -- only words that can be an id ('github:deployment:…') or a URL: keeps the token set small
  SELECT incident_id, service, 'word', rtrim(unnest(regexp_extract_all(text, '[A-Za-z0-9_][A-Za-z0-9_.:/#!@+=%~-]*:[A-Za-z0-9_.:/#!@+=%~-]+')), '.:,;!')
  FROM texts
  UNION ALL
  SELECT incident_id, service, 'sha', unnest(regexp_extract_all(lower(text), '\b[0-9a-f]{7,40}\b')) FROM texts
  UNION ALL
  -- "#123" (GitHub) and "!45" (GitLab); not "owner/repo#1" (that is a pr_ref) nor "&#39;"
  SELECT incident_id, service, 'pr_number', unnest(regexp_extract_all(text, '(?:^|[^\w/&])[#!](\d+)\b', 1)) FROM texts
  UNION ALL
  SELECT incident_id, service, 'pr_number', unnest(regexp_extract_all(text, '(?i)\b(?:pr|mr|pull request|merge request)\s*[#!]?(\d+)\b', 1)) FROM texts
  UNION ALL
  -- https://github.com/acme/api/pull/12 → acme/api#12
  SELECT incident_id, service, 'pr_ref',
    unnest(list_transform(
      regexp_extract_all(text, 'https?://[^/\s]+/[^\s]+?/pull/\d+'),
      u -> regexp_extract(u, '^https?://[^/]+/(.+)/pull/(\d+)$', 1) || '#' || regexp_extract(u, '/pull/(\d+)$', 1)))
  FROM texts
  UNION ALL
  -- https://gitlab.com/acme/payments/-/merge_requests/45 → acme/payments#45
  SELECT incident_id, service, 'pr_ref',
    unnest(list_transform(
      regexp_extract_all(text, 'https?://[^/\s]+/[^\s]+?/-/merge_requests/\d+'),
      u -> regexp_extract(u, '^https?://[^/]+/(.+)/-/merge_requests/(\d+)$', 1) || '#' || regexp_extract(u, '/merge_requests/(\d+)$', 1)))
  FROM texts
  UNION ALL
  -- a configured pattern names something with its first capture group, or with its whole match when it
  -- has none; matched case-insensitively (config patterns are JavaScript syntax, which has no inline (?i))
  SELECT t.incident_id, t.service, 'pattern',
    trim(unnest(regexp_extract_all(t.text, p.pattern, CASE WHEN regexp_matches(p.pattern, '(^|[^\\])\((?:[^?]|$)') THEN 1 ELSE 0 END, 'i')))
  FROM texts t
  CROSS JOIN seeds.explicit_patterns p
)
SELECT DISTINCT incident_id, service, kind, token
FROM tokens
WHERE token IS NOT NULL AND token <> ''
