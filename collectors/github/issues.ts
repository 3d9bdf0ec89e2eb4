import { GithubIssue } from "../../schemas/github.ts";
import type { Row } from "../../warehouse/warehouse.ts";
import { extractRefs } from "../pagerduty/refs.ts";
import { defineStream } from "../core/stream.ts";
import type { GithubRun } from "./run.ts";
import { githubClient } from "./client.ts";
import { restPages } from "./pages.ts";
import { repoTargets, type RepoTarget, githubSettings } from "./targets.ts";

/** One partition: a repository and one incident label (GitHub's `labels=a,b` means *all* of them). */
export interface IssueLabelTarget {
  target: RepoTarget;
  label: string;
}

/**
 * Issues as incidents (sources.github.incidents.labels), for teams without PagerDuty: every issue of a
 * service's repository carrying one of the labels, open or closed, oldest update first
 * (`since` + `sort=updated&direction=asc`, so the cursor is `updated_at`). One partition per
 * repository and label, so "any of the labels" needs no client-side merge and each walk keeps its own
 * cursor; an issue with two of the labels is upserted twice under the same id.
 */
export const issues = defineStream<GithubIssue, IssueLabelTarget, GithubRun>({
  id: "github.incidents",
  concurrency: (ctx) => githubSettings(ctx.config).concurrency,
  item: GithubIssue,
  itemId: (raw) => `#${String((raw as { number?: unknown } | null)?.number ?? "?")}`,
  partitions: (ctx) => {
    const labels = ctx.config.sources.github?.incidents?.labels ?? [];
    return repoTargets(ctx.config).flatMap((target) => labels.map((label) => ({ target, label })));
  },
  partitionKey: (p) => `${p.target.repo} label:${p.label}`,
  order: "asc",
  // `since` compares with updated_at, which GitHub may write a moment after the list is read.
  overlapMs: 5 * 60_000,
  pages: (ctx, { target, label }, since) =>
    restPages(githubClient(ctx), "GET /repos/{owner}/{repo}/issues", {
      owner: target.owner,
      repo: target.name,
      labels: label,
      state: "all",
      sort: "updated",
      direction: "asc",
      per_page: ctx.config.sources.github?.page_size ?? 100,
      ...(since ? { since } : {}),
    }),
  toRows: (issue, _ctx, { target }) => {
    // The issues endpoint lists pull requests too: a labelled PR is a change, not an incident.
    if (issue.pull_request !== undefined && issue.pull_request !== null) return {};
    const labels = issue.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean);
    return {
      "core.incidents": [
        issueIncidentRow({
          id: `github:incident:${target.repo}:${issue.number}`,
          source: "github",
          service: serviceOf(target, labels),
          title: issue.title,
          body: issue.body ?? null,
          labels,
          createdAt: issue.created_at,
          closedAt: issue.state === "closed" ? (issue.closed_at ?? issue.updated_at) : null,
          url: issue.html_url ?? null,
          updatedAt: issue.updated_at,
        }),
      ],
    };
  },
  cursorOf: (issue) => new Date(issue.updated_at).toISOString(),
});

/**
 * A repository several services share (a monorepo): a label naming one of them picks it, else the
 * first service that lists the repository. One row per issue either way, so an incident is not
 * counted once per service.
 */
function serviceOf(target: RepoTarget, labels: string[]): string {
  const lower = new Set(labels.map((l) => l.toLowerCase()));
  return target.services.find((s) => lower.has(s.service.toLowerCase()))?.service ?? target.services[0]!.service;
}

export interface IssueIncident {
  id: string;
  source: string;
  service: string;
  title: string;
  body: string | null;
  labels: string[];
  createdAt: string;
  /** Set once the issue is closed; a reopened issue is open again (NULL). */
  closedAt: string | null;
  url: string | null;
  updatedAt: string;
  /** The tracker's own severity (GitLab incidents), when no label says it. */
  severity?: string | null;
}

/** Pure: an issue (GitHub or GitLab) → a core.incidents row. */
export function issueIncidentRow(issue: IssueIncident): Row {
  const level = severityOf(issue.labels, issue.severity);
  return {
    incident_id: issue.id,
    source: issue.source,
    service: issue.service,
    title: issue.title,
    body: issue.body,
    urgency: level?.urgency ?? null,
    priority: level?.priority ?? null,
    created_at: new Date(issue.createdAt).toISOString(),
    // Issues have no acknowledgement: the first comment or assignment is not one (anyone may comment),
    // so time to acknowledge stays unknown rather than guessed.
    acknowledged_at: null,
    resolved_at: issue.closedAt ? new Date(issue.closedAt).toISOString() : null,
    status: issue.closedAt ? "resolved" : "triggered",
    refs: extractRefs(issue.title, issue.body),
    url: issue.url,
    updated_at: new Date(issue.updatedAt).toISOString(),
  };
}

// sev1, sev-2, severity::1, severity: 3, P1, priority::2 — the number is the level (1 = worst).
const LEVEL_LABEL = /^(?:sev(?:erity)?|p(?:riority)?)\s*(?:::?|[-_ ])?\s*(\d)$/i;
// urgency::high, severity::critical, critical; a bare "high" or "low" could mean anything, so not those.
const WORD_LABEL = /^(?:(?:urgency|severity|priority|sev)\s*(?:::?|[-_ ])\s*(critical|high|medium|low)|(critical))$/i;

/**
 * Urgency (PagerDuty's high/low) and priority (the label as written) from severity labels: levels 1–2
 * and critical/high are high urgency, the rest low; the most severe label wins. GitLab's own incident
 * severity counts when no label says anything. None: both NULL.
 */
export function severityOf(labels: string[], severity?: string | null): { urgency: "high" | "low"; priority: string } | undefined {
  let best: { rank: number; priority: string } | undefined;
  for (const label of labels) {
    const trimmed = label.trim();
    const level = LEVEL_LABEL.exec(trimmed);
    const word = level ? undefined : WORD_LABEL.exec(trimmed);
    const rank = level ? Number(level[1]) : word ? WORD_RANK[(word[1] ?? word[2])!.toLowerCase()]! : undefined;
    if (rank !== undefined && (!best || rank < best.rank)) best = { rank, priority: trimmed };
  }
  if (!best && severity && WORD_RANK[severity.toLowerCase()] !== undefined) best = { rank: WORD_RANK[severity.toLowerCase()]!, priority: severity.toUpperCase() };
  return best ? { urgency: best.rank <= 2 ? "high" : "low", priority: best.priority } : undefined;
}

const WORD_RANK: Record<string, number> = { critical: 1, high: 2, medium: 3, low: 4 };
