/**
 * A local GitLab REST v4 simulator for contract tests and benchmarks. Data-driven: tests (or a
 * generator) fill `state`; responses follow the shapes of GitLab's documented examples
 * (test/fixtures/contracts/gitlab), offset pagination with x-* and Link headers, the
 * ">10,000 records" rule (no x-total / x-total-pages / rel="last"), RateLimit-* headers and
 * injected faults.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SimUser {
  id: number;
  username: string;
  name: string;
}

export interface SimCommit {
  id: string;
  title: string;
  message?: string;
  author_name?: string;
  author_email?: string;
  authored_date: string;
  committed_date: string;
  parent_ids?: string[];
}

export interface SimPipeline {
  id: number;
  created_at: string;
  updated_at?: string;
  status?: string;
  /** Not in the documented example; sent only when set. */
  started_at?: string;
}

export interface SimDeployment {
  id: number;
  iid: number;
  ref?: string;
  sha: string;
  status: string;
  environment: string;
  created_at: string;
  updated_at: string;
  /** A top-level finished_at is not in the documented examples; sent only when set. */
  finished_at?: string;
  /** null: a deployment created through the API (no CI job). */
  deployable?: {
    id: number;
    status?: string;
    created_at?: string;
    started_at?: string | null;
    finished_at?: string | null;
    pipeline?: SimPipeline;
  } | null;
  /** Merged over the built JSON: lets a test serve a malformed item. */
  raw?: Record<string, unknown>;
}

export interface SimEnvironment {
  id: number;
  name: string;
  tier?: string;
}

export interface SimNote {
  id: number;
  body: string;
  system: boolean;
  created_at: string;
  author: string;
}

export interface SimMergeRequest {
  id: number;
  iid: number;
  title: string;
  state: "opened" | "closed" | "merged" | "locked";
  created_at: string;
  updated_at: string;
  merged_at?: string | null;
  closed_at?: string | null;
  author: string;
  target_branch?: string;
  source_branch?: string;
  /** Head SHA. */
  sha: string;
  merge_commit_sha?: string | null;
  squash_commit_sha?: string | null;
  labels?: string[];
  /** The MR's own commits, oldest first. */
  commits: SimCommit[];
  notes?: SimNote[];
  raw?: Record<string, unknown>;
}

export interface SimIssue {
  id: number;
  iid: number;
  title: string;
  description?: string | null;
  state: "opened" | "closed";
  created_at: string;
  updated_at: string;
  closed_at?: string | null;
  labels?: string[];
  author?: string;
  /** GitLab's incident severity (UNKNOWN … CRITICAL); sent as UNKNOWN when not set. */
  severity?: string;
  raw?: Record<string, unknown>;
}

export interface SimProject {
  id: number;
  path: string;
  archived?: boolean;
  environments: SimEnvironment[];
  deployments: SimDeployment[];
  mergeRequests: SimMergeRequest[];
  /** The default branch's history, oldest first (linear): repository/compare walks it. */
  history: SimCommit[];
  /** Optional: projects without it have no issues. */
  issues?: SimIssue[];
}

export interface SimState {
  token: string;
  user: SimUser;
  version: string;
  /** Group full paths; a group's projects are those whose path starts with `<group>/`. */
  groups: string[];
  projects: SimProject[];
}

export interface SimFault {
  /** Matched against the decoded request path (e.g. /api/v4/projects/acme/app/deployments). */
  path: RegExp;
  status: number;
  /** How many matching requests fail (default 1). */
  times?: number;
  headers?: () => Record<string, string>;
  body?: string;
}

export interface SimRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  /** Whether the request carried the right token (the token itself is never recorded). */
  authorized: boolean;
  /** When it was answered (ms since the epoch). */
  time: number;
}

