import { PagerdutyLogEntry } from "../../schemas/pagerduty.ts";
import { defineStream } from "../core/stream.ts";
import { PagerdutyApiError } from "./client.ts";
import { isoUtc, pagerdutyRun, servicePartitions, startOf, type PagerdutyRun } from "./context.ts";
import { loadLogFacts } from "./log-facts.ts";
import { walkOffset, walkWindows } from "./windows.ts";

/**
 * Account-wide incident log entries (GET /log_entries, `is_overview=true`: triggers, acknowledgements,
 * resolutions, notes, without the per-person notifications), walked by created_at window. One
 * request per 100 entries covers every service, instead of one request per incident; resolutions
 * of incidents created long before the cursor show up here as new entries.
 *
 * The stream writes no core rows itself: its raw pages are what pagerduty.incidents reads the
 * acknowledge and resolve times from (see log-facts.ts). It runs first.
 */
export const logEntries = defineStream<PagerdutyLogEntry, "account", PagerdutyRun>({
  id: "pagerduty.log_entries",
  item: PagerdutyLogEntry,
  itemId: (raw) => String((raw as { id?: unknown } | null)?.id ?? "(no id)"),
  // The endpoint cannot filter by service: one partition for the whole account.
  partitions: (ctx) => (servicePartitions(ctx.config).length ? ["account"] : []),
  partitionKey: (partition) => partition,
  // Entries come newest first within a window: move the cursor only after the last page.
  order: "desc",
  // Entries may become visible a little after their created_at.
  overlapMs: 60 * 60 * 1000,
  async *pages(ctx, _partition, since) {
    const run = pagerdutyRun(ctx);
    const triggered = new Set<string>();
    for await (const page of walkWindows({
      client: run.client,
      path: "/log_entries",
      key: "log_entries",
      query: { is_overview: "true" },
      since: startOf(ctx, since),
      until: new Date(),
      pageSize: run.settings.page_size,
      log: ctx.log,
    })) {
      noteTouched(run, page.items, triggered);
      yield page;
    }
    // An incident created before the collected range but acknowledged or resolved inside it has
    // no trigger entry stored: read its own log so its first acknowledgement is not missed.
    const unsure = [...run.touched.keys()].filter((id) => !triggered.has(id));
    const facts = await loadLogFacts(ctx.warehouse, unsure);
    for (const incidentId of unsure) {
      if (facts.get(incidentId)?.triggered) continue;
      try {
        yield* walkOffset(run.client, `/incidents/${encodeURIComponent(incidentId)}/log_entries`, "log_entries", { is_overview: "true", time_zone: "UTC" }, run.settings.page_size);
      } catch (error) {
        if (!(error instanceof PagerdutyApiError && error.status === 404)) throw error;
        ctx.log.warn(`PagerDuty incident ${incidentId} is gone (404); its earlier log entries are not read`);
      }
    }
  },
  toRows: () => ({}),
  cursorOf: (entry) => isoUtc(entry.created_at),
});

function noteTouched(run: PagerdutyRun, items: unknown[], triggered: Set<string>) {
  for (const raw of items) {
    const entry = raw as { type?: unknown; incident?: { id?: unknown }; service?: { id?: unknown } | null };
    if (entry?.type === "trigger_log_entry" && typeof entry.incident?.id === "string") triggered.add(entry.incident.id);
    const incidentId = entry?.incident?.id;
    const serviceId = entry?.service?.id;
    if (typeof incidentId === "string" && typeof serviceId === "string" && run.services.has(serviceId)) {
      run.touched.set(incidentId, serviceId);
    }
  }
}
