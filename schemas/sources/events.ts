import { z } from "zod";
import { EnvName, Pattern } from "./common.ts";

/**
 * Deployments and incidents sent by any pipeline: `dora record`, `dora serve` and files (JSON Lines
 * or CSV). Recorded and received events go to a spool folder of JSON Lines files first; `dora
 * collect` reads the spool and the listed files incrementally, so neither command needs the
 * warehouse's lock.
 */
export const EventsSource = z.strictObject({
  /** Folder of the spool files written by `dora record` and `dora serve` (default: `events/` beside the warehouse). */
  spool_dir: z.string().min(1).optional(),
  /** JSON Lines (.jsonl, .ndjson) or CSV (.csv) files of events: CI artefacts, exports from another tool. */
  files: z.array(z.string().min(1)).default([]),
  /** Environments whose deployments are production. */
  production: Pattern.default("^prod(uction)?$"),
  /** `dora serve`: the bearer token clients send, read from this environment variable. */
  token_env: EnvName.default("DORA_EVENTS_TOKEN"),
  /** `dora serve`: the largest request body accepted (bytes). */
  max_body_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  /** `dora serve`: requests accepted per second (a burst of twice this is allowed); more get 429. */
  rate_per_second: z.number().positive().default(50),
  /** Where the commits of a recorded deployment are read, per service: a local clone. */
  git: z.record(z.string(), z.string().min(1)).default({}),
});
export type EventsSource = z.infer<typeof EventsSource>;
