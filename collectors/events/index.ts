import { configured } from "../configured.ts";
import { open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { z } from "zod";
import type { Config } from "../../schemas/config.ts";
import { StoredEvent, type StoredEvent as StoredEventT } from "../../schemas/events.ts";
import type { Row } from "../../warehouse/warehouse.ts";
import { git } from "../git/git.ts";
import { cloneChangesStream, configuredClones, forgeState, type ForgeState } from "../git/shipped.ts";
import { defineStream, type Page, type RowsByTable, type Source, type SourceContext } from "../core/stream.ts";
import { csvEvent, parseCsvLine, readLines } from "./files.ts";
import { spoolDir, spoolFiles } from "./spool.ts";

/** One line of an event file, with where it came from (error messages name the file and line). */
const EventLine = z.strictObject({ file: z.string(), line: z.number().int(), cursor: z.string(), event: StoredEvent });
type EventLine = z.infer<typeof EventLine>;

const LINES_PER_PAGE = 500;


/** The files to read: the spool's (recorded and received events) and the configured ones. */
async function eventFiles(ctx: SourceContext): Promise<string[]> {
  const events = ctx.config.sources.events!;
  const spool = await spoolFiles(spoolDir(ctx.config, ctx.config.warehouse));
  return [...new Set([...spool, ...events.files.map((f) => resolve(f))])];
}

/**
 * The cursor of a file: the byte offset after the last line read and that line's number, zero-padded
 * so cursors order as strings (the runner keeps the largest).
 */
function cursorOf(offset: number, line: number): string {
  return `${String(offset).padStart(16, "0")}:${String(line).padStart(12, "0")}`;
}

function parseCursor(cursor: string | undefined): { offset: number; line: number } {
  const m = cursor ? /^(\d{16}):(\d{12})$/.exec(cursor) : null;
  return m ? { offset: Number(m[1]), line: Number(m[2]) } : { offset: 0, line: 0 };
}

async function firstLine(file: string): Promise<string> {
  const handle = await open(file, "r");
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString("utf8");
    const nl = text.indexOf("\n");
    if (nl < 0) throw new Error(`${file}: the CSV header line is missing or longer than 64 KB`);
    return text.slice(0, nl).replace(/\r$/, "").replace(/^\uFEFF/, "");
  } finally {
    await handle.close();
  }
}

async function* linePages(file: string, since: string | undefined): AsyncGenerator<Page> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw Object.assign(new Error(`${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (error as Error).message}`), { status: 404 });
  }
  let { offset, line } = parseCursor(since);
  // A file rewritten shorter than what was read (an artefact replaced): read it again from the start; ids keep it idempotent.
  if (offset > size) ({ offset, line } = { offset: 0, line: 0 });
  const csv = /\.csv$/i.test(file);
  const header = csv ? parseCsvLine(await firstLine(file)).map((h) => h.trim()) : [];
  let items: EventLine[] = [];
  const page = (): Page => ({ url: `file://${file}`, params: { from: items[0]?.cursor }, items });
  for await (const chunk of readLines(file, offset, line + 1)) {
    for (const { n, text, end } of chunk.lines) {
      if (text.trim() === "" || (csv && n === 1)) continue;
      let event: unknown;
      try {
        event = csv ? csvEvent(header, parseCsvLine(text)) : JSON.parse(text);
      } catch (error) {
        throw new Error(`${file} line ${n}: ${csv ? "" : "not JSON: "}${(error as Error).message}`, { cause: error });
      }
      items.push({ file, line: n, cursor: cursorOf(end, n), event: event as StoredEventT });
      if (items.length === LINES_PER_PAGE) {
        yield page();
        items = [];
      }
    }
    if (items.length) {
      yield page();
      items = [];
    }
  }
}

/** The deployment id of an event: `events:deployment:<service>:<id>`. */
export function eventDeploymentId(service: string, id: string): string {
  return `events:deployment:${service}:${id}`;
}

