import { z } from "zod";

/** An instant with a zone (ISO 8601), e.g. 2026-03-02T14:05:00Z. */
const Instant = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)), {
    message: 'expected an ISO time with a zone, like "2026-03-02T14:05:00Z"',
  });

const Name = z.string().trim().min(1).max(200);
const Id = z.string().trim().min(1).max(200).regex(/^[^\s]+$/, "no spaces");

/**
 * A deployment any pipeline reports. `id` makes it idempotent: the same id sent twice (a retried
 * job) is one deployment, the later copy wins.
 */
export const DeploymentEvent = z.strictObject({
  kind: z.literal("deployment"),
  service: Name,
  sha: z.string().regex(/^[0-9a-f]{7,64}$/i, "expected a commit sha (7-64 hex digits)"),
  status: z.enum(["success", "failure"]),
  environment: Name.default("production"),
  id: Id.optional(),
  started_at: Instant.optional(),
  finished_at: Instant.optional(),
  url: z.string().max(2000).optional(),
  rollback: z.boolean().default(false),
  /** An unplanned deployment made to fix a defect (rework rate). */
  rework: z.boolean().default(false),
});
export type DeploymentEvent = z.infer<typeof DeploymentEvent>;

/** An incident: `refs` name what caused it (a deployment id, a commit sha, a URL) and are linked before the heuristic window. */
export const IncidentEvent = z.strictObject({
  kind: z.literal("incident"),
  service: Name,
  id: Id,
  title: z.string().max(2000).optional(),
  created_at: Instant,
  acknowledged_at: Instant.optional(),
  resolved_at: Instant.optional(),
  urgency: z.string().max(50).optional(),
  refs: z.array(z.string().trim().min(1).max(2000)).default([]),
  url: z.string().max(2000).optional(),
});
export type IncidentEvent = z.infer<typeof IncidentEvent>;

export const PipelineEvent = z.discriminatedUnion("kind", [DeploymentEvent, IncidentEvent]);
export type PipelineEvent = z.infer<typeof PipelineEvent>;

/**
 * An event as the spool and event files hold it: a deployment has its finish time (filled with the
 * time it was received when the sender gave none) and an id.
 */
export const StoredEvent = z.discriminatedUnion("kind", [
  DeploymentEvent.extend({ finished_at: Instant, id: Id }),
  IncidentEvent,
]);
export type StoredEvent = z.infer<typeof StoredEvent>;

/** One clear line per problem: `events[2].sha: expected a commit sha …`. */
export function describeEventIssues(error: z.ZodError, prefix = ""): string {
  return error.issues
    .map((i) => {
      const path = i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
      const at = [prefix, path].filter(Boolean).join(prefix && path && !path.startsWith("[") ? "." : "");
      return `${at || "event"}: ${i.message}`;
    })
    .join("; ");
}

/**
 * Fills what the receiver decides: the finish time (now) and a deterministic id when the sender gave
 * none — environment, sha and start time, so a retried job that sends the same values is one
 * deployment.
 */
export function completeEvent(event: PipelineEvent, now: Date): StoredEvent {
  if (event.kind === "incident") return event;
  const finished_at = event.finished_at ?? now.toISOString();
  const id = event.id ?? [event.environment, event.sha.toLowerCase(), event.started_at ?? ""].filter(Boolean).join(":");
  return { ...event, finished_at, id };
}
