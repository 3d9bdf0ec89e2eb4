import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// A local Argo CD API server, built from its Swagger description
// (test/fixtures/contracts/argocd/swagger.json): GET /api/v1/applications (v1alpha1ApplicationList),
// GET /api/v1/applications/{name} (v1alpha1Application), GET /api/v1/session/userinfo
// (sessionGetUserInfoResponse); errors as runtimeError { error, code, message } with the gRPC code
// Argo CD's gateway maps to the HTTP status (16 unauthenticated → 401, 7 permission denied → 403,
// 5 not found → 404). Every answer is checked against those definitions in
// test/contract/argocd/schema.test.ts.

export interface SimHistory {
  id: number;
  revision: string;
  deployStartedAt: string;
  deployedAt: string;
  initiatedBy: { automated?: boolean; username?: string };
  source: { repoURL: string; path: string; targetRevision: string };
}

export interface SimOperationState {
  phase: "Running" | "Succeeded" | "Failed" | "Error";
  message: string;
  startedAt: string;
  finishedAt?: string;
  operation: { sync: { revision: string }; initiatedBy: { automated?: boolean; username?: string } };
  syncResult?: { revision: string; source: { repoURL: string; path: string; targetRevision: string } };
}

export interface SimApp {
  name: string;
  namespace: string;
  project: string;
  repoURL: string;
  destination: { server?: string; name?: string; namespace: string };
  /** Unset: Argo CD keeps 10. */
  revisionHistoryLimit?: number;
  history: SimHistory[];
  operationState?: SimOperationState;
  nextId: number;
}

export interface SyncOptions {
  revision: string;
  startedAt: string;
  deployedAt: string;
  automated?: boolean;
}

/** The applications the simulator serves, and the syncs that write their history. */
export class ArgocdState {
  readonly apps = new Map<string, SimApp>();

  addApp(name: string, options: { namespace?: string; destination?: SimApp["destination"]; revisionHistoryLimit?: number; repoURL?: string } = {}): SimApp {
    const app: SimApp = {
      name,
      namespace: options.namespace ?? "argocd",
      project: "default",
      repoURL: options.repoURL ?? `https://git.example.com/acme/${name}.git`,
      destination: options.destination ?? { server: "https://kubernetes.default.svc", name: "prod", namespace: name },
      revisionHistoryLimit: options.revisionHistoryLimit,
      history: [],
      nextId: 0,
    };
    this.apps.set(`${app.namespace}/${name}`, app);
    return app;
  }

  app(name: string, namespace = "argocd"): SimApp {
    const app = this.apps.get(`${namespace}/${name}`);
    if (!app) throw new Error(`no simulated application ${namespace}/${name}`);
    return app;
  }

  /**
   * A sync that completed: Argo CD appends a history entry (ids count from 0) and drops the oldest
   * beyond revisionHistoryLimit (controller/appcontroller.go: `history = history[len-limit:]`).
   */
  sync(name: string, options: SyncOptions): SimHistory {
    const app = this.app(name);
    const source = { repoURL: app.repoURL, path: "deploy", targetRevision: "HEAD" };
    const initiatedBy = options.automated ? { automated: true } : { username: "admin" };
    const entry: SimHistory = { id: app.nextId++, revision: options.revision, deployStartedAt: options.startedAt, deployedAt: options.deployedAt, initiatedBy, source };
    app.history.push(entry);
    const limit = app.revisionHistoryLimit ?? 10;
    if (app.history.length > limit) app.history = app.history.slice(app.history.length - limit);
    app.operationState = {
      phase: "Succeeded",
      message: "successfully synced (all tasks run)",
      startedAt: options.startedAt,
      finishedAt: options.deployedAt,
      operation: { sync: { revision: options.revision }, initiatedBy },
      syncResult: { revision: options.revision, source },
    };
    return entry;
  }

  /** A sync that ended Failed or Error: only the operation state records it, never the history. */
  failSync(name: string, options: { revision: string; startedAt: string; finishedAt: string; phase?: "Failed" | "Error"; message?: string }): void {
    const app = this.app(name);
    app.operationState = {
      phase: options.phase ?? "Failed",
      message: options.message ?? "one or more objects failed to apply",
      startedAt: options.startedAt,
      finishedAt: options.finishedAt,
      operation: { sync: { revision: options.revision }, initiatedBy: { automated: true } },
    };
  }
}

