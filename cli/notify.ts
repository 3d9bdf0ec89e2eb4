import { readSecret, redact } from "../collectors/core/secrets.ts";
import type { SourceResult } from "../collectors/core/runner.ts";
import type { Config } from "../schemas/config.ts";
import type { Notify } from "../schemas/sources/notify.ts";
import type { Warehouse } from "../warehouse/warehouse.ts";

/** What the digest says: counts since the previous run, targets whose state changed, failures. */
export interface Digest {
  deployments: number;
  failedDeployments: number;
  incidents: number;
  resolved: number;
  /** Targets met or missed now, unlike at the last digest. */
  crossed: { metric: string; service: string; met: boolean }[];
  failed: { source: string; error: string }[];
  reportUrl?: string;
}

export interface NotifyResult {
  sent: boolean;
  /** Why not sent (nothing changed) or what failed (never the URL). */
  note: string;
  error?: string;
}

/**
 * What the last digest saw, as (kind, id) keys: production deployments by their status, incidents,
 * and incidents resolved. A row whose key is new arrived since, however old its own times are.
 */
const SEEN_KEYS = `
  SELECT 'deployment:' || status AS kind, deployment_id AS id FROM core.deployments
   WHERE is_production AND status IN ('success', 'failure') AND finished_at IS NOT NULL
  UNION ALL SELECT 'incident', incident_id FROM core.incidents
  UNION ALL SELECT 'resolved', incident_id FROM core.incidents WHERE resolved_at IS NOT NULL`;

/**
 * The digest of run `runId`: what arrived since the last digest that was sent (or found nothing to
 * send). Counted by id, not by time: a deployment recorded in a file read a night late, or a sync
 * history Argo CD kept, finished before the previous run and is still news. Before the first digest
 * has recorded what it saw (a warehouse from before sync.notify_seen), rows dated after the previous
 * run's start count instead, so an upgrade does not announce the whole history.
 */
export async function buildDigest(w: Warehouse, config: Config, runId: string, results: SourceResult[], stageError?: string): Promise<Digest> {
  const seen = await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM sync.notify_seen");
  let d: { ok: number; failed: number } | undefined;
  let i: { created: number; resolved: number } | undefined;
  if (seen?.n) {
    const fresh = await w.all<{ kind: string; n: number }>(
      `SELECT k.kind, count(*)::INTEGER AS n FROM (${SEEN_KEYS}) k ANTI JOIN sync.notify_seen s ON s.kind = k.kind AND s.id = k.id GROUP BY k.kind`,
    );
    const count = (kind: string) => fresh.find((f) => f.kind === kind)?.n ?? 0;
    d = { ok: count("deployment:success"), failed: count("deployment:failure") };
    i = { created: count("incident"), resolved: count("resolved") };
  } else {
    // Unix seconds: node-api cannot bind a JS Date.
    const previous = await w.one<{ t: number | null }>("SELECT epoch(max(started_at)) AS t FROM sync.runs WHERE run_id <> ? AND source <> 'notify'", [runId]);
    const since = previous?.t ?? 0;
    d = await w.one<{ ok: number; failed: number }>(
      `SELECT count(*) FILTER (WHERE status = 'success')::INTEGER AS ok, count(*) FILTER (WHERE status = 'failure')::INTEGER AS failed
         FROM core.deployments WHERE is_production AND finished_at > to_timestamp(?)`,
      [since],
    );
    i = await w.one<{ created: number; resolved: number }>(
      "SELECT count(*) FILTER (WHERE created_at > to_timestamp(?))::INTEGER AS created, count(*) FILTER (WHERE resolved_at > to_timestamp(?))::INTEGER AS resolved FROM core.incidents",
      [since, since],
    );
  }
  const crossed = await crossedTargets(w);
  const failed = results.filter((r) => r.status !== "success").map((r) => ({ source: r.source, error: r.error ?? "failed" }));
  if (stageError) failed.push({ source: "transform/report", error: stageError });
  return {
    deployments: d?.ok ?? 0,
    failedDeployments: d?.failed ?? 0,
    incidents: i?.created ?? 0,
    resolved: i?.resolved ?? 0,
    crossed,
    failed,
    reportUrl: config.notify?.report_url,
  };
}

async function comparisonTargets(w: Warehouse): Promise<{ metric: string; service: string; target_met: boolean }[]> {
  const exists = await w.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE schema_name = 'metrics' AND table_name = 'pdp_comparison'");
  if (!exists?.n) return [];
  return w.all("SELECT metric, service, target_met FROM metrics.pdp_comparison WHERE target_met IS NOT NULL ORDER BY metric, service");
}

