import { createHash } from "node:crypto";
import type { DemoRows } from "../../../collectors/demo/index.ts";
import type { SimCommit, SimDeployment, SimMergeRequest, SimProject } from "../gitlab/server.ts";

// The scale organisation's repositories as GitLab projects (same commits, same SHAs and the same
// deployment ids as on the GitHub simulator, so the PagerDuty incidents can name either): every demo
// commit on `main` (a linear history, fast-forward merges), every merged PR a merged merge request with
// its commits, review note and approval note, every deployment a CI deployment whose job started and
// finished when the demo's did, to an environment with GitLab's `production`/`staging` tier.

export interface GitlabOrgInput {
  truth: DemoRows;
  /** Demo commit sha → simulated sha (shared with the GitHub simulator). */
  shas: Map<string, string>;
  /** Demo deployment id → simulated deployment id (shared with the GitHub simulator). */
  deploymentIds: Map<string, number>;
  /** Services to serve (the others stay on GitHub). */
  services: string[];
  org: string;
}

export function buildGitlabProjects(input: GitlabOrgInput): SimProject[] {
  const wanted = new Set(input.services);
  const prs = new Map(input.truth["core.pull_requests"].map((p) => [p.pr_id, p]));
  const changesByService = new Map<string, DemoRows["core.changes"]>();
  for (const c of input.truth["core.changes"]) {
    if (!wanted.has(c.service)) continue;
    const list = changesByService.get(c.service);
    if (list) list.push(c);
    else changesByService.set(c.service, [c]);
  }
  const deploymentsByService = new Map<string, DemoRows["core.deployments"]>();
  for (const d of input.truth["core.deployments"]) {
    if (!wanted.has(d.service)) continue;
    const list = deploymentsByService.get(d.service);
    if (list) list.push(d);
    else deploymentsByService.set(d.service, [d]);
  }

  let mrId = 0;
  return input.services.map((service, index) => {
    const changes = [...(changesByService.get(service) ?? [])].sort(
      (a, b) => a.committed_at.getTime() - b.committed_at.getTime() || a.change_id.localeCompare(b.change_id),
    );
    const history: SimCommit[] = [];
    let parent: string | undefined;
    for (const c of changes) {
      const id = input.shas.get(c.commit_sha);
      if (!id) throw new Error(`scale org (GitLab): commit ${c.commit_sha} has no simulated sha`);
      history.push({
        id,
        title: c.title,
        author_name: c.author,
        author_email: `${login(c.author)}@example.com`,
        authored_date: c.authored_at.toISOString(),
        committed_date: c.committed_at.toISOString(),
        parent_ids: parent ? [parent] : [],
      });
      parent = id;
    }
    const byId = new Map(history.map((c) => [c.id, c]));

    const mergeRequests: SimMergeRequest[] = [];
    const byPr = new Map<string, string[]>();
    for (const c of changes) if (c.pr_id) byPr.set(c.pr_id, [...(byPr.get(c.pr_id) ?? []), input.shas.get(c.commit_sha)!]);
    for (const [prId, landed] of byPr) {
      const pr = prs.get(prId);
      if (!pr || !pr.merged_at) continue;
      const first = byId.get(landed[0]!)!;
      const squashed = Date.parse(first.authored_date) !== pr.first_commit_at.getTime();
      // A squash merge hides the MR's own commits: its first commit lives on the source branch only.
      const own: SimCommit[] = squashed
        ? [
            {
              id: createHash("sha1").update(`gitlab-branch:${prId}`).digest("hex"),
              title: pr.title,
              author_name: pr.author,
              author_email: `${login(pr.author)}@example.com`,
              authored_date: pr.first_commit_at.toISOString(),
              committed_date: pr.first_commit_at.toISOString(),
            },
          ]
        : landed.map((sha) => byId.get(sha)!);
      const notes: SimMergeRequest["notes"] = [];
      if (pr.first_review_at) notes.push({ id: notes.length + 1, body: "Looks good, one question inline", system: false, created_at: pr.first_review_at.toISOString(), author: "reviewer" });
      if (pr.approved_at) notes.push({ id: notes.length + 1, body: "approved this merge request", system: true, created_at: pr.approved_at.toISOString(), author: "reviewer" });
      mergeRequests.push({
        id: ++mrId,
        iid: pr.number,
        title: pr.title,
        state: "merged",
        author: login(pr.author),
        created_at: pr.opened_at.toISOString(),
        updated_at: pr.updated_at.toISOString(),
        merged_at: pr.merged_at.toISOString(),
        closed_at: null,
        source_branch: pr.head_branch,
        labels: pr.labels,
        sha: own.at(-1)!.id,
        // Fast-forward merges (no merge commit); a squash lands as the one commit on main.
        merge_commit_sha: null,
        squash_commit_sha: squashed ? landed.at(-1)! : null,
        commits: own,
        notes,
      });
    }

    const environments = new Map<string, { id: number; name: string; tier: string }>();
    const deployments: SimDeployment[] = [];
    const ordered = [...(deploymentsByService.get(service) ?? [])].sort(
      (a, b) => a.started_at.getTime() - b.started_at.getTime() || a.deployment_id.localeCompare(b.deployment_id),
    );
    for (const d of ordered) {
      if (!environments.has(d.environment)) {
        environments.set(d.environment, { id: environments.size + 1, name: d.environment, tier: d.is_production ? "production" : "staging" });
      }
      const id = input.deploymentIds.get(d.deployment_id);
      const sha = input.shas.get(d.commit_sha);
      if (id === undefined || !sha) throw new Error(`scale org (GitLab): deployment ${d.deployment_id} has no simulated id or sha`);
      const status = d.status === "success" ? "success" : d.status === "failure" ? "failed" : "canceled";
      const started = d.started_at.toISOString();
      const finished = d.finished_at.toISOString();
      deployments.push({
        id,
        iid: deployments.length + 1,
        ref: d.ref,
        sha,
        status,
        environment: d.environment,
        created_at: started,
        updated_at: finished,
        deployable: { id: id + 1_000_000, status, created_at: started, started_at: started, finished_at: finished, pipeline: { id: id + 2_000_000, created_at: d.pipeline_started_at.toISOString() } },
      });
    }
    return { id: index + 1, path: `${input.org}/${service}`, environments: [...environments.values()], deployments, mergeRequests, history };
  });
}

function login(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}
