import type { Page } from "../core/stream.ts";
import type { Logger } from "../core/log.ts";
import { OFFSET_CAP_ERROR_CODE, PagerdutyApiError, type PagerdutyClient, type Query } from "./client.ts";

/** PagerDuty refuses offset + limit above this (HTTP 400, error code 2002). */
export const OFFSET_CAP = 10_000;
/** A window whose total is above this is split before paging: new records may arrive while paging. */
export const SPLIT_ABOVE = 9_000;
/** since/until may span at most 6 months; 180 days is under 6 months from any start date. */
export const MAX_WINDOW_MS = 180 * 24 * 3600 * 1000;
/** Below this a window is not split further (more than SPLIT_ABOVE records in a minute is an error). */
export const MIN_WINDOW_MS = 60 * 1000;
/** Windows are sized to hold about this many records, from the density of the previous one. */
const TARGET_RECORDS = 5_000;

export interface WindowWalk {
  client: PagerdutyClient;
  /** `/incidents`, `/log_entries` */
  path: string;
  /** Key of the items in the response body (`incidents`, `log_entries`). */
  key: string;
  query: Query;
  since: Date;
  until: Date;
  pageSize: number;
  log?: Logger;
  /** Counts for tests and the report: windows walked, windows split. */
  stats?: { windows: number; splits: number };
}

/**
 * Pages of a since/until list endpoint with classic offset pagination, walked oldest window first
 * so that no query spans more than 6 months and no window needs an offset past 10,000. The first
 * page of each window asks for `total`; a window holding more than SPLIT_ABOVE records is halved
 * before any of it is kept. The next window is sized from the density just seen, so a dense
 * service costs few wasted probes.
 */
export async function* walkWindows(walk: WindowWalk): AsyncGenerator<Page> {
  const limit = Math.min(100, walk.pageSize);
  let start = walk.since.getTime();
  const end = walk.until.getTime();
  let span = MAX_WINDOW_MS;
  while (start < end) {
    let stop = Math.min(end, start + span);
    // Probe: the first page with total; split until the window fits under the cap.
    let first: { page: Page; total: number; more: boolean; items: unknown[] };
    for (;;) {
      first = await fetchPage(walk, start, stop, 0, limit, true);
      if (first.total <= SPLIT_ABOVE) break;
      if (stop - start <= MIN_WINDOW_MS) {
        throw new Error(
          `PagerDuty ${walk.path}: ${first.total} records between ${iso(start)} and ${iso(stop)}; ` +
            `the API cannot page past ${OFFSET_CAP} and the window cannot be split further`,
        );
      }
      if (walk.stats) walk.stats.splits++;
      walk.log?.debug(`${walk.path}: ${first.total} records in ${iso(start)}..${iso(stop)}; splitting the window`);
      stop = start + Math.max(MIN_WINDOW_MS, Math.floor((stop - start) / 2));
    }
    if (walk.stats) walk.stats.windows++;
    yield first.page;
    let offset = first.items.length;
    let more = first.more;
    while (more && first.items.length > 0) {
      if (offset + limit > OFFSET_CAP) {
        // Only when records arrived during paging beyond the margin; say so instead of a 400.
        throw new Error(`PagerDuty ${walk.path}: window ${iso(start)}..${iso(stop)} grew past ${OFFSET_CAP} records while paging; run again`);
      }
      const next = await fetchPage(walk, start, stop, offset, limit, false);
      yield next.page;
      if (next.items.length === 0) break;
      offset += next.items.length;
      more = next.more;
    }
    const density = first.total / Math.max(1, stop - start);
    span = Math.max(MIN_WINDOW_MS, Math.min(MAX_WINDOW_MS, density > 0 ? Math.floor(TARGET_RECORDS / density) : MAX_WINDOW_MS));
    start = stop;
  }
}

async function fetchPage(walk: WindowWalk, start: number, stop: number, offset: number, limit: number, withTotal: boolean) {
  const query: Query = {
    ...walk.query,
    since: iso(start),
    until: iso(stop),
    time_zone: "UTC",
    limit: String(limit),
    offset: String(offset),
    ...(withTotal ? { total: "true" } : {}),
  };
  let response;
  try {
    response = await walk.client.get(walk.path, query);
  } catch (error) {
    if (error instanceof PagerdutyApiError && error.status === 400 && error.apiCode === OFFSET_CAP_ERROR_CODE) {
      throw new Error(`${error.message} — the ${OFFSET_CAP}-record offset cap was reached; this is a bug in the window split, please report it`, {
        cause: error,
      });
    }
    throw error;
  }
  const body = response.data;
  const items = Array.isArray(body[walk.key]) ? (body[walk.key] as unknown[]) : [];
  const total = typeof body.total === "number" ? body.total : withTotal ? items.length : 0;
  const more = body.more === true;
  const page: Page = { url: response.url, params: { since: query.since, until: query.until, offset, limit }, items };
  return { page, total: more && total < offset + items.length + 1 ? offset + items.length + 1 : total, more, items };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** All pages of an offset-paginated list without since/until (one incident's log entries). */
export async function* walkOffset(client: PagerdutyClient, path: string, key: string, query: Query, pageSize: number): AsyncGenerator<Page> {
  const limit = Math.min(100, pageSize);
  for (let offset = 0; offset + limit <= OFFSET_CAP; ) {
    const response = await client.get(path, { ...query, limit: String(limit), offset: String(offset) });
    const items = Array.isArray(response.data[key]) ? (response.data[key] as unknown[]) : [];
    yield { url: response.url, params: { offset, limit }, items };
    if (response.data.more !== true || items.length === 0) return;
    offset += items.length;
  }
}
