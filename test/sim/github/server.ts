import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { graphqlAnswer } from "./graphql.ts";
import { rest } from "./rest.ts";
import { SimState } from "./state.ts";

export { SimState } from "./state.ts";

/** A fault answered instead of the real response while `times` lasts (default: once). */
export interface SimFault {
  method?: string;
  /** Matched against the path (no query); GraphQL requests are `/graphql`. */
  path: RegExp;
  status: number;
  times?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Sent as is (text/html) instead of a JSON body: a proxy's error page, a truncated answer. */
  raw?: string;
}

export interface SimRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  /** GraphQL: the operation's first selection, e.g. `repository.pullRequests`, and its variables. */
  graphql?: string;
  variables?: Record<string, unknown>;
  /** The Authorization header as received (tests check it; never logged by the collector). */
  authorization: string | undefined;
}

export interface GithubSimOptions {
  /** Accepted token (Authorization: token X / Bearer X); others get 401. */
  token?: string;
  state?: SimState;
  /** Primary rate limit: requests per window, and the window length in seconds. */
  rateLimit?: { limit?: number; remaining?: number; windowSeconds?: number; status?: 403 | 429 };
  /** Added delay per request, ms. */
  latencyMs?: number;
  faults?: SimFault[];
}

export interface GithubSim {
  url: string;
  state: SimState;
  requests: SimRequest[];
  faults: SimFault[];
  rate: { limit: number; remaining: number; reset: number; used: number; windowSeconds: number; status: 403 | 429 };
  close(): Promise<void>;
}

const PER_PAGE_DEFAULT = 30;
const PER_PAGE_MAX = 100;

/** A GitHub REST + GraphQL simulator on 127.0.0.1 (ephemeral port). */
export async function startGithubSim(options: GithubSimOptions = {}): Promise<GithubSim> {
  const state = options.state ?? new SimState();
  const requests: SimRequest[] = [];
  const faults = [...(options.faults ?? [])];
  const windowSeconds = options.rateLimit?.windowSeconds ?? 3600;
  const limit = options.rateLimit?.limit ?? 5000;
  const rate = {
    limit,
    remaining: options.rateLimit?.remaining ?? limit,
    reset: Math.floor(Date.now() / 1000) + windowSeconds,
    used: 0,
    windowSeconds,
    status: options.rateLimit?.status ?? 403,
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const path = url.pathname.replace(/^\/api\/v3(?=\/)/, "");
    const body = await readBody(req);
    const record: SimRequest = { method: req.method ?? "GET", path, query: Object.fromEntries(url.searchParams), status: 0, authorization: req.headers.authorization };
    if (path === "/graphql" || path === "/api/graphql") {
      const parsed = JSON.parse(body || "{}") as { query?: string; variables?: Record<string, unknown> };
      const q = parsed.query ?? "";
      record.variables = parsed.variables;
      // The operation's first field and the field under it: "repository.pullRequests", "nodes.Deployment".
      const m = /^[^{]*\{\s*(\w+)[^{]*\{\s*(?:\.\.\.\s*on\s+)?(?:\w+\s*:\s*)?(\w+)/.exec(q);
      record.graphql = m ? `${m[1]}.${m[2]}` : undefined;
    }
    requests.push(record);
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));

    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...rateHeaders(), ...headers });
      res.end(payload === undefined ? "" : JSON.stringify(payload));
    };
    const rateHeaders = () => ({
      "x-ratelimit-limit": String(rate.limit),
      "x-ratelimit-remaining": String(rate.remaining),
      "x-ratelimit-used": String(rate.used),
      "x-ratelimit-reset": String(rate.reset),
      "x-ratelimit-resource": path.endsWith("graphql") ? "graphql" : "core",
    });

    if (options.token) {
      const auth = req.headers.authorization ?? "";
      if (auth !== `token ${options.token}` && auth !== `bearer ${options.token}` && auth !== `Bearer ${options.token}`) {
        return send(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" });
      }
    }

    const now = Math.floor(Date.now() / 1000);
    if (now >= rate.reset) {
      rate.remaining = rate.limit;
      rate.used = 0;
      rate.reset = now + rate.windowSeconds;
    }
    if (rate.remaining <= 0) {
      return send(rate.status, {
        message: "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.",
        documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        status: String(rate.status),
      });
    }
    rate.remaining--;
    rate.used++;

    const fault = faults.find((f) => f.path.test(path) && (!f.method || f.method === req.method) && (f.times ?? 1) > 0);
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.raw !== undefined) {
        record.status = fault.status;
        res.writeHead(fault.status, { "content-type": "text/html", ...rateHeaders(), ...fault.headers });
        res.end(fault.raw);
        return;
      }
      return send(fault.status, fault.body ?? { message: `simulated ${fault.status}` }, fault.headers);
    }

    if (path === "/graphql" || path === "/api/graphql") {
      if (req.method !== "POST") return send(404, { message: "Not Found" });
      return send(200, await graphqlAnswer(state, JSON.parse(body || "{}"), rate));
    }

    const answer = rest(state, req.method ?? "GET", path, url.searchParams, rate);
    if (!answer.list) return send(answer.status, answer.body);
    const { items, wrap, unpagedLimit } = answer.list;
    const paged = !unpagedLimit || url.searchParams.has("page") || url.searchParams.has("per_page");
    if (!paged) return send(200, wrap ? wrap(items.slice(0, unpagedLimit)) : items.slice(0, unpagedLimit));
    const perPage = Math.min(Math.max(Number(url.searchParams.get("per_page") ?? PER_PAGE_DEFAULT) || PER_PAGE_DEFAULT, 1), PER_PAGE_MAX);
    const page = Math.max(Number(url.searchParams.get("page") ?? 1) || 1, 1);
    const last = Math.max(Math.ceil(items.length / perPage), 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const link = (p: number, rel: string) => {
      const u = new URL(url);
      u.searchParams.set("page", String(p));
      u.searchParams.set("per_page", String(perPage));
      return `<${u.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, "prev"));
    if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
    if (page > 1) links.push(link(1, "first"));
    return send(200, wrap ? wrap(slice) : slice, links.length ? { link: links.join(", ") } : {});
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: `simulator error: ${error.message}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    faults,
    rate,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (data += chunk));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}
