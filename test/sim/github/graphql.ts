import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildSchema, graphql as execute, type GraphQLSchema } from "graphql";
import { ancestorsOf, type SimCommit, type SimDeployment, type SimPull, type SimRepo, type SimState } from "./state.ts";

// GraphQL answers come from executing the query against GitHub's published schema
// (@octokit/graphql-schema), so a field we ask for that GitHub lacks fails here as it would there.

let schema: GraphQLSchema | undefined;
export function githubSchema(): GraphQLSchema {
  if (!schema) {
    // The package exports only its index (which parses a 10 MB JSON on import); read the SDL beside it.
    const file = fileURLToPath(new URL("../../../node_modules/@octokit/graphql-schema/schema.graphql", import.meta.url));
    schema = buildSchema(readFileSync(file, "utf8"), { assumeValidSDL: true });
  }
  return schema;
}

interface ConnArgs {
  first?: number;
  last?: number;
  after?: string | null;
}

function connection<T>(all: T[], args: ConnArgs) {
  const start = args.after ? Number(Buffer.from(args.after, "base64").toString().replace("cursor:", "")) : 0;
  const size = Math.min(args.first ?? args.last ?? 100, 100);
  const nodes = args.last !== undefined && args.first === undefined ? all.slice(Math.max(all.length - size, 0)) : all.slice(start, start + size);
  const end = start + nodes.length;
  return {
    totalCount: all.length,
    nodes,
    edges: nodes.map((node, i) => ({ node, cursor: Buffer.from(`cursor:${start + i + 1}`).toString("base64") })),
    pageInfo: {
      hasNextPage: end < all.length,
      hasPreviousPage: start > 0,
      startCursor: nodes.length ? Buffer.from(`cursor:${start + 1}`).toString("base64") : null,
      endCursor: nodes.length ? Buffer.from(`cursor:${end}`).toString("base64") : null,
    },
  };
}

function actor(login: string) {
  return { __typename: "User", login };
}

function commitNode(repo: SimRepo, c: SimCommit): Record<string, unknown> {
  return {
    __typename: "Commit",
    id: `C_${c.sha.slice(0, 12)}`,
    oid: c.sha,
    abbreviatedOid: c.sha.slice(0, 7),
    message: c.message,
    messageHeadline: c.message.split("\n")[0],
    authoredDate: c.author.date,
    committedDate: c.committer.date,
    history: (args: ConnArgs & { path?: string; since?: string }) => {
      const list = [...ancestorsOf(repo, c.sha)]
        .map((sha) => repo.commits.get(sha)!)
        .filter((x) => !args.path || x.files.some((f) => f === args.path || f.startsWith(`${args.path!.replace(/\/$/, "")}/`)))
        .filter((x) => !args.since || Date.parse(x.committer.date) >= Date.parse(args.since))
        .sort((a, b) => b.committer.date.localeCompare(a.committer.date));
      return connection(list.map((x) => commitNode(repo, x)), args);
    },
    associatedPullRequests: (args: ConnArgs) =>
      connection(
        repo.pulls.filter((p) => p.merge_commit_sha === c.sha || p.landed.includes(c.sha) || p.commits.includes(c.sha)).map((p) => pullNode(repo, p)),
        args,
      ),
  };
}

function pullNode(repo: SimRepo, p: SimPull): Record<string, unknown> {
  const bad = repo.malformed.filter((m) => m.kind === "pull" && String(m.id) === String(p.number)).map((m) => m.patch);
  return Object.assign(
    {
      __typename: "PullRequest",
      id: `PR_${repo.id}_${p.number}`,
      number: p.number,
      title: p.title,
      url: `https://github.com/${repo.owner}/${repo.name}/pull/${p.number}`,
      createdAt: p.created_at,
      updatedAt: p.updated_at,
      mergedAt: p.merged_at,
      closedAt: p.closed_at,
      merged: p.merged_at !== null,
      state: p.merged_at ? "MERGED" : p.closed_at ? "CLOSED" : "OPEN",
      headRefName: p.head_ref,
      baseRefName: p.base_ref,
      additions: p.additions,
      deletions: p.deletions,
      author: actor(p.login),
      mergeCommit: p.merge_commit_sha && repo.commits.has(p.merge_commit_sha) ? commitNode(repo, repo.commits.get(p.merge_commit_sha)!) : null,
      labels: (args: ConnArgs) => connection(p.labels.map((name) => ({ name })), args),
      commits: (args: ConnArgs) =>
        connection(
          p.commits.map((sha) => ({ __typename: "PullRequestCommit", commit: commitNode(repo, repo.commits.get(sha)!) })),
          args,
        ),
      reviews: (args: ConnArgs) =>
        connection(p.reviews.map((r) => ({ state: r.state, submittedAt: r.submitted_at, author: actor(r.login) })), args),
    },
    ...bad,
  );
}

