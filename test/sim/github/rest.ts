import { ancestorsOf, topoOrder, type SimCommit, type SimDeployment, type SimIssue, type SimPull, type SimRepo, type SimState, type SimWorkflowRun } from "./state.ts";

// REST answers shaped like GitHub's OpenAPI description (required fields present, URLs consistent).

export interface RestAnswer {
  status: number;
  body: unknown;
  /** For list endpoints: the full list, paged by the server. */
  list?: { items: unknown[]; wrap?: (items: unknown[]) => unknown; defaultPerPage?: number; unpagedLimit?: number };
}

const API = "https://api.github.com";

export function user(login: string, id = 1) {
  const u = `${API}/users/${login}`;
  return {
    login, id, node_id: `MDQ6VXNlcj${id}`, avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`, gravatar_id: "",
    url: u, html_url: `https://github.com/${login}`, followers_url: `${u}/followers`, following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`, starred_url: `${u}/starred{/owner}{/repo}`, subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`, repos_url: `${u}/repos`, events_url: `${u}/events{/privacy}`, received_events_url: `${u}/received_events`,
    type: "User", site_admin: false,
  };
}

const REPO_URLS = [
  "archive", "assignees", "blobs", "branches", "collaborators", "comments", "commits", "compare", "contents", "contributors",
  "deployments", "downloads", "events", "forks", "git_commits", "git_refs", "git_tags", "hooks", "issue_comment", "issue_events",
  "issues", "keys", "labels", "languages", "merges", "milestones", "notifications", "pulls", "releases", "stargazers", "statuses",
  "subscribers", "subscription", "tags", "teams", "trees",
];

export function minimalRepo(repo: SimRepo) {
  const url = `${API}/repos/${repo.owner}/${repo.name}`;
  const out: Record<string, unknown> = {
    id: repo.id, node_id: `R_${repo.id}`, name: repo.name, full_name: `${repo.owner}/${repo.name}`, owner: user(repo.owner, 2),
    private: false, html_url: `https://github.com/${repo.owner}/${repo.name}`, description: null, fork: false, url,
  };
  for (const k of REPO_URLS) out[`${k}_url`] = `${url}/${k.replaceAll("_", "/")}`;
  return out;
}

function deploymentJson(repo: SimRepo, d: SimDeployment) {
  const url = `${API}/repos/${repo.owner}/${repo.name}/deployments/${d.id}`;
  return patched(repo, "deployment", d.id, {
    url, id: d.id, node_id: `DE_${d.id}`, sha: d.sha, ref: d.ref, task: d.task, payload: {}, original_environment: d.environment,
    environment: d.environment, description: null, creator: user("deployer", 3), created_at: d.created_at, updated_at: d.updated_at,
    statuses_url: `${url}/statuses`, repository_url: `${API}/repos/${repo.owner}/${repo.name}`,
    transient_environment: false, production_environment: d.production_environment ?? d.environment === "production",
  });
}

function runJson(repo: SimRepo, r: SimWorkflowRun) {
  const base = `${API}/repos/${repo.owner}/${repo.name}/actions/runs/${r.id}`;
  const head = repo.commits.get(r.head_sha);
  return patched(repo, "run", r.id, {
    id: r.id, name: r.name, node_id: `WFR_${r.id}`, head_branch: r.head_branch, head_sha: r.head_sha, path: r.path,
    display_title: r.name, run_number: r.id % 10000, run_attempt: 1, event: r.event, status: r.status, conclusion: r.conclusion,
    workflow_id: r.workflow_id, url: base, html_url: `https://github.com/${repo.owner}/${repo.name}/actions/runs/${r.id}`,
    pull_requests: [], created_at: r.created_at, updated_at: r.updated_at, run_started_at: r.run_started_at,
    jobs_url: `${base}/jobs`, logs_url: `${base}/logs`, check_suite_url: `${API}/repos/${repo.owner}/${repo.name}/check-suites/${r.id}`,
    artifacts_url: `${base}/artifacts`, cancel_url: `${base}/cancel`, rerun_url: `${base}/rerun`,
    workflow_url: `${API}/repos/${repo.owner}/${repo.name}/actions/workflows/${r.workflow_id}`,
    head_commit: head
      ? { id: head.sha, tree_id: head.sha, message: head.message, timestamp: head.committer.date,
          author: { name: head.author.name, email: head.author.email }, committer: { name: head.committer.name, email: head.committer.email } }
      : null,
    repository: minimalRepo(repo), head_repository: minimalRepo(repo),
  });
}

