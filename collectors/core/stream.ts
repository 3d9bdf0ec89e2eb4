import type { z } from "zod";
import type { Config } from "../../schemas/config.ts";
import type { Row, Warehouse } from "../../warehouse/warehouse.ts";
import type { Logger } from "./log.ts";

/** Rows a page produces, by target table (upserted by primary key). */
export type RowsByTable = Partial<
  Record<"core.deployments" | "core.changes" | "core.pull_requests" | "core.incidents" | "core.latency_buckets" | "core.request_counts" | "core.kpi_samples", Row[]>
>;

export interface Page {
  /** Request URL (no credentials) and parameters, kept with the raw page. */
  url: string;
  params?: Record<string, unknown>;
  /** The page's items exactly as the API returned them. */
  items: unknown[];
}

/** The warehouse as a stream uses it: reads and single writes (its pages are written by the runner). */
export type StreamWarehouse = Pick<Warehouse, "all" | "one" | "run" | "upsert" | "append">;

/** A run as a source sees it before its state is built (`Source.start`, `Source.check`). */
export interface SourceContext {
  config: Config;
  log: Logger;
  runId: string;
  /** --since: backfill from this instant instead of the cursor. */
  since?: Date;
  /** --full: ignore cursors and refetch everything. */
  full?: boolean;
  /** Requests made by this run, per source (the client layer counts). */
  requests: { count: number };
  warehouse: StreamWarehouse;
  /** Called as partitions start and pages arrive (the CLI shows it as a progress line). */
  progress?: (update: StreamProgress) => void;
}

/** What a stream's functions receive: the run, and the state its source built for it. */
export interface CollectContext<State = unknown> extends SourceContext {
  /** What the source's streams share during one run (clients, lookups), from `Source.start`. */
  state: State;
}

export interface StreamProgress {
  stream: string;
  /** The partition being collected (a repository, a service) and its place among them. */
  partition: string;
  index: number;
  partitions: number;
  /** Pages and rows of the stream so far. */
  pages: number;
  rows: number;
}

export interface StreamDefinition<Item, Partition = string, State = unknown> {
  /** `<source>.<stream>`: reappears in logs, cursors, raw.pages and fixtures. */
  id: string;
  /** zod schema of one item: only the fields we read. */
  item: z.ZodType<Item>;
  /** A readable id of a raw item, for error messages (before validation). */
  itemId: (raw: unknown) => string;
  partitions: (ctx: CollectContext<State>) => Partition[] | Promise<Partition[]>;
  partitionKey: (partition: Partition) => string;
  /**
   * asc: pages come oldest-first and the cursor advances with each page.
   * desc: newest-first (endpoints with no `since`); the cursor moves only after the last page,
   * so a crash re-walks instead of leaving a gap.
   */
  order: "asc" | "desc";
  /** How far to step back from the stored cursor (ms), so late updates are re-read. */
  overlapMs?: number;
  pages: (ctx: CollectContext<State>, partition: Partition, since: string | undefined) => AsyncIterable<Page>;
  /** Pure: one validated item → rows. */
  toRows: (item: Item, ctx: CollectContext<State>, partition: Partition) => RowsByTable;
  /** The item's replication key (ISO timestamp or other orderable string). */
  cursorOf: (item: Item) => string | undefined;
  /**
   * How many partitions to collect at once (default 1). Their requests overlap; warehouse work
   * stays one statement at a time. Only for streams whose partitions share no state in a run.
   */
  concurrency?: (ctx: CollectContext<State>) => number;
  /** Runs after a partition's last page (e.g. map commits to the deployments that shipped them). */
  finish?: (ctx: CollectContext<State>, partition: Partition) => Promise<RowsByTable | FinishResult | void>;
  /**
   * `dora rebuild`: the rows `finish` wrote, made again from the partition's stored pages (oldest
   * first) and the core rows rebuilt before them, with no request. A stream whose `finish` writes
   * rows keeps every page they depend on in raw.pages and implements this, or a rebuild loses them.
   */
  replay?: (ctx: CollectContext<State>, partition: Partition, pages: Page[]) => Promise<RowsByTable>;
}

/**
 * What `finish` may return instead of bare rows: rows plus the partition's cursor, for streams whose
 * position is not an item's replication key (e.g. the last deployment whose commits were attributed).
 * Both are written in one transaction.
 */
export interface FinishResult {
  rows: RowsByTable;
  cursor?: string;
}

export function defineStream<Item, Partition = string, State = unknown>(definition: StreamDefinition<Item, Partition, State>): StreamDefinition<Item, Partition, State> {
  return definition;
}

// Erased type for collections of streams with different item types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStream = StreamDefinition<any, any, any>;

/** What `dora doctor` shows for a source: it works, but something will likely give misleading numbers. */
export interface SourceCheck {
  detail: string;
  warnings: { detail: string; fix: string }[];
}

export interface Source<State = unknown> {
  /** 'github' | 'gitlab' | 'git' | 'pagerduty' | 'prometheus' | 'demo' … */
  name: string;
  /** Is this source configured? (say what to configure otherwise) */
  enabled: (config: Config) => boolean;
  streams: StreamDefinition<any, any, State>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  /**
   * Builds what the streams share during one run, once as the run starts. It must not fail: what may
   * (reading a token, a first request) is done on first use, inside a stream, where the runner turns
   * the failure into the source's error.
   */
  start?: (ctx: SourceContext) => State;
  /**
   * What to check when the API refuses the credentials (401/403), e.g. "the token in GITHUB_TOKEN".
   * Default: the variable named by `sources.<name>.token_env`.
   */
  credentials?: (config: Config) => string;
  /** A cheap authenticated call for `dora doctor`: a detail line, plus warnings with their fix. */
  check?: (ctx: SourceContext) => Promise<string | SourceCheck>;
}

/** A source of any state type, for lists of sources. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySource = Source<any>;