function repositoryNode(repo: SimRepo) {
  return {
    __typename: "Repository",
    id: `R_${repo.id}`,
    name: repo.name,
    nameWithOwner: `${repo.owner}/${repo.name}`,
    pullRequests: (args: ConnArgs & { states?: string[]; orderBy?: { field: string; direction: string } }) => {
      let list = repo.pulls.filter((p) => !args.states || args.states.includes(p.merged_at ? "MERGED" : p.closed_at ? "CLOSED" : "OPEN"));
      const field = args.orderBy?.field === "UPDATED_AT" ? "updated_at" : "created_at";
      list = list.sort((a, b) => a[field].localeCompare(b[field]) || a.number - b.number);
      if ((args.orderBy?.direction ?? "ASC") === "DESC") list.reverse();
      return connection(list.map((p) => pullNode(repo, p)), args);
    },
    releases: (args: ConnArgs & { orderBy?: { direction: string } }) => {
      const list = [...repo.releases].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id);
      if ((args.orderBy?.direction ?? "ASC") === "DESC") list.reverse();
      return connection(
        list.map((r) => ({
          __typename: "Release",
          databaseId: r.id,
          tagName: r.tag_name,
          name: r.name,
          url: `https://github.com/${repo.owner}/${repo.name}/releases/tag/${r.tag_name}`,
          createdAt: r.created_at,
          publishedAt: r.published_at,
          isDraft: r.draft,
          isPrerelease: r.prerelease,
          tagCommit: repo.commits.has(r.sha) ? commitNode(repo, repo.commits.get(r.sha)!) : null,
        })),
        args,
      );
    },
    refs: (args: ConnArgs & { refPrefix: string; orderBy?: { field: string; direction: string } }) => {
      if (args.refPrefix !== "refs/tags/") return connection([], args);
      const dated = repo.tags.map((t) => ({ t, date: repo.commits.get(t.sha)?.committer.date ?? "" }));
      if (args.orderBy?.field === "TAG_COMMIT_DATE") dated.sort((a, b) => a.date.localeCompare(b.date) || a.t.name.localeCompare(b.t.name));
      else dated.sort((a, b) => a.t.name.localeCompare(b.t.name));
      if (args.orderBy?.direction === "DESC") dated.reverse();
      return connection(
        dated.map(({ t }) => {
          const commit = commitNode(repo, repo.commits.get(t.sha)!);
          return {
            __typename: "Ref",
            name: t.name,
            prefix: "refs/tags/",
            target: t.tagger_date
              ? { __typename: "Tag", id: `T_${t.name}`, oid: `${t.sha.slice(0, 30)}${"0".repeat(10)}`, name: t.name, tagger: { date: t.tagger_date, name: "Dev One" }, target: commit }
              : commit,
          };
        }),
        args,
      );
    },
    deployments: (args: ConnArgs) => connection(repo.deployments.map((d) => deploymentNode(d)), args),
    object: (args: { oid?: string; expression?: string }) => {
      const c = args.oid ? repo.commits.get(args.oid) : undefined;
      return c ? commitNode(repo, c) : null;
    },
    defaultBranchRef: () => {
      const head = repo.branches.get(repo.default_branch);
      return head ? { __typename: "Ref", name: repo.default_branch, target: commitNode(repo, repo.commits.get(head)!) } : null;
    },
  };
}

function deploymentNode(d: SimRepo["deployments"][number]) {
  const statuses = [...d.statuses].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id);
  const status = (s: (typeof statuses)[number]) => ({ __typename: "DeploymentStatus", state: s.state.toUpperCase(), createdAt: s.created_at });
  return {
    __typename: "Deployment",
    id: `DE_${d.id}`,
    databaseId: d.id,
    environment: d.environment,
    commitOid: d.sha,
    createdAt: d.created_at,
    updatedAt: d.updated_at,
    latestStatus: statuses[0] ? status(statuses[0]) : null,
    statuses: (args: ConnArgs) => connection(statuses.map(status), args),
  };
}

export async function graphqlAnswer(state: SimState, body: { query?: string; variables?: Record<string, unknown> }, rate: { limit: number; remaining: number; reset: number; used: number }) {
  const errors: { type: string; path: string[]; message: string }[] = [];
  const root = {
    repository: (args: { owner: string; name: string }) => {
      const repo = state.repos.get(`${args.owner}/${args.name}`);
      if (!repo) {
        errors.push({ type: "NOT_FOUND", path: ["repository"], message: `Could not resolve to a Repository with the name '${args.owner}/${args.name}'.` });
        return null;
      }
      return repositoryNode(repo);
    },
    nodes: (args: { ids: string[] }) => {
      // Indexed per request (the state changes between requests): a search of every repository's
      // deployments per id made this the simulator's hot spot at organisation scale.
      const wanted = new Set(args.ids.filter((id) => /^DE_\d+$/.test(id)).map((id) => Number(id.slice(3))));
      const found = new Map<number, SimDeployment>();
      for (const repo of state.repos.values()) {
        for (const d of repo.deployments) if (wanted.has(d.id) && !found.has(d.id)) found.set(d.id, d);
      }
      return args.ids.map((id) => {
        const d = /^DE_\d+$/.test(id) ? found.get(Number(id.slice(3))) : undefined;
        return d ? deploymentNode(d) : null;
      });
    },
    rateLimit: () => ({ cost: 1, limit: rate.limit, remaining: rate.remaining, used: rate.used, resetAt: new Date(rate.reset * 1000).toISOString(), nodeCount: 0 }),
  };
  const result = await execute({ schema: githubSchema(), source: body.query ?? "", rootValue: root, variableValues: body.variables ?? {} });
  const out: Record<string, unknown> = { data: result.data ?? null };
  const all = [...errors, ...(result.errors ?? []).map((e) => ({ message: e.message, locations: e.locations, path: e.path }))];
  if (all.length) out.errors = all;
  return out;
}
