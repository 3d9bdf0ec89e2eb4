import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local PagerDuty REST API v2 (the parts dora reads), data-driven: incidents are described once
 * and both GET /incidents and the log entries are derived from them. Follows the official OpenAPI
 * (PagerDuty/api-schema, reference/REST/openapiv3.json): classic offset pagination (`limit` ≤ 100, `offset`, `more`,
 * `total` only with total=true), since/until on created_at with the 6-month limit, the 10,000
 * offset cap (HTTP 400, error code 2002, body as reported), `ratelimit-*` headers on every
 * response, and fault injection.
 */

export interface SimService {
  id: string;
  name: string;
}

export interface SimIncident {
  id: string;
  number?: number;
  serviceId: string;
  title: string;
  description?: string;
  createdAt: string;
  urgency?: "high" | "low";
  priority?: string;
  /** Every acknowledgement, oldest first (an incident can be acknowledged again after a timeout). */
  acknowledgedAt?: string[];
  /** The spec names it both ways; the live API sends acknowledge_log_entry. */
  ackType?: "acknowledge_log_entry" | "acknowledgement_log_entry";
  resolvedAt?: string;
  notes?: { at: string; text: string }[];
  /** Fields replaced in the API object (to serve malformed data). */
  override?: Record<string, unknown>;
}

export interface SimFault {
  /** Path prefix the fault applies to (default: every path). */
  path?: string;
  status: number;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Let this many matching requests through first (default 0). */
  after?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * 429 as PagerDuty does it: the rest of the current rate-limit window is used up (by another
   * client of the same token); every request before the window resets gets a 429.
   */
  exhaustWindow?: boolean;
}

export interface SimOptions {
  token?: string;
  services?: SimService[];
  incidents?: SimIncident[];
  rateLimit?: { limit: number; windowMs: number };
  faults?: SimFault[];
  /** Added delay per request, ms (scale benchmarks). */
  latencyMs?: number;
}

export interface SimRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  status: number;
  at: number;
}

export interface SimState {
  services: SimService[];
  readonly incidents: readonly SimIncident[];
  faults: SimFault[];
  counts: { offsetCapErrors: number; rateLimited: number; earlyAfterRateLimit: number; unauthorized: number };
  add(...incidents: SimIncident[]): void;
  update(id: string, patch: Partial<SimIncident>): void;
}

export interface PagerdutySim {
  url: string;
  close(): Promise<void>;
  requests: SimRequest[];
  state: SimState;
}

const CAP = 10_000;
const DEFAULT_TOKEN = "sim-token";
const ABILITIES = ["teams", "urgencies", "read_only_users", "sso", "advanced_reports"];

interface LogEntryRecord {
  at: number;
  overview: boolean;
  incidentId: string;
  body: Record<string, unknown>;
}

