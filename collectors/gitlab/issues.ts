import { GitlabIssue } from "../../schemas/gitlab.ts";
import { defineStream } from "../core/stream.ts";
import { issueIncidentRow } from "../github/issues.ts";
import { listPages } from "./client.ts";
import { gitlabClient, gitlabConfig, gitlabProjects, projectUrl, type GitlabProjectRef, type GitlabRun } from "./context.ts";

/** One partition: a project and one incident label (GitLab's `labels=a,b` means *all* of them). */
export interface IssueLabelProject {
  project: GitlabProjectRef;
  label: string;
}

/**
 * Issues as incidents (sources.gitlab.incidents.labels), for teams without PagerDuty: every issue of
 * a service's project carrying one of the labels, open or closed, oldest update first
 * (`updated_after` + `order_by=updated_at&sort=asc`, so the cursor is `updated_at`). One partition
 * per project and label ("any of the labels"); an issue with two of them is upserted twice, same id.
 */
export const issues = defineStream<GitlabIssue, IssueLabelProject, GitlabRun>({
  id: "gitlab.incidents",
  item: GitlabIssue,
  itemId: (raw) => {
    const issue = raw as { iid?: unknown; id?: unknown } | null;
    return issue?.iid !== undefined ? `#${String(issue.iid)}` : String(issue?.id ?? "(no id)");
  },
  partitions: async (ctx) => {
    const labels = gitlabConfig(ctx).incidents?.labels ?? [];
    if (labels.length === 0) return [];
    return (await gitlabProjects(ctx)).flatMap((project) => labels.map((label) => ({ project, label })));
  },
  partitionKey: (p) => `${p.project.path} label:${p.label}`,
  order: "asc",
  overlapMs: 5 * 60_000,
  async *pages(ctx, { project, label }, since) {
    const client = gitlabClient(ctx);
    const perPage = gitlabConfig(ctx).page_size;
    const params: Record<string, unknown> = { labels: label, scope: "all", order_by: "updated_at", sort: "asc", per_page: perPage, ...(since ? { updated_after: since } : {}) };
    const pages = listPages((page) =>
      client.issues.all({
        projectId: project.path,
        labels: label,
        scope: "all",
        orderBy: "updated_at",
        sort: "asc",
        perPage,
        ...(since ? { updatedAfter: since } : {}),
        page,
        showExpanded: true,
      }),
    );
    for await (const p of pages) yield { url: projectUrl(client, project, "issues"), params: { ...params, page: p.page }, items: p.items };
  },
  toRows: (issue, _ctx, { project }) => ({
    "core.incidents": [
      issueIncidentRow({
        id: `gitlab:incident:${project.path}:${issue.iid}`,
        source: "gitlab",
        service: project.service,
        title: issue.title,
        body: issue.description ?? null,
        labels: issue.labels,
        createdAt: issue.created_at,
        // A reopened issue is `opened` again and keeps an old closed_at on some versions: state decides.
        closedAt: issue.state === "closed" ? (issue.closed_at ?? issue.updated_at) : null,
        url: issue.web_url ?? null,
        updatedAt: issue.updated_at,
        severity: issue.severity,
      }),
    ],
  }),
  cursorOf: (issue) => new Date(issue.updated_at).toISOString(),
});