/** v1alpha1Application as the API server answers it. */
export function applicationJson(app: SimApp): Record<string, unknown> {
  const last = app.history.at(-1);
  return {
    metadata: { name: app.name, namespace: app.namespace, uid: `uid-${app.namespace}-${app.name}`, resourceVersion: String(1000 + app.nextId), generation: app.nextId + 1, creationTimestamp: "2025-11-01T00:00:00Z" },
    spec: {
      project: app.project,
      source: { repoURL: app.repoURL, path: "deploy", targetRevision: "HEAD" },
      destination: app.destination,
      ...(app.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: app.revisionHistoryLimit } : {}),
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    },
    status: {
      sync: { status: "Synced", revision: last?.revision ?? "", comparedTo: { source: { repoURL: app.repoURL, path: "deploy", targetRevision: "HEAD" }, destination: app.destination } },
      health: { status: app.operationState?.phase === "Failed" ? "Degraded" : "Healthy" },
      history: app.history,
      ...(app.operationState ? { operationState: app.operationState } : {}),
      reconciledAt: last?.deployedAt ?? "2025-11-01T00:00:00Z",
      sourceType: "Directory",
      summary: { images: [`registry.example.com/acme/${app.name}:${last?.revision.slice(0, 7) ?? "none"}`] },
      resources: [{ group: "apps", version: "v1", kind: "Deployment", namespace: app.destination.namespace, name: app.name, status: "Synced", health: { status: "Healthy" } }],
    },
  };
}

export interface ArgocdSim {
  url: string;
  state: ArgocdState;
  /** Paths asked, in order (with their query). */
  requests: string[];
  /** The next `n` requests are answered with `status` (a 429/503 the client retries, a 401 …). */
  failNext(n: number, status: number): void;
  close(): Promise<void>;
}

/** Tokens: `token` reads everything; `forbiddenToken` is known but may read nothing (403). */
export async function startArgocdSim(options: { token: string; forbiddenToken?: string; state?: ArgocdState }): Promise<ArgocdSim> {
  const state = options.state ?? new ArgocdState();
  const requests: string[] = [];
  let faults: { n: number; status: number } = { n: 0, status: 503 };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, code: number, message: string) => send(res, status, { error: message, code, message });

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://sim");
    requests.push(`${url.pathname}${url.search}`);
    if (faults.n > 0) {
      faults.n--;
      if (faults.status === 429) return send(res, 429, { error: "too many requests", code: 8, message: "too many requests" }, { "retry-after": "0" });
      if (faults.status === 401) return error(res, 401, 16, "invalid session: token has expired");
      return error(res, faults.status, 14, "upstream connect error");
    }
    if (req.method !== "GET") return error(res, 501, 12, "method not simulated");
    const auth = req.headers.authorization ?? "";
    if (auth === `Bearer ${options.forbiddenToken}` && options.forbiddenToken) return error(res, 403, 7, "permission denied");
    if (auth !== `Bearer ${options.token}`) return error(res, 401, 16, "no session information");

    if (url.pathname === "/api/v1/session/userinfo") return send(res, 200, { loggedIn: true, username: "dora-reader", iss: "argocd" });
    if (url.pathname === "/api/v1/applications") {
      const name = url.searchParams.get("name");
      const items = [...state.apps.values()].filter((a) => !name || a.name === name).map(applicationJson);
      return send(res, 200, { metadata: { resourceVersion: "1" }, items });
    }
    const m = /^\/api\/v1\/applications\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const name = decodeURIComponent(m[1]!);
      const app = state.apps.get(`${url.searchParams.get("appNamespace") ?? "argocd"}/${name}`);
      if (!app) return error(res, 404, 5, `applications.argoproj.io "${name}" not found`);
      return send(res, 200, applicationJson(app));
    }
    return error(res, 404, 5, `Not Found: ${url.pathname}`);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    failNext(n, status) {
      faults = { n, status };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
