import { createServer, type IncomingHttpHeaders, type Server } from "node:http";

/**
 * A local HTTP server speaking the Prometheus API envelope (docs/querying/api.md): each test supplies
 * the answers. query_range enforces the server's 11,000-points check from web/api/v1/api.go.
 */
export interface FakeRequest {
  path: string;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
}

export interface FakeResponse {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: FakeRequest) => FakeResponse | undefined;

export interface FakePrometheus {
  url: string;
  requests: FakeRequest[];
  close: () => Promise<void>;
}

export async function startFake(handler: Handler): Promise<FakePrometheus> {
  const requests: FakeRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const request: FakeRequest = { path: url.pathname, params: Object.fromEntries(url.searchParams), headers: req.headers };
    requests.push(request);
    let answer: FakeResponse | undefined;
    if (request.path === "/api/v1/query_range") {
      const { start, end, step } = request.params;
      if ((Number(end) - Number(start)) / Number(step) > 11_000) {
        answer = error(400, "bad_data", "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
      }
    }
    answer ??= handler(request) ?? { status: 404, body: "404 page not found" };
    res.writeHead(answer.status ?? 200, { "Content-Type": typeof answer.body === "string" ? "text/plain" : "application/json", ...answer.headers });
    res.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function error(status: number, errorType: string, message: string): FakeResponse {
  return { status, body: { status: "error", errorType, error: message } };
}

export function matrix(result: { metric: Record<string, string>; values: [number, string][] }[], extra: Record<string, unknown> = {}): FakeResponse {
  return { body: { status: "success", data: { resultType: "matrix", result }, ...extra } };
}

/** Evaluation times of a range request. */
export function stepsOf(params: Record<string, string>): number[] {
  const out: number[] = [];
  for (let t = Number(params.start); t <= Number(params.end); t += Number(params.step)) out.push(t);
  return out;
}

/**
 * A histogram answer for `sum by (le)` over the request's steps: at every step, `perStep` maps le
 * labels to the (cumulative) increase.
 */
export function histogram(params: Record<string, string>, perStep: (t: number) => Record<string, number>): FakeResponse {
  const steps = stepsOf(params);
  const les = new Set<string>();
  for (const t of steps) for (const le of Object.keys(perStep(t))) les.add(le);
  return matrix(
    [...les].map((le) => ({
      metric: { le },
      values: steps.filter((t) => le in perStep(t)).map((t): [number, string] => [t, String(perStep(t)[le])]),
    })),
  );
}

/** A port on 127.0.0.1 that nothing listens on (just closed). */
export async function freeClosedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no address");
  return address.port;
}