export function commitJson(repo: SimRepo, c: SimCommit) {
  const url = `${API}/repos/${repo.owner}/${repo.name}/commits/${c.sha}`;
  return patched(repo, "compare_commit", c.sha, {
    url, sha: c.sha, node_id: `C_${c.sha.slice(0, 12)}`, html_url: `https://github.com/${repo.owner}/${repo.name}/commit/${c.sha}`,
    comments_url: `${url}/comments`,
    commit: {
      url: `${API}/repos/${repo.owner}/${repo.name}/git/commits/${c.sha}`,
      author: { name: c.author.name, email: c.author.email, date: c.author.date },
      committer: { name: c.committer.name, email: c.committer.email, date: c.committer.date },
      message: c.message, comment_count: 0,
      tree: { sha: c.sha, url: `${API}/repos/${repo.owner}/${repo.name}/git/trees/${c.sha}` },
    },
    author: c.author.login ? user(c.author.login) : null,
    committer: c.committer.login ? user(c.committer.login) : null,
    parents: c.parents.map((p) => ({ sha: p, url: `${API}/repos/${repo.owner}/${repo.name}/commits/${p}`, html_url: `https://github.com/${repo.owner}/${repo.name}/commit/${p}` })),
  });
}

/** An issues-list item; a PR appears there too, with a `pull_request` key. */
function issueJson(repo: SimRepo, i: SimIssue | SimPull, isPull: boolean) {
  const api = `${API}/repos/${repo.owner}/${repo.name}`;
  const html = `https://github.com/${repo.owner}/${repo.name}/${isPull ? "pull" : "issues"}/${i.number}`;
  const issue = isPull ? undefined : (i as SimIssue);
  const pull = isPull ? (i as SimPull) : undefined;
  const url = `${api}/issues/${i.number}`;
  return {
    id: 500_000 + i.number, node_id: `I_${repo.id}_${i.number}`, url, repository_url: api, labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`, events_url: `${url}/events`, html_url: html, number: i.number,
    state: issue ? issue.state : pull!.closed_at ? "closed" : "open", state_reason: issue?.state === "closed" ? "completed" : null,
    title: i.title, body: issue ? issue.body : null, user: user(i.login),
    labels: i.labels.map((name, k) => ({ id: 9000 + k, node_id: `LA_${k}`, url: `${api}/labels/${encodeURIComponent(name)}`, name, description: null, color: "d73a4a", default: false })),
    assignee: null, assignees: [], milestone: null, locked: false, active_lock_reason: null, comments: 0,
    closed_at: i.closed_at, created_at: i.created_at, updated_at: i.updated_at, closed_by: null, author_association: "MEMBER",
    ...(pull
      ? { pull_request: { url: `${api}/pulls/${pull.number}`, html_url: html, diff_url: `${html}.diff`, patch_url: `${html}.patch`, merged_at: pull.merged_at } }
      : {}),
  };
}

function patched(repo: SimRepo, kind: SimRepo["malformed"][number]["kind"], id: string | number, item: Record<string, unknown>) {
  for (const m of repo.malformed) if (m.kind === kind && String(m.id) === String(id)) Object.assign(item, m.patch);
  return item;
}

const notFound = { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" } };

export function rest(state: SimState, method: string, path: string, query: URLSearchParams, rate: { limit: number; remaining: number; reset: number; used: number }): RestAnswer {
  if (method === "GET" && path === "/rate_limit") {
    const r = { limit: rate.limit, remaining: rate.remaining, reset: rate.reset, used: rate.used };
    return { status: 200, body: { resources: { core: r, search: { ...r, limit: 30 }, graphql: r }, rate: r } };
  }
  const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
  if (!m || method !== "GET") return notFound;
  const repo = state.repos.get(`${m[1]}/${m[2]}`);
  if (!repo) return notFound;
  const rest = m[3] ?? "";
  if (rest === "/deployments") {
    let list = [...repo.deployments].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id);
    for (const key of ["sha", "ref", "task", "environment"] as const) {
      const v = query.get(key);
      if (v) list = list.filter((d) => d[key] === v);
    }
    return { status: 200, body: null, list: { items: list.map((d) => deploymentJson(repo, d)) } };
  }
  if (rest === "/actions/runs") {
    let list = [...repo.runs].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id);
    const branch = query.get("branch");
    if (branch) list = list.filter((r) => r.head_branch === branch);
    const status = query.get("status");
    if (status) list = list.filter((r) => r.status === status || r.conclusion === status);
    // created: ">=A", "<=B" or "A..B" (GitHub's search date syntax), inclusive.
    const created = query.get("created");
    if (created) {
      const [lo, hi] = created.startsWith(">=") ? [created.slice(2), undefined] : created.startsWith("<=") ? [undefined, created.slice(2)] : created.split("..");
      if (lo) list = list.filter((r) => Date.parse(r.created_at) >= Date.parse(lo));
      if (hi) list = list.filter((r) => Date.parse(r.created_at) <= Date.parse(hi));
    }
    // "This endpoint will return up to 1,000 results for each search" when filtered.
    const filtered = ["actor", "branch", "check_suite_id", "created", "event", "head_sha", "status"].some((k) => query.has(k));
    const total = list.length;
    if (filtered) list = list.slice(0, 1000);
    return { status: 200, body: null, list: { items: list.map((r) => runJson(repo, r)), wrap: (items) => ({ total_count: total, workflow_runs: items }) } };
  }
  if (rest === "/issues") {
    const entries = [...repo.issues.map((i) => ({ item: i as SimIssue | SimPull, pull: false })), ...repo.pulls.map((p) => ({ item: p as SimIssue | SimPull, pull: true }))];
    const state = query.get("state") ?? "open";
    const stateOf = (i: SimIssue | SimPull) => (i.closed_at ? "closed" : "open");
    let list = entries.filter((e) => state === "all" || stateOf(e.item) === state);
    // labels=a,b: issues carrying every one of them
    const labels = (query.get("labels") ?? "").split(",").map((l) => l.trim()).filter(Boolean);
    if (labels.length) list = list.filter((e) => labels.every((l) => e.item.labels.includes(l)));
    const since = query.get("since");
    if (since) list = list.filter((e) => Date.parse(e.item.updated_at) >= Date.parse(since));
    const key = query.get("sort") === "updated" ? "updated_at" : "created_at";
    const sign = query.get("direction") === "asc" ? 1 : -1;
    list.sort((a, b) => sign * (Date.parse(a.item[key]) - Date.parse(b.item[key]) || a.item.number - b.item.number));
    return { status: 200, body: null, list: { items: list.map((e) => issueJson(repo, e.item, e.pull)) } };
  }
  const cmp = /^\/compare\/(.+?)\.\.\.(.+)$/.exec(rest);
  if (cmp) {
    const [base, head] = [resolveRef(repo, decodeURIComponent(cmp[1]!)), resolveRef(repo, decodeURIComponent(cmp[2]!))];
    if (!base || !head) return notFound;
    const ofHead = ancestorsOf(repo, head);
    const ofBase = ancestorsOf(repo, base);
    const ahead = new Set([...ofHead].filter((s) => !ofBase.has(s)));
    const behind = [...ofBase].filter((s) => !ofHead.has(s)).length;
    const common = [...ofHead].filter((s) => ofBase.has(s)).sort((a, b) => repo.commits.get(b)!.committer.date.localeCompare(repo.commits.get(a)!.committer.date));
    const mergeBase = repo.commits.get(common[0] ?? base)!;
    const status = base === head ? "identical" : behind === 0 ? "ahead" : ahead.size === 0 ? "behind" : "diverged";
    const commits = topoOrder(repo, ahead).map((s) => commitJson(repo, repo.commits.get(s)!));
    const url = `${API}/repos/${repo.owner}/${repo.name}/compare/${base}...${head}`;
    const html = `https://github.com/${repo.owner}/${repo.name}/compare/${base}...${head}`;
    return {
      status: 200,
      body: null,
      list: {
        items: commits,
        // Without paging GitHub returns at most 250 commits; with page/per_page it pages them.
        unpagedLimit: 250,
        wrap: (items) => ({
          url, html_url: html, permalink_url: html, diff_url: `${html}.diff`, patch_url: `${html}.patch`,
          base_commit: commitJson(repo, repo.commits.get(base)!), merge_base_commit: commitJson(repo, mergeBase),
          status, ahead_by: ahead.size, behind_by: behind, total_commits: ahead.size, commits: items, files: [],
        }),
      },
    };
  }
  return notFound;
}

function resolveRef(repo: SimRepo, ref: string): string | undefined {
  if (repo.commits.has(ref)) return ref;
  if (repo.branches.has(ref)) return repo.branches.get(ref);
  return repo.tags.find((t) => t.name === ref)?.sha;
}