export async function startPagerdutySim(options: SimOptions = {}): Promise<PagerdutySim> {
  const token = options.token ?? DEFAULT_TOKEN;
  const incidents: SimIncident[] = [...(options.incidents ?? [])];
  const requests: SimRequest[] = [];
  const rate = options.rateLimit ?? { limit: 960, windowMs: 60_000 };
  let window = { start: 0, used: 0, exhausted: false };
  let cache: { byService: Map<string, SimIncident[]>; log: LogEntryRecord[]; byId: Map<string, SimIncident> } | undefined;
  const faultsSeen = new Map<SimFault, number>();
  let baseUrl = "";

  const state: SimState = {
    services: options.services ?? [...new Set(incidents.map((i) => i.serviceId))].map((id) => ({ id, name: `Service ${id}` })),
    get incidents() {
      return incidents;
    },
    faults: [...(options.faults ?? [])],
    counts: { offsetCapErrors: 0, rateLimited: 0, earlyAfterRateLimit: 0, unauthorized: 0 },
    add(...more) {
      incidents.push(...more);
      cache = undefined;
    },
    update(id, patch) {
      const incident = incidents.find((i) => i.id === id);
      if (!incident) throw new Error(`sim: no incident ${id}`);
      Object.assign(incident, patch);
      cache = undefined;
    },
  };

  const index = () => {
    if (cache) return cache;
    const byService = new Map<string, SimIncident[]>();
    const byId = new Map<string, SimIncident>();
    const log: LogEntryRecord[] = [];
    for (const incident of incidents) {
      byId.set(incident.id, incident);
      const list = byService.get(incident.serviceId) ?? [];
      list.push(incident);
      byService.set(incident.serviceId, list);
      log.push(...logEntriesOf(incident));
    }
    for (const list of byService.values()) list.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id.localeCompare(b.id));
    // Newest first, as the API lists log entries.
    log.sort((a, b) => b.at - a.at || (b.body.id as string).localeCompare(a.body.id as string));
    cache = { byService, byId, log };
    return cache;
  };

  const ref = (type: string, id: string, summary: string, path: string) => ({
    id,
    type,
    summary,
    self: `${baseUrl}/${path}/${id}`,
    html_url: `https://sim.pagerduty.com/${path}/${id}`,
  });
  const serviceRef = (id: string) => ref("service_reference", id, state.services.find((s) => s.id === id)?.name ?? id, "services");
  const userRef = ref("user_reference", "PUSER01", "Erin Oncall", "users");

  const statusOf = (incident: SimIncident, now: number) => {
    if (incident.resolvedAt && Date.parse(incident.resolvedAt) <= now) return "resolved";
    if (incident.acknowledgedAt?.some((at) => Date.parse(at) <= now)) return "acknowledged";
    return "triggered";
  };

  function incidentBody(incident: SimIncident, now: number): Record<string, unknown> {
    const status = statusOf(incident, now);
    const number = incident.number ?? (Number.parseInt(incident.id.replace(/\D/g, "").slice(-6), 10) || 1);
    const events = [incident.createdAt, ...(incident.acknowledgedAt ?? []), ...(incident.notes ?? []).map((n) => n.at), incident.resolvedAt]
      .filter((t): t is string => Boolean(t) && Date.parse(t!) <= now)
      .sort();
    const lastChange = status === "resolved" ? incident.resolvedAt! : status === "acknowledged" ? incident.acknowledgedAt!.at(-1)! : incident.createdAt;
    return {
      id: incident.id,
      type: "incident",
      summary: `[#${number}] ${incident.title}`,
      self: `${baseUrl}/incidents/${incident.id}`,
      html_url: `https://sim.pagerduty.com/incidents/${incident.id}`,
      incident_number: number,
      title: incident.title,
      description: incident.description ?? incident.title,
      created_at: incident.createdAt,
      updated_at: events.at(-1) ?? incident.createdAt,
      status,
      incident_key: `key-${incident.id}`,
      service: serviceRef(incident.serviceId),
      assignments: [],
      assigned_via: "escalation_policy",
      last_status_change_at: lastChange,
      // Live API: null while open (the spec's description says so; its type omits nullable).
      resolved_at: status === "resolved" ? incident.resolvedAt : null,
      first_trigger_log_entry: ref("trigger_log_entry_reference", `${incident.id}T`, "Triggered through the API", "log_entries"),
      alert_counts: { all: 1, triggered: status === "resolved" ? 0 : 1, resolved: status === "resolved" ? 1 : 0 },
      is_mergeable: true,
      incident_type: { name: "incident_default" },
      escalation_policy: ref("escalation_policy_reference", "PEPOL01", "Default", "escalation_policies"),
      teams: [],
      pending_actions: [],
      // "This list will be empty if the Incident.status is resolved or triggered."
      acknowledgements: status === "acknowledged" ? (incident.acknowledgedAt ?? []).filter((at) => Date.parse(at) <= now).map((at) => ({ at, acknowledger: userRef })) : [],
      last_status_change_by: userRef,
      priority: incident.priority ? { ...ref("priority_reference", `PRI${incident.priority}`, incident.priority, "priorities"), html_url: undefined } : null,
      incidents_responders: [],
      responder_requests: [],
      urgency: incident.urgency ?? "high",
      ...incident.override,
    };
  }

  function logEntriesOf(incident: SimIncident): LogEntryRecord[] {
    const out: LogEntryRecord[] = [];
    const base = (id: string, type: string, at: string, summary: string, extra: Record<string, unknown>) => {
      const body = {
        id,
        type,
        summary,
        self: `${baseUrl}/log_entries/${id}?incident_id=${incident.id}`,
        html_url: `https://sim.pagerduty.com/incidents/${incident.id}/log_entries/${id}`,
        created_at: at,
        agent: userRef,
        channel: { type: "website" },
        service: serviceRef(incident.serviceId),
        incident: ref("incident_reference", incident.id, incident.title, "incidents"),
        teams: [],
        contexts: [],
        ...extra,
      };
      out.push({ at: Date.parse(at), overview: type !== "notify_log_entry", incidentId: incident.id, body });
    };
    base(`${incident.id}T`, "trigger_log_entry", incident.createdAt, "Triggered through the API", {
      agent: serviceRef(incident.serviceId),
      channel: { type: "api", summary: incident.title },
      event_details: { description: incident.title },
    });
    const notifyAt = new Date(Date.parse(incident.createdAt) + 1000).toISOString().replace(".000Z", "Z");
    base(`${incident.id}P`, "notify_log_entry", notifyAt, "Notified Erin Oncall by push", {
      agent: serviceRef(incident.serviceId),
      channel: { type: "auto" },
      user: userRef,
    });
    (incident.acknowledgedAt ?? []).forEach((at, i) =>
      base(`${incident.id}A${i}`, incident.ackType ?? "acknowledge_log_entry", at, "Acknowledged by Erin Oncall", {}),
    );
    (incident.notes ?? []).forEach((note, i) =>
      base(`${incident.id}N${i}`, "annotate_log_entry", note.at, "Note added", { channel: { type: "note", summary: note.text }, note: note.text }),
    );
    if (incident.resolvedAt) base(`${incident.id}R`, "resolve_log_entry", incident.resolvedAt, "Resolved by Erin Oncall", {});
    return out;
  }

  const server = createServer((req, res) => {
    const now = Date.now();
    const url = new URL(req.url ?? "/", "http://sim");
    const query = queryOf(url.searchParams);
    const record: SimRequest = { method: req.method ?? "GET", path: url.pathname, query, status: 0, at: now };
    requests.push(record);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...rateHeaders(now), ...headers });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    const answer = () => {
      try {
        handle(req, res, url, query, now, send);
      } catch (error) {
        send(500, { error: { message: `sim: ${(error as Error).message}`, code: 2000 } });
      }
    };
    if (options.latencyMs) setTimeout(answer, options.latencyMs);
    else answer();
  });

  function rateHeaders(now: number): Record<string, string> {
    return {
      "ratelimit-limit": String(rate.limit),
      "ratelimit-remaining": String(window.exhausted ? 0 : Math.max(0, rate.limit - window.used)),
      "ratelimit-reset": String(Math.max(1, Math.ceil((window.start + rate.windowMs - now) / 1000))),
    };
  }

  function handle(
    req: IncomingMessage,
    _res: ServerResponse,
    url: URL,
    query: Record<string, string | string[]>,
    now: number,
    send: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ) {
    if (now >= window.start + rate.windowMs) {
      window = { start: now, used: 0, exhausted: false };
    } else if (window.exhausted || window.used >= rate.limit) {
      state.counts.rateLimited++;
      state.counts.earlyAfterRateLimit++;
      return send(429, { error: { message: "Rate Limit Exceeded", code: 2020 } });
    }
    window.used++;

    for (const fault of state.faults) {
      if (fault.path && !url.pathname.startsWith(fault.path)) continue;
      const seen = (faultsSeen.get(fault) ?? 0) + 1;
      faultsSeen.set(fault, seen);
      const after = fault.after ?? 0;
      if (seen <= after || seen > after + (fault.times ?? 1)) continue;
      if (fault.status === 429) {
        state.counts.rateLimited++;
        if (fault.exhaustWindow) window.exhausted = true;
      }
      return send(fault.status, fault.body ?? { error: { message: `Injected ${fault.status}`, code: 2000 } }, fault.headers);
    }

    if (req.headers.authorization !== `Token token=${token}`) {
      state.counts.unauthorized++;
      return send(401, { error: { message: "Unauthorized", code: 2006 } });
    }
    const path = url.pathname;
    if (path === "/abilities") return send(200, { abilities: ABILITIES });
    if (path === "/incidents") return listIncidents(query, now, send);
    const one = /^\/incidents\/([^/]+)$/.exec(path);
    if (one) {
      const incident = index().byId.get(decodeURIComponent(one[1]!));
      if (!incident) return send(404, { error: { message: "Not Found", code: 2100 } });
      return send(200, { incident: incidentBody(incident, now) });
    }
    const ownLog = /^\/incidents\/([^/]+)\/log_entries$/.exec(path);
    if (ownLog) {
      const id = decodeURIComponent(ownLog[1]!);
      if (!index().byId.has(id)) return send(404, { error: { message: "Not Found", code: 2100 } });
      const entries = index().log.filter((e) => e.incidentId === id && e.at <= now && (query.is_overview !== "true" || e.overview));
      return paginate("log_entries", entries.map((e) => e.body), query, send, 25);
    }
    if (path === "/log_entries") {
      const range = dateRange(query, now);
      if ("error" in range) return send(400, range.error);
      const log = index().log;
      // newest first: entries with at < until start at `from`, those with at >= since end at `to`
      const from = firstIndex(log, (e) => e.at < Math.min(range.until, now + 1));
      const to = firstIndex(log, (e) => e.at < range.since);
      const entries = log.slice(from, to).filter((e) => query.is_overview !== "true" || e.overview);
      return paginate("log_entries", entries.map((e) => e.body), query, send, 25);
    }
    return send(404, { error: { message: "Not Found", code: 2100 } });
  }

  function listIncidents(query: Record<string, string | string[]>, now: number, send: (status: number, body: unknown) => void) {
    const range = dateRange(query, now);
    if ("error" in range) return send(400, range.error);
    const services = list(query["service_ids[]"]);
    const statuses = list(query["statuses[]"]);
    const urgencies = list(query["urgencies[]"]);
    const pool = services.length ? services.flatMap((s) => index().byService.get(s) ?? []) : [...index().byId.values()];
    const found = pool
      .filter((i) => {
        const created = Date.parse(i.createdAt);
        return (query.date_range === "all" || (created >= range.since && created < range.until)) && created <= now;
      })
      .filter((i) => (!statuses.length || statuses.includes(statusOf(i, now))) && (!urgencies.length || urgencies.includes(i.urgency ?? "high")));
    // one service's list is already in created_at order
    if (services.length !== 1) found.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id.localeCompare(b.id));
    if (String(query.sort_by ?? "created_at:asc").endsWith(":desc")) found.reverse();
    // Bodies are built for the page only: a benchmark serves tens of thousands of incidents.
    paginate("incidents", found, query, send, 25, (i) => incidentBody(i as SimIncident, now));
  }

  function paginate(
    key: string,
    all: unknown[],
    query: Record<string, string | string[]>,
    send: (status: number, body: unknown) => void,
    defaultLimit: number,
    render: (item: unknown) => unknown = (item) => item,
  ) {
    const limit = Math.min(100, Math.max(1, Number(query.limit ?? defaultLimit) || defaultLimit));
    const offset = Math.max(0, Number(query.offset ?? 0) || 0);
    if (offset + limit > CAP) {
      state.counts.offsetCapErrors++;
      // As reported (apache/devlake#5107, faros-ai/airbyte-connectors#991).
      return send(400, {
        error: {
          message: "Arguments Caused Error",
          code: 2002,
          errors: [
            "Offset+limit exceeds maximum allowed value of 10000. Please try to refine your search to reduce the returned set of records below this number, like adding a date range.",
          ],
        },
      });
    }
    const items = all.slice(offset, offset + limit).map(render);
    send(200, { [key]: items, limit, offset, more: offset + items.length < all.length, total: query.total === "true" ? all.length : null });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: baseUrl,
    requests,
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** since/until as the API reads them: default the last month; at most 6 months apart. */
function dateRange(query: Record<string, string | string[]>, now: number): { since: number; until: number } | { error: unknown } {
  const until = typeof query.until === "string" ? Date.parse(query.until) : now;
  const since = typeof query.since === "string" ? Date.parse(query.since) : addMonths(until, -1);
  const invalid = (message: string) => ({ error: { error: { message: "Invalid Input Provided", code: 2001, errors: [message] } } });
  if (Number.isNaN(since) || Number.isNaN(until)) return invalid("since and until must be ISO 8601 dates");
  if (since > until) return invalid("since must be before until");
  if (query.date_range !== "all" && until > addMonths(since, 6)) return invalid("The date range may not exceed 6 months");
  return { since, until };
}

/** First index where pred turns true in a list where it goes false…false, true…true. */
function firstIndex<T>(list: T[], pred: (item: T) => boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pred(list[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime();
}

function queryOf(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    out[key] = key.endsWith("[]") ? values : values[values.length - 1]!;
  }
  return out;
}

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