function eventRows(item: EventLine, config: Config): RowsByTable {
  const e = item.event;
  if (e.kind === "deployment") {
    const production = new RegExp(config.sources.events!.production);
    const row: Row = {
      deployment_id: eventDeploymentId(e.service, e.id),
      source: "events",
      service: e.service,
      repo: config.sources.events!.git[e.service] ? resolve(config.sources.events!.git[e.service]!) : null,
      environment: e.environment,
      is_production: production.test(e.environment),
      commit_sha: e.sha.toLowerCase(),
      ref: null,
      started_at: e.started_at ? new Date(e.started_at) : null,
      finished_at: new Date(e.finished_at),
      status: e.status,
      original_status: e.status,
      is_rollback: e.rollback,
      is_rework: e.rework,
      url: e.url ?? null,
      updated_at: new Date(e.finished_at),
    };
    return { "core.deployments": [row] };
  }
  // A ref naming a recorded deployment by its own id links explicitly, like a full deployment id.
  const refs = [...new Set(e.refs.flatMap((r) => [r, eventDeploymentId(e.service, r)]))];
  const row: Row = {
    incident_id: `events:incident:${e.service}:${e.id}`,
    source: "events",
    service: e.service,
    title: e.title ?? null,
    body: null,
    urgency: e.urgency ?? null,
    created_at: new Date(e.created_at),
    acknowledged_at: e.acknowledged_at ? new Date(e.acknowledged_at) : null,
    resolved_at: e.resolved_at ? new Date(e.resolved_at) : null,
    status: e.resolved_at ? "resolved" : e.acknowledged_at ? "acknowledged" : "triggered",
    caused_by_deployment_id: null,
    link_kind: "none",
    refs,
    url: e.url ?? null,
    updated_at: new Date(e.resolved_at ?? e.acknowledged_at ?? e.created_at),
  };
  return { "core.incidents": [row] };
}

/**
 * Events from the spool (`dora record`, `dora serve`) and from configured JSON Lines / CSV files,
 * one partition per file, read from the byte offset the last run reached. The cursor is the offset,
 * so each line is read once; an event sent twice (same id) is still one row.
 */
export const eventFilesStream = defineStream<EventLine, string>({
  id: "events.files",
  item: EventLine,
  itemId: (raw) => {
    const r = raw as { file?: unknown; line?: unknown; event?: { id?: unknown } };
    return `${String(r?.file ?? "?")} line ${String(r?.line ?? "?")}${r?.event?.id ? ` (id ${String(r.event.id)})` : ""}`;
  },
  partitions: (ctx) => eventFiles(ctx),
  partitionKey: (file) => file,
  order: "asc",
  pages: (_ctx, file, since) => linePages(file, since),
  toRows: (item, ctx) => eventRows(item, ctx.config),
  cursorOf: (item) => item.cursor,
});

/** The commits each recorded production deployment shipped, read from the service's local clone (`sources.events.git`) or its forge's compare API. */
export const eventChangesStream = cloneChangesStream({
  id: "events.changes",
  source: "events",
  clones: (config) => configuredClones(config, config.sources.events?.git, "sources.events.git"),
});

export const eventsSource: Source<ForgeState> = {
  name: "events",
  enabled: configured.events,
  streams: [eventFilesStream, eventChangesStream],
  start: forgeState,
  // Collecting reads files; the only API it calls is the forge's, for the commits of recorded deployments.
  credentials: (config) =>
    !config.sources.github && config.sources.gitlab
      ? `the token in ${config.sources.gitlab.token_env} (sources.gitlab.token_env), which reads the commits of recorded deployments from GitLab`
      : `the token in ${config.sources.github?.token_env ?? "GITHUB_TOKEN"} (sources.github.token_env), which reads the commits of recorded deployments from GitHub`,
  check: async (ctx) => {
    const dir = spoolDir(ctx.config, ctx.config.warehouse);
    const files = await eventFiles(ctx);
    const missing: string[] = [];
    for (const f of ctx.config.sources.events!.files) {
      try {
        await stat(resolve(f));
      } catch {
        missing.push(f);
      }
    }
    if (missing.length) throw new Error(`sources.events.files: not found: ${missing.join(", ")}`);
    for (const [service, clone] of Object.entries(ctx.config.sources.events!.git)) {
      try {
        await git(resolve(clone), ["rev-parse", "--git-dir"]);
      } catch (error) {
        throw new Error(`sources.events.git.${service}: ${clone} is not a git clone (${(error as Error).message})`, { cause: error });
      }
    }
    return `spool ${dir}; ${files.length} event files`;
  },
};