/** Targets whose met/missed state differs from the last digest's (a target seen for the first time is not news). */
async function crossedTargets(w: Warehouse): Promise<Digest["crossed"]> {
  const now = await comparisonTargets(w);
  const before = new Map(
    (await w.all<{ metric: string; service: string; target_met: boolean | null }>("SELECT metric, service, target_met FROM sync.notify_state")).map((r) => [`${r.metric}\0${r.service}`, r.target_met]),
  );
  return now.filter((r) => {
    const was = before.get(`${r.metric}\0${r.service}`);
    return was !== undefined && was !== null && was !== r.target_met;
  }).map((r) => ({ metric: r.metric, service: r.service, met: r.target_met }));
}

export function digestChanged(d: Digest): boolean {
  return d.deployments + d.failedDeployments + d.incidents + d.resolved + d.crossed.length + d.failed.length > 0;
}

/** The digest as short Markdown-ish lines (Slack mrkdwn, Mattermost and Teams all read `*bold*`/plain text). */
export function digestLines(d: Digest): string[] {
  const lines: string[] = [];
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  lines.push(`Since the last run: ${plural(d.deployments, "production deployment")}${d.failedDeployments ? ` (+${d.failedDeployments} failed)` : ""}, ${plural(d.incidents, "new incident")}, ${d.resolved} resolved.`);
  for (const c of d.crossed) lines.push(`${c.met ? "✅" : "⚠️"} ${c.metric}${c.service === "*" ? "" : ` (${c.service})`} ${c.met ? "now meets its target" : "no longer meets its target"}.`);
  for (const f of d.failed) lines.push(`❌ ${f.source} failed: ${redact(f.error).split("\n")[0]!.slice(0, 300)}`);
  if (d.reportUrl) lines.push(`Report: ${d.reportUrl}`);
  return lines;
}

/** The request body each incoming-webhook format expects. */
export function webhookBody(format: Notify["format"], d: Digest): unknown {
  const title = d.failed.length ? "dora nightly run: something failed" : "dora nightly run";
  const lines = digestLines(d);
  if (format === "teams") {
    // Teams Workflows ("Post to a channel when a webhook request is received") takes an Adaptive Card message.
    return {
      type: "message",
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          contentUrl: null,
          content: {
            $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
            type: "AdaptiveCard",
            version: "1.4",
            body: [{ type: "TextBlock", text: title, weight: "Bolder", size: "Medium", wrap: true }, ...lines.map((text) => ({ type: "TextBlock", text, wrap: true }))],
          },
        },
      ],
    };
  }
  const text = [`*${title}*`, ...lines].join("\n");
  return format === "mattermost" ? { text, username: "dora" } : { text };
}

/**
 * After `dora run`: sends the digest when something changed or failed. Never throws: a failure is
 * returned (and noted in sync.runs as source 'notify'), so the run's exit code stays the pipeline's.
 * The URL is read through readSecret, so it is redacted from every log line and error.
 */
export async function sendDigest(w: Warehouse, config: Config, runId: string, results: SourceResult[], stageError?: string): Promise<NotifyResult | undefined> {
  const notify = config.notify;
  if (!notify) return undefined;
  const started = new Date();
  let result: NotifyResult;
  try {
    const digest = await buildDigest(w, config, runId, results, stageError);
    if (!digestChanged(digest)) {
      result = { sent: false, note: "nothing changed or failed: no message" };
    } else {
      const url = readSecret(notify.url_env);
      const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(webhookBody(notify.format, digest)), signal: AbortSignal.timeout(30_000) });
      if (!response.ok) throw new Error(`${notify.format} webhook answered HTTP ${response.status}`);
      result = { sent: true, note: `${notify.format} digest sent` };
    }
    await saveState(w);
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    const message = redact(`${e.message}${e.cause?.code ? ` (${e.cause.code})` : ""}`);
    result = { sent: false, note: `chat digest not sent: ${message}`, error: message };
  }
  await w.upsert("sync.runs", [
    { run_id: runId, source: "notify", started_at: started, finished_at: new Date(), status: result.error ? "failure" : "success", rows: 0, requests: result.sent || result.error ? 1 : 0, error: result.error ?? null },
  ]);
  return result;
}

async function saveState(w: Warehouse): Promise<void> {
  const now = await comparisonTargets(w);
  await w.transaction(async () => {
    await w.run("DELETE FROM sync.notify_state");
    if (now.length) await w.upsert("sync.notify_state", now.map((r) => ({ ...r, updated_at: new Date() })));
    await w.run(`INSERT INTO sync.notify_seen SELECT k.kind, k.id FROM (${SEEN_KEYS}) k ANTI JOIN sync.notify_seen s ON s.kind = k.kind AND s.id = k.id`);
  });
}