export interface GitlabSimOptions {
  state?: Partial<SimState>;
  faults?: SimFault[];
  /** Above this many records a list omits x-total, x-total-pages and rel="last" (GitLab: 10,000). */
  totalsLimit?: number;
  /** RateLimit-Limit per window (default 2,000 a minute, gitlab.com's authenticated API limit). */
  rateLimit?: number;
  /** Length of the fixed rate-limit window in seconds (default 60, as GitLab's). */
  rateLimitWindowSeconds?: number;
  /**
   * Enforce the budget: past `rateLimit` requests in a window, answer 429 "Retry later" with
   * Retry-After and RateLimit-Remaining: 0 until the window resets, as GitLab does. Off by default
   * (headers only; 429s then come from faults).
   */
  enforceRateLimit?: boolean;
  /** Delay added to every request, ms. */
  latencyMs?: number;
}

export interface GitlabSim {
  url: string;
  state: SimState;
  faults: SimFault[];
  requests: SimRequest[];
  close(): Promise<void>;
}

export const SIM_TOKEN = "sim-gitlab-token-RECOGNISABLE-7c1f";

export async function startGitlabSim(options: GitlabSimOptions = {}): Promise<GitlabSim> {
  const state: SimState = {
    token: SIM_TOKEN,
    user: { id: 1, username: "root", name: "Administrator" },
    version: "17.8.0",
    groups: [],
    projects: [],
    ...options.state,
  };
  const faults = options.faults ?? [];
  const requests: SimRequest[] = [];
  const totalsLimit = options.totalsLimit ?? 10_000;
  const rateLimit = options.rateLimit ?? 2000;
  const windowSeconds = options.rateLimitWindowSeconds ?? 60;
  let observed = 0;
  let windowReset = 0;

  const server = createServer((req, res) => {
    const run = () => {
      try {
        if (options.enforceRateLimit && overBudget()) {
          const wait = Math.max(1, windowReset - Math.floor(Date.now() / 1000));
          send(req, res, 429, "Retry later\n", { "retry-after": String(wait) });
          return;
        }
        handle(req, res);
      } catch (error) {
        send(req, res, 500, { message: `500 simulator error: ${(error as Error).message}` });
      }
    };
    if (options.latencyMs) setTimeout(run, options.latencyMs);
    else run();
  });

  /** Moves to the current window; whether this window's budget is already spent. */
  function overBudget(): boolean {
    roll();
    return observed >= rateLimit;
  }

  function roll() {
    // A fixed window, like GitLab's: the count starts again at each window boundary.
    const resetAt = Math.floor(Date.now() / 1000 / windowSeconds) * windowSeconds + windowSeconds;
    if (resetAt !== windowReset) {
      windowReset = resetAt;
      observed = 0;
    }
  }

  function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    const url = new URL(req.url ?? "/", "http://sim");
    const token = req.headers["private-token"] ?? req.headers.authorization?.replace(/^Bearer /, "");
    requests.push({
      method: req.method ?? "GET",
      path: decodePath(url.pathname),
      query: Object.fromEntries(url.searchParams),
      status,
      authorized: token === state.token,
      time: Date.now(),
    });
    roll();
    const resetAt = windowReset;
    observed++;
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, {
      "content-type": typeof body === "string" ? "text/plain" : "application/json",
      "ratelimit-limit": String(rateLimit),
      "ratelimit-observed": String(observed),
      "ratelimit-remaining": String(Math.max(0, rateLimit - observed)),
      "ratelimit-reset": String(resetAt),
      "ratelimit-resettime": new Date(resetAt * 1000).toUTCString(),
      ...headers,
    });
    res.end(text);
  }

  function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const path = `/${segments.join("/")}`;
    const q = url.searchParams;

    const fault = faults.find((f) => f.path.test(path) && (f.times ?? 1) > 0);
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      send(req, res, fault.status, fault.body ?? (fault.status === 429 ? "Retry later\n" : { message: `${fault.status} simulated` }), fault.headers?.() ?? {});
      return;
    }
    const token = req.headers["private-token"] ?? req.headers.authorization?.replace(/^Bearer /, "");
    if (token !== state.token) return send(req, res, 401, { message: "401 Unauthorized" });
    if (req.method !== "GET") return send(req, res, 405, { message: "405 Method Not Allowed" });
    if (segments[0] !== "api" || segments[1] !== "v4") return send(req, res, 404, { error: "404 Not Found" });
    const rest = segments.slice(2);

    if (rest.length === 1 && rest[0] === "user") return send(req, res, 200, userJson(state.user, url));
    if (rest.length === 1 && rest[0] === "version") return send(req, res, 200, { version: state.version, revision: "sim" });

    if (rest[0] === "groups" && rest.length === 3 && rest[2] === "projects") {
      const group = rest[1]!;
      if (!state.groups.includes(group)) return send(req, res, 404, { message: "404 Group Not Found" });
      const subgroups = q.get("include_subgroups") === "true";
      const projects = state.projects
        .filter((p) => p.path.startsWith(`${group}/`) && (subgroups || !p.path.slice(group.length + 1).includes("/")))
        .filter((p) => q.get("archived") !== "false" || !p.archived)
        .sort((a, b) => a.id - b.id);
      return list(req, res, url, projects.map((p) => projectJson(p, url)));
    }

    if (rest[0] !== "projects" || rest.length < 2) return send(req, res, 404, { error: "404 Not Found" });
    const project = state.projects.find((p) => p.path === rest[1] || String(p.id) === rest[1]);
    if (!project) return send(req, res, 404, { message: "404 Project Not Found" });
    const sub = rest.slice(2);

    if (sub.length === 0) return send(req, res, 200, projectJson(project, url));

    if (sub.length === 1 && sub[0] === "environments") {
      return list(req, res, url, project.environments.map((e) => environmentJson(e, project, url)));
    }

    if (sub.length === 1 && sub[0] === "deployments") {
      const orderBy = q.get("order_by") ?? "id";
      if ((q.has("updated_after") || q.has("updated_before")) && orderBy !== "updated_at") {
        return send(req, res, 400, { message: "400 Bad request - Both `updated_at` filter and `updated_at` sorting must be paired." });
      }
      if (!["id", "iid", "created_at", "updated_at", "finished_at", "ref"].includes(orderBy)) {
        return send(req, res, 400, { error: "order_by does not have a valid value" });
      }
      let items = project.deployments.slice();
      const after = q.get("updated_after");
      const before = q.get("updated_before");
      if (after) items = items.filter((d) => Date.parse(d.updated_at) > Date.parse(after));
      if (before) items = items.filter((d) => Date.parse(d.updated_at) < Date.parse(before));
      if (q.get("environment")) items = items.filter((d) => d.environment === q.get("environment"));
      if (q.get("status")) items = items.filter((d) => d.status === q.get("status"));
      // "When using finished_before or finished_after, you should specify the order_by to be
      // finished_at and status should be success" (deployments API): refused otherwise here.
      const finishedBefore = q.get("finished_before");
      if (finishedBefore) {
        if (orderBy !== "finished_at" || q.get("status") !== "success") {
          return send(req, res, 400, { message: "400 Bad request - finished_before needs order_by=finished_at and status=success" });
        }
        items = items.filter((d) => Date.parse(d.finished_at ?? d.deployable?.finished_at ?? "") < Date.parse(finishedBefore));
      }
      // finished_at: the deployment's, else its job's (what the response shows)
      items =
        orderBy === "finished_at"
          ? sortBy(items.map((d) => ({ d, finished_at: d.finished_at ?? d.deployable?.finished_at ?? undefined })), "finished_at", q.get("sort") ?? "asc").map((x) => x.d)
          : sortBy(items, orderBy, q.get("sort") ?? "asc");
      return list(req, res, url, items.map((d) => deploymentJson(d, project, url)));
    }

    if (sub.length === 1 && sub[0] === "merge_requests") {
      let items = project.mergeRequests.slice();
      const stateFilter = q.get("state") ?? "all";
      if (stateFilter !== "all") items = items.filter((m) => m.state === stateFilter);
      // MR filters are inclusive ("on or after"), unlike the deployments API.
      const after = q.get("updated_after");
      const before = q.get("updated_before");
      if (after) items = items.filter((m) => Date.parse(m.updated_at) >= Date.parse(after));
      if (before) items = items.filter((m) => Date.parse(m.updated_at) <= Date.parse(before));
      items = sortBy(items, q.get("order_by") ?? "created_at", q.get("sort") ?? "desc");
      return list(req, res, url, items.map((m) => mergeRequestJson(m, project, url)));
    }

    if (sub.length === 1 && sub[0] === "issues") {
      let items = (project.issues ?? []).slice();
      const stateFilter = q.get("state") ?? "all";
      if (stateFilter !== "all") items = items.filter((i) => i.state === stateFilter);
      // labels=a,b: issues carrying every one of them
      const labels = (q.get("labels") ?? "").split(",").map((l) => l.trim()).filter(Boolean);
      if (labels.length) items = items.filter((i) => labels.every((l) => (i.labels ?? []).includes(l)));
      // "on or after", like the MR filters
      const after = q.get("updated_after");
      const before = q.get("updated_before");
      if (after) items = items.filter((i) => Date.parse(i.updated_at) >= Date.parse(after));
      if (before) items = items.filter((i) => Date.parse(i.updated_at) <= Date.parse(before));
      items = sortBy(items, q.get("order_by") ?? "created_at", q.get("sort") ?? "desc");
      return list(req, res, url, items.map((i) => issueJson(i, project, url)));
    }

    if (sub[0] === "merge_requests" && sub.length === 3) {
      const mr = project.mergeRequests.find((m) => String(m.iid) === sub[1]);
      if (!mr) return send(req, res, 404, { message: "404 Not found" });
      if (sub[2] === "commits") {
        // GitLab lists an MR's commits newest first.
        return list(req, res, url, mr.commits.slice().reverse().map((c) => mrCommitJson(c, project, url)));
      }
      if (sub[2] === "notes") {
        const notes = sortBy(mr.notes ?? [], q.get("order_by") ?? "created_at", q.get("sort") ?? "desc");
        return list(req, res, url, notes.map((n) => noteJson(n, mr, project)));
      }
    }

    if (sub.length === 2 && sub[0] === "repository" && sub[1] === "compare") {
      const from = q.get("from") ?? "";
      const to = q.get("to") ?? "";
      const i = project.history.findIndex((c) => c.id === from);
      const j = project.history.findIndex((c) => c.id === to);
      if (i < 0 || j < 0) return send(req, res, 404, { message: "404 Ref Not Found" });
      const commits = j > i ? project.history.slice(i + 1, j + 1) : [];
      return send(req, res, 200, {
        commit: commitJson(project.history[j]!),
        commits: commits.map(commitJson),
        diffs: [],
        compare_timeout: false,
        compare_same_ref: from === to,
        web_url: `${origin(url)}/${project.path}/-/compare/${from}...${to}`,
      });
    }

    if (sub[0] === "deployments" && sub.length === 3 && sub[2] === "merge_requests") {
      const deployment = project.deployments.find((d) => String(d.id) === sub[1]);
      if (!deployment) return send(req, res, 404, { message: "404 Not found" });
      const end = project.history.findIndex((c) => c.id === deployment.sha);
      const shas = new Set(project.history.slice(0, end + 1).map((c) => c.id));
      const mrs = project.mergeRequests.filter((m) => m.state === "merged" && shas.has(m.merge_commit_sha ?? m.squash_commit_sha ?? m.sha));
      return list(req, res, url, mrs.map((m) => mergeRequestJson(m, project, url)));
    }

    return send(req, res, 404, { error: "404 Not Found" });
  }

  function list(req: IncomingMessage, res: ServerResponse, url: URL, items: unknown[]) {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page")) || 20));
    const page = Math.max(1, Number(url.searchParams.get("page")) || 1);
    const total = items.length;
    const totalPages = Math.max(1, Math.ceil(total / perPage));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const withTotals = total <= totalsLimit;
    const hasNext = page * perPage < total;
    const link = (p: number) => {
      const u = new URL(url.toString());
      u.searchParams.set("page", String(p));
      u.searchParams.set("per_page", String(perPage));
      return u.toString();
    };
    const links = [
      page > 1 ? `<${link(page - 1)}>; rel="prev"` : undefined,
      hasNext ? `<${link(page + 1)}>; rel="next"` : undefined,
      `<${link(1)}>; rel="first"`,
      withTotals ? `<${link(totalPages)}>; rel="last"` : undefined,
    ].filter(Boolean);
    const headers: Record<string, string> = {
      link: links.join(", "),
      "x-page": String(page),
      "x-per-page": String(perPage),
      "x-prev-page": page > 1 ? String(page - 1) : "",
      "x-next-page": hasNext ? String(page + 1) : "",
    };
    if (withTotals) {
      headers["x-total"] = String(total);
      headers["x-total-pages"] = String(totalPages);
    }
    send(req, res, 200, slice, headers);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    faults,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function decodePath(pathname: string): string {
  return `/${pathname.split("/").filter(Boolean).map(decodeURIComponent).join("/")}`;
}

function origin(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

function sortBy<T>(items: T[], key: string, sort: string): T[] {
  const value = (item: T) => {
    const v = (item as Record<string, unknown>)[key];
    return typeof v === "string" && /^\d{4}-/.test(v) ? Date.parse(v) : (v as number | string | undefined);
  };
  const sign = sort === "desc" ? -1 : 1;
  return items.slice().sort((a, b) => {
    const x = value(a) ?? "";
    const y = value(b) ?? "";
    if (x < y) return -sign;
    if (x > y) return sign;
    const ia = (a as { id?: number }).id ?? 0;
    const ib = (b as { id?: number }).id ?? 0;
    return (ia - ib) * sign;
  });
}

// ---- JSON builders: key sets follow the documented examples (checked by the contract test). ----

function userJson(user: SimUser | string, url: URL) {
  const u = typeof user === "string" ? { id: idOf(user), username: user, name: user } : user;
  return {
    id: u.id,
    name: u.name,
    username: u.username,
    state: "active",
    avatar_url: `http://www.gravatar.com/avatar/${u.id}?s=80&d=identicon`,
    web_url: `${origin(url)}/${u.username}`,
  };
}

function idOf(name: string): number {
  let h = 7;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) % 100_000;
  return h;
}

function projectJson(p: SimProject, url: URL) {
  const name = p.path.split("/").pop()!;
  return {
    id: p.id,
    name,
    path: name,
    path_with_namespace: p.path,
    name_with_namespace: p.path.split("/").join(" / "),
    archived: p.archived ?? false,
    default_branch: "main",
    web_url: `${origin(url)}/${p.path}`,
  };
}

function environmentJson(e: SimEnvironment, p: SimProject, url: URL) {
  return {
    id: e.id,
    name: e.name,
    slug: e.name.replace(/[^a-z0-9]+/gi, "-").toLowerCase(),
    description: null,
    external_url: `${origin(url)}/${p.path}/-/environments/${e.id}`,
    state: "available",
    ...(e.tier === undefined ? {} : { tier: e.tier }),
    created_at: "2019-05-25T18:55:13.252Z",
    updated_at: "2019-05-27T18:55:13.252Z",
    enable_advanced_logs_querying: false,
    logs_api_path: `/project/-/logs/k8s.json?environment_name=${encodeURIComponent(e.name)}`,
    auto_stop_at: null,
    kubernetes_namespace: null,
    flux_resource_path: null,
    auto_stop_setting: "always",
  };
}

function shortCommitJson(c: SimCommit | undefined, sha: string) {
  return {
    author_email: c?.author_email ?? "admin@example.com",
    author_name: c?.author_name ?? "Administrator",
    created_at: c?.committed_date ?? "2016-08-11T09:36:01.000+02:00",
    id: sha,
    message: c?.message ?? c?.title ?? "",
    short_id: sha.slice(0, 8),
    title: c?.title ?? "",
  };
}

function deploymentJson(d: SimDeployment, p: SimProject, url: URL) {
  const env = p.environments.find((e) => e.name === d.environment);
  const commit = p.history.find((c) => c.id === d.sha);
  const user = userJson("root", url);
  const deployable =
    d.deployable === null
      ? null
      : {
          commit: shortCommitJson(commit, d.sha),
          coverage: null,
          created_at: d.deployable?.created_at ?? d.created_at,
          finished_at: d.deployable?.finished_at ?? null,
          id: d.deployable?.id ?? d.id + 1000,
          name: "deploy",
          ref: d.ref ?? "main",
          runner: null,
          stage: "deploy",
          started_at: d.deployable?.started_at ?? null,
          status: d.deployable?.status ?? d.status,
          tag: false,
          project: { ci_job_token_scope_enabled: false },
          user: { ...user, created_at: "2015-12-21T13:14:24.077Z", bio: null, location: null, public_email: "", skype: "", linkedin: "", twitter: "", website_url: "", organization: "" },
          pipeline: {
            created_at: d.deployable?.pipeline?.created_at ?? d.created_at,
            id: d.deployable?.pipeline?.id ?? d.id + 500,
            ref: d.ref ?? "main",
            sha: d.sha,
            status: d.deployable?.pipeline?.status ?? "success",
            updated_at: d.deployable?.pipeline?.updated_at ?? d.updated_at,
            web_url: `${origin(url)}/${p.path}/pipelines/${d.deployable?.pipeline?.id ?? d.id + 500}`,
            ...(d.deployable?.pipeline?.started_at ? { started_at: d.deployable.pipeline.started_at } : {}),
          },
        };
  return {
    created_at: d.created_at,
    updated_at: d.updated_at,
    ...(d.finished_at ? { finished_at: d.finished_at } : {}),
    status: d.status,
    deployable,
    environment: { external_url: `${origin(url)}/${p.path}`, id: env?.id ?? 0, name: d.environment },
    id: d.id,
    iid: d.iid,
    ref: d.ref ?? "main",
    sha: d.sha,
    user,
    ...d.raw,
  };
}

function mergeRequestJson(m: SimMergeRequest, p: SimProject, url: URL) {
  const author = { ...userJson(m.author, url), locked: false };
  const merger = m.state === "merged" ? author : null;
  return {
    id: m.id,
    iid: m.iid,
    project_id: p.id,
    title: m.title,
    description: "",
    state: m.state,
    imported: false,
    imported_from: "none",
    merged_by: merger,
    merge_user: merger,
    merged_at: m.merged_at ?? null,
    merge_after: null,
    prepared_at: m.created_at,
    closed_by: null,
    closed_at: m.closed_at ?? null,
    created_at: m.created_at,
    updated_at: m.updated_at,
    target_branch: m.target_branch ?? "main",
    source_branch: m.source_branch ?? `feature-${m.iid}`,
    upvotes: 0,
    downvotes: 0,
    author,
    assignee: null,
    assignees: [],
    reviewers: [],
    source_project_id: p.id,
    target_project_id: p.id,
    labels: m.labels ?? [],
    draft: false,
    work_in_progress: false,
    milestone: null,
    merge_when_pipeline_succeeds: false,
    merge_status: "can_be_merged",
    detailed_merge_status: "not_open",
    sha: m.sha,
    merge_commit_sha: m.merge_commit_sha ?? null,
    squash_commit_sha: m.squash_commit_sha ?? null,
    user_notes_count: (m.notes ?? []).filter((n) => !n.system).length,
    discussion_locked: null,
    should_remove_source_branch: true,
    force_remove_source_branch: false,
    web_url: `${origin(url)}/${p.path}/-/merge_requests/${m.iid}`,
    reference: `!${m.iid}`,
    references: { short: `!${m.iid}`, relative: `!${m.iid}`, full: `${p.path}!${m.iid}` },
    time_stats: { time_estimate: 0, total_time_spent: 0, human_time_estimate: null, human_total_time_spent: null },
    squash: Boolean(m.squash_commit_sha),
    squash_on_merge: Boolean(m.squash_commit_sha),
    task_completion_status: { count: 0, completed_count: 0 },
    has_conflicts: false,
    blocking_discussions_resolved: true,
    approvals_before_merge: null,
    ...m.raw,
  };
}

function issueJson(i: SimIssue, p: SimProject, url: URL) {
  const author = { ...userJson(i.author ?? "root", url), locked: false };
  return {
    id: i.id,
    iid: i.iid,
    project_id: p.id,
    title: i.title,
    description: i.description ?? null,
    state: i.state,
    created_at: i.created_at,
    updated_at: i.updated_at,
    closed_at: i.closed_at ?? null,
    closed_by: i.state === "closed" ? author : null,
    labels: i.labels ?? [],
    milestone: null,
    assignees: [],
    assignee: null,
    author,
    type: "ISSUE",
    user_notes_count: 0,
    merge_requests_count: 0,
    upvotes: 0,
    downvotes: 0,
    due_date: null,
    confidential: false,
    discussion_locked: null,
    issue_type: "issue",
    web_url: `${origin(url)}/${p.path}/-/issues/${i.iid}`,
    time_stats: { time_estimate: 0, total_time_spent: 0, human_time_estimate: null, human_total_time_spent: null },
    task_completion_status: { count: 0, completed_count: 0 },
    has_tasks: false,
    _links: {
      self: `${origin(url)}/api/v4/projects/${p.id}/issues/${i.iid}`,
      notes: `${origin(url)}/api/v4/projects/${p.id}/issues/${i.iid}/notes`,
      award_emoji: `${origin(url)}/api/v4/projects/${p.id}/issues/${i.iid}/award_emoji`,
      project: `${origin(url)}/api/v4/projects/${p.id}`,
    },
    references: { short: `#${i.iid}`, relative: `#${i.iid}`, full: `${p.path}#${i.iid}` },
    severity: i.severity ?? "UNKNOWN",
    moved_to_id: null,
    service_desk_reply_to: null,
    ...i.raw,
  };
}

function mrCommitJson(c: SimCommit, p: SimProject, url: URL) {
  return {
    id: c.id,
    short_id: c.id.slice(0, 11),
    title: c.title,
    author_name: c.author_name ?? "Example User",
    author_email: c.author_email ?? "user@example.com",
    authored_date: c.authored_date,
    committer_name: c.author_name ?? "Example User",
    committer_email: c.author_email ?? "user@example.com",
    committed_date: c.committed_date,
    created_at: c.committed_date,
    message: c.message ?? c.title,
    trailers: {},
    extended_trailers: {},
    web_url: `${origin(url)}/${p.path}/-/commit/${c.id}`,
  };
}

function commitJson(c: SimCommit) {
  return {
    id: c.id,
    short_id: c.id.slice(0, 8),
    created_at: c.committed_date,
    parent_ids: c.parent_ids ?? [],
    title: c.title,
    message: c.message ?? c.title,
    author_name: c.author_name ?? "Example User",
    author_email: c.author_email ?? "user@example.com",
    authored_date: c.authored_date,
    committer_name: c.author_name ?? "Example User",
    committer_email: c.author_email ?? "user@example.com",
    committed_date: c.committed_date,
  };
}

function noteJson(n: SimNote, m: SimMergeRequest, p: SimProject) {
  return {
    id: n.id,
    type: null,
    body: n.body,
    attachment: null,
    author: { id: idOf(n.author), username: n.author, name: n.author, state: "active" },
    created_at: n.created_at,
    updated_at: n.created_at,
    system: n.system,
    noteable_id: m.id,
    noteable_type: "MergeRequest",
    project_id: p.id,
    noteable_iid: m.iid,
    resolvable: false,
    confidential: false,
    internal: false,
  };
}
