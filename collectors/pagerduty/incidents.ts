import { PagerdutyIncident } from "../../schemas/pagerduty.ts";
import type { Row } from "../../warehouse/warehouse.ts";
import { redact } from "../core/secrets.ts";
import { defineStream } from "../core/stream.ts";
import { PagerdutyApiError, type Query } from "./client.ts";
import { isoUtc, pagerdutyRun, servicePartitions, startOf, type PagerdutyRun, type ServicePartition } from "./context.ts";
import { loadLogFacts, type IncidentFacts } from "./log-facts.ts";
import { extractRefs } from "./refs.ts";
import { walkWindows } from "./windows.ts";

/**
 * Incidents per PagerDuty service (GET /incidents?service_ids[]=…), by created_at window, oldest
 * first, so the cursor (newest created_at) moves page by page. Incidents created before the
 * window whose log changed this run (acknowledged, resolved) are re-read by id afterwards.
 * Acknowledge and resolve times come from the log entries (pagerduty.log_entries runs first).
 */
export const incidents = defineStream<PagerdutyIncident, ServicePartition, PagerdutyRun>({
  id: "pagerduty.incidents",
  item: PagerdutyIncident,
  itemId: (raw) => String((raw as { id?: unknown } | null)?.id ?? "(no id)"),
  // The log facts are read here, after the log-entries stream stored its pages and before any
  // incident is mapped: `dora rebuild` maps the stored incident pages with the same facts.
  partitions: async (ctx) => {
    pagerdutyRun(ctx).facts = await loadLogFacts(ctx.warehouse);
    return servicePartitions(ctx.config);
  },
  partitionKey: (partition) => partition.pdServiceId,
  order: "asc",
  // Re-read a day: incidents that show up late, and title/priority edits that leave no log entry.
  overlapMs: 24 * 3600 * 1000,
  async *pages(ctx, partition, since) {
    const run = pagerdutyRun(ctx);
    const query: Query = { "service_ids[]": [partition.pdServiceId], sort_by: "created_at:asc" };
    // urgencies[] needs the account's `urgencies` ability: only send it when it filters something.
    if (run.settings.urgencies.length < 2) query["urgencies[]"] = run.settings.urgencies;
    const seen = new Set<string>();
    for await (const page of walkWindows({
      client: run.client,
      path: "/incidents",
      key: "incidents",
      query,
      since: startOf(ctx, since),
      until: new Date(),
      pageSize: run.settings.page_size,
      log: ctx.log,
    })) {
      for (const item of page.items) {
        const id = (item as { id?: unknown } | null)?.id;
        if (typeof id === "string") seen.add(id);
      }
      yield page;
    }
    for (const [incidentId, pdServiceId] of run.touched) {
      if (pdServiceId !== partition.pdServiceId || seen.has(incidentId) || run.refetched.has(incidentId)) continue;
      run.refetched.add(incidentId);
      try {
        const response = await run.client.get(`/incidents/${encodeURIComponent(incidentId)}`);
        yield { url: response.url, items: [response.data.incident] };
      } catch (error) {
        if (!(error instanceof PagerdutyApiError && error.status === 404)) throw error;
        ctx.log.warn(`PagerDuty incident ${incidentId} is gone (404); its stored row is left as it was`);
      }
    }
  },
  toRows: (incident, ctx, partition) => ({
    "core.incidents": [incidentRow(incident, partition.service, pagerdutyRun(ctx).facts?.get(incident.id))],
  }),
  cursorOf: (incident) => isoUtc(incident.created_at),
});

/** Pure: one PagerDuty incident and what its log says → a core.incidents row. */
export function incidentRow(incident: PagerdutyIncident, service: string, facts: IncidentFacts | undefined): Row {
  const resolved = incident.status === "resolved";
  // The first acknowledgement: from the log; `acknowledgements` only lists the current ones.
  const acknowledged = earliest([facts?.firstAcknowledgedAt, ...(incident.acknowledgements ?? []).map((a) => a.at)]);
  // The resolve log entry; the incident's own resolved_at only when that entry is not stored yet.
  // Never updated_at: any later edit moves it.
  const resolvedAt = resolved ? (facts?.resolvedAt ?? (incident.resolved_at ? isoUtc(incident.resolved_at) : null)) : null;
  // A token pasted into an incident must not reach the warehouse or a report.
  const title = redact(incident.title);
  const body = bodyOf(incident, facts);
  return {
    incident_id: `pagerduty:incident:${incident.id}`,
    source: "pagerduty",
    service,
    title,
    body,
    urgency: incident.urgency ?? null,
    priority: incident.priority?.summary ?? incident.priority?.name ?? null,
    created_at: isoUtc(incident.created_at),
    acknowledged_at: acknowledged ?? null,
    resolved_at: resolvedAt,
    status: incident.status,
    refs: extractRefs(title, body),
    url: incident.html_url ?? null,
    updated_at: incident.updated_at ? isoUtc(incident.updated_at) : null,
  };
}

function bodyOf(incident: PagerdutyIncident, facts: IncidentFacts | undefined): string | null {
  const parts: string[] = [];
  const description = incident.description?.trim();
  if (description && description !== incident.title.trim()) parts.push(description);
  const details = incident.body?.details;
  if (typeof details === "string" && details.trim()) parts.push(details.trim());
  else if (details && typeof details === "object" && Object.keys(details).length) parts.push(JSON.stringify(details));
  for (const note of facts?.notes ?? []) parts.push(`Note: ${note.trim()}`);
  return parts.length ? redact(parts.join("\n\n")) : null;
}

function earliest(times: (string | undefined | null)[]): string | undefined {
  const iso = times.filter((t): t is string => Boolean(t)).map(isoUtc).sort();
  return iso[0];
}
