import { z } from "zod";

/**
 * PagerDuty REST API v2 items, only the fields the collector reads (schema: PagerDuty/api-schema
 * reference/REST/openapiv3.json). Timestamps come as `Z` or `+00:00` depending on the endpoint.
 */
const Timestamp = z.iso.datetime({ offset: true, error: "expected an ISO 8601 timestamp" });

const Reference = z.object({
  id: z.string().min(1),
  summary: z.string().nullish(),
});

export const PagerdutyIncident = z.object({
  id: z.string().min(1),
  incident_number: z.number().int().nullish(),
  title: z.string(),
  /** Legacy field still returned by the API (alert description); absent in the current schema. */
  description: z.string().nullish(),
  status: z.enum(["triggered", "acknowledged", "resolved"]),
  urgency: z.enum(["high", "low"]).nullish(),
  priority: z.object({ summary: z.string().nullish(), name: z.string().nullish() }).nullish(),
  created_at: Timestamp,
  updated_at: Timestamp.nullish(),
  /** "The time the incident became resolved or null": a fallback only; the resolve log entry wins. */
  resolved_at: Timestamp.nullish(),
  html_url: z.string().nullish(),
  service: Reference,
  /** Only filled while the incident is acknowledged (empty once resolved). */
  acknowledgements: z.array(z.object({ at: Timestamp })).nullish(),
  /** Only with include[]=body on GET /incidents/{id}. */
  body: z.object({ details: z.unknown().optional() }).nullish(),
});
export type PagerdutyIncident = z.infer<typeof PagerdutyIncident>;

/**
 * One incident log entry. The spec disagrees with itself on the acknowledge type
 * (`acknowledge_log_entry` in LogEntry.type, `acknowledgement_log_entry` in AcknowledgeLogEntry):
 * both are accepted, so `type` stays a plain string here.
 */
export const PagerdutyLogEntry = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  created_at: Timestamp,
  incident: Reference,
  /** Missing on some entries (the spec's own trigger example has none). */
  service: Reference.nullish(),
  channel: z.object({ type: z.string().nullish(), summary: z.string().nullish() }).nullish(),
  note: z.string().nullish(),
});
export type PagerdutyLogEntry = z.infer<typeof PagerdutyLogEntry>;

export const ACKNOWLEDGE_TYPES = ["acknowledge_log_entry", "acknowledgement_log_entry"] as const;
