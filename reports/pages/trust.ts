import type { ReportData } from "../data.ts";
import { dateRange, isoDate } from "../format.ts";
import { html, type Html } from "../html.ts";
import type { ChartSpec } from "./figure.ts";

const pct = (a: number, b: number) => (b > 0 ? (a === 0 ? "0 %" : `${((a / b) * 100).toFixed(a / b < 0.1 ? 1 : 0)} %`) : "–");

/** The headline facts of data quality, each with its denominator. */
export function qualityFacts(data: ReportData): Html[] {
  const links = new Map(data.links.map((l) => [l.link_kind, l.incidents]));
  const incidents = [...links.values()].reduce((a, b) => a + b, 0);
  const dwc = data.deploymentsWithChanges;
  const facts: Html[] = [];
  if (dwc) facts.push(html`<li><b>${pct(dwc.with_changes, dwc.deployments)}</b> of production deployments carry at least one change with a known start (${dwc.with_changes} of ${dwc.deployments}); the others count for frequency and failure rate but not for lead time.</li>`);
  if (incidents)
    facts.push(
      html`<li>Incidents linked to a deployment: <b>${links.get("explicit") ?? 0}</b> explicitly (a reference in the incident), <b>${links.get("heuristic") ?? 0}</b> by the time-window heuristic, <b>${links.get("none") ?? 0}</b> not linked (of ${incidents}).</li>`,
    );
  return facts;
}

/** The slide version: the facts, then the checks that found something, without the table. */
export function qualitySlide(data: ReportData): Html {
  const flagged = data.quality.filter((q) => q.failing_rows).sort((a, b) => (b.failing_rows ?? 0) / (b.total_rows || 1) - (a.failing_rows ?? 0) / (a.total_rows || 1)).slice(0, 2);
  return html`<p class="kicker">Data quality</p><h2>What to keep in mind when reading these numbers</h2>
<ul class="facts">${qualityFacts(data)}${flagged.map((q) => html`<li>${q.description ?? q.check_name}: <b>${q.failing_rows}</b> of ${q.total_rows ?? "?"} (${q.total_rows ? pct(q.failing_rows ?? 0, q.total_rows) : "–"}).</li>`)}</ul>`;
}

/** Facts from metrics.data_quality and the item tables, shown with their denominators. */
export function qualitySection(data: ReportData): Html {
  const facts = qualityFacts(data);
  return html`<section id="quality" aria-labelledby="quality-h">
<h2 id="quality-h">Data quality</h2>
<p class="lead">How far the numbers above can be trusted: what was matched, what was guessed and what was left out.</p>
${facts.length ? html`<ul class="facts">${facts}</ul>` : ""}
${
  data.quality.length
    ? html`<div class="table-wrap"><table class="quality"><caption>Checks from metrics.data_quality</caption>
<thead><tr><th scope="col">Check</th><th scope="col">What it finds</th><th scope="col">Rows found</th><th scope="col">Of</th><th scope="col">Share</th></tr></thead>
<tbody>${data.quality.map(
        (q) => html`<tr class="${q.failing_rows ? "flag" : ""}"><th scope="row"><code>${q.check_name}</code></th><td>${q.description ?? ""}</td><td class="num">${q.failing_rows ?? "–"}</td><td class="num">${q.total_rows ?? "–"}</td><td class="num">${
          q.failing_rows != null && q.total_rows ? pct(q.failing_rows, q.total_rows) : "–"
        }</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="no-data">No data: metrics.data_quality is ${data.missing.includes("metrics.data_quality") ? "absent" : "empty"}.</p>`
}
${data.missing.length ? html`<p class="note">Tables not found in the warehouse (their sections say "no data"): ${data.missing.map((m, i) => html`${i ? ", " : ""}<code>${m}</code>`)}.</p>` : ""}
</section>`;
}

const DEFINITIONS: [string, string][] = [
  ["Deployment", "A successful deployment to a production environment, counted once per deployment id. A job failing before it ships is not a deployment."],
  ["Deployment frequency", "Production deployments per week over a window; the DORA tier is read from the median number of days per week with a deployment."],
  ["Lead time for changes", "Counted per change, where a change is a merged pull request (all its commits together, however it was merged: merge commit, squash or rebase) or a commit that reached production without a pull request. A local git clone has no pull-request data and knows a pull request only from its merge commit or its squash subject, so there each commit of a rebase-merged pull request is its own change. Lead time is the finish of the first successful production deployment holding the change minus its start: the author time of the pull request's first commit, or the commit time of a commit without one. The stages coding, pickup, review and deploy are measured on the same changes. Headline: the median."],
  ["Change failure rate", "Failed production deployments ÷ production deployments. A deployment failed when an incident is linked to it (explicit reference first, else the last production deployment of the service within the incident window) or when it was rolled back, reverted or hot-fixed."],
  ["Time to restore", "Per incident, resolved minus created; an incident still open counts as lasting at least until it was last seen (see “Open incidents” below). Headline: the Kaplan–Meier median."],
  ["Time to acknowledge", "Per page, acknowledged minus created; a page never acknowledged counts as waiting at least until it was resolved or last seen. Headline: the Kaplan–Meier median, in minutes."],
  ["Pages per week", "Pages (incidents that paged someone) per week; after hours means outside the configured working hours."],
  ["p99 latency", "Per key path, histogram_quantile(0.99) over the bucket counts summed across the window (never an average of p99s)."],
  ["SLO attainment", "Share of requests at or under the key path's threshold over the window."],
  ["Availability", "Good requests ÷ all requests over the period, summed across services (request-weighted); shown with as many decimals as its nines need (99.955 %)."],
  ["Error budget spent", "A window's failed requests ÷ the failures its availability target allowed ((1 − target) × requests); above 100 % the target was missed."],
  ["Burn-rate episodes", "Stretches in which the error budget burned faster than a multi-window threshold (e.g. 14.4× over 1 h and 5 min); page severity for the fast pairs, ticket for the slow ones."],
  ["Pipeline time", "Per production deployment, pipeline finish minus pipeline start, in minutes; the median and the p90 (the slow tail)."],
  ["Cost per transaction", "Infrastructure cost ÷ transactions; tiny values are shown per 1,000 transactions."],
  ["Targets", "The plan's target for a measure, read against the final window (or the change from the baseline): met, not met, or not assessed when the data are too few."],
];

/**
 * How before and after are compared: each rule in plain words, then the one-line reason for it. The
 * statistics themselves are in transforms/lib/stats.ts; these words must say what they do.
 */
export const COMPARISON_RULES: { rule: string; text: string; reason: string }[] = [
  {
    rule: "Windows",
    text: "The baseline window is compared with the final window. The two never share a day: a config whose windows overlap is refused, naming both. A baseline before the plan's start is allowed.",
    reason: "a day counted in both windows would be compared with itself and hide any change.",
  },
  {
    rule: "Progress so far (interim)",
    text: "Until the final window has ended, the baseline is compared with the latest complete window of the same length, and every sentence, card and slide says “interim”. Before the plan starts, or while such a window does not yet fit after the baseline, there is no verdict.",
    reason: "a monthly check-in should see progress without mistaking it for the plan's result.",
  },
  {
    rule: "Coverage",
    text: "Counts per week divide by the days of a window that have data, not by its length, and the sentence says so (“data for 41 of 61 days”) when a window is not fully covered.",
    reason: "a source collected from the middle of a window, or an outage, would otherwise read as a fall.",
  },
  {
    rule: "Medians",
    text: "Lead time, recovery time and pipeline time compare medians: the interval of the % change comes from 2,000 bootstrap resamples of the items, the p-value from a Mann-Whitney rank test.",
    reason: "durations are skewed, and a median and a rank test are not moved by a few extreme cases.",
  },
  {
    rule: "Open incidents",
    text: "An incident still open at the end of the data (a page never acknowledged) is not dropped: it counts as lasting at least until it was last seen (“censored”), and the median is the Kaplan–Meier median. The sentence says how many were still open in each window; “not reached” means more than half were. The test is the log-rank test.",
    reason: "open incidents are the longest ones; leaving them out would make a window look faster than it was.",
  },
  {
    rule: "Shares",
    text: "Change failure rate, rework rate and the share of pages after hours get an interval of the difference between the two windows' shares, in percentage points (Newcombe's hybrid score method), and a two-proportion test.",
    reason: "the question is whether the share changed, which an interval of the final share alone cannot answer.",
  },
  {
    rule: "Day-level bootstrap",
    text: "Availability, error budget, SLO attainment and p99 latency are compared over days: each window's days are drawn again at random, with replacement, 2,000 times, and the measure is recomputed from the summed request counts and latency buckets of the drawn days. The middle 95 % of the results is the interval, and n is the number of days. No minimum size of change is applied.",
    reason: "requests of one day share its deployments, load and incidents, so they are not independent; treating a million requests as a million observations calls any change certain.",
  },
  {
    rule: "Counts per week",
    text: "Deployments, pages and burn-rate episodes per week are compared as a rate ratio (Poisson), with its 95 % interval and an exact test.",
    reason: "counts of events over different numbers of days compare fairly only as rates.",
  },
  {
    rule: "q, not only p",
    text: "Each table tests many measures at once: the headline cards, the per-service table, the key paths, the KPIs. q is each row's p adjusted across the rows of its table (Benjamini–Hochberg). A row is called improved or worse only when q is below 0.05 and its 95 % interval excludes no change; otherwise it reads “no clear change”.",
    reason: "among dozens of rows some pass p < 0.05 by chance alone; q keeps the expected share of such false findings among the rows called improved or worse at 5 % or less.",
  },
  {
    rule: "Too few data",
    text: "With fewer observations than the minimum sample in either window the verdict is “insufficient data”, with no change, interval or tier.",
    reason: "a handful of items gives an interval too wide to say anything.",
  },
  {
    rule: "Not measured",
    text: "A measure whose source is not configured reads “not measured” and names the config key that would measure it, never 0 % and never a DORA tier. Without an incident source, change failure rate counts rollbacks and hotfixes only, says so wherever it is shown, and gets no tier.",
    reason: "a source that is not there has recorded nothing, which is not the same as nothing having happened.",
  },
];

/** The comparison rules as a definition list (report) or a short list (slides). */
export function comparisonRules(): Html {
  return html`<dl class="definitions rules">${COMPARISON_RULES.map((r) => html`<dt>${r.rule}</dt><dd>${r.text} <span class="reason">Why: ${r.reason}</span></dd>`)}</dl>`;
}

const utc = (d: Date) => `${d.toISOString().replace("T", " ").slice(0, 16)} UTC`;

/** Sources whose newest collection failed or was abandoned (a run still going is not a failure). */
export function failedCollections(data: ReportData): ReportData["collections"] {
  return data.collections.filter((c) => c.newest_status !== "success" && c.newest_status !== "running");
}

/** A banner when the newest run of any source failed: its figures are older than the last run. */
export function collectionBanner(data: ReportData): Html | string {
  const failed = failedCollections(data);
  if (!failed.length) return "";
  return html`<p class="note collection-failed" role="status"><b>The newest collection failed</b> for ${failed.map(
    (c, i) =>
      html`${i ? "; " : ""}${c.source} (${c.newest_status}${c.newest_at ? `, started ${utc(c.newest_at)}` : ""}): its figures come from ${c.last_success ? `its last successful collection, ${utc(c.last_success)}` : "no successful collection"}`,
  )}. See sync.runs for the error.</p>`;
}

export interface MethodsInfo {
  generatedAt: Date;
  toolVersion: string;
}

export function methodsSection(data: ReportData, info: MethodsInfo, charts: ChartSpec[]): Html {
  const s = data.settings;
  const w = data.windows;
  const lastSync = data.lastSync?.finished_at;
  const interim = data.comparison.some((r) => r.window_kind === "interim");
  return html`<section id="methods" aria-labelledby="methods-h">
<h2 id="methods-h">Methods</h2>
<dl class="definitions">${DEFINITIONS.map(([t, d]) => html`<dt>${t}</dt><dd>${d}</dd>`)}</dl>
<h3 id="comparison-rules-h">How before and after are compared</h3>
${comparisonRules()}
<div class="table-wrap"><table class="facts-table"><tbody>
<tr><th scope="row">Plan</th><td>${w.plan ? dateRange(w.plan.from, w.plan.to) : "not configured"}</td></tr>
<tr><th scope="row">Baseline window</th><td>${w.baseline ? dateRange(w.baseline.from, w.baseline.to) : "not configured"}</td></tr>
<tr><th scope="row">${interim ? "Compared window (interim)" : "Final window"}</th><td>${w.final ? dateRange(w.final.from, w.final.to) : "not configured"}${interim ? "; the final window has not ended, so this is the latest complete window of its length" : ""}</td></tr>
<tr><th scope="row">Phases</th><td>${data.phases.length ? data.phases.map((p, i) => html`${i ? "; " : ""}${p.name} (${isoDate(p.from)} – ${isoDate(p.to)})`) : "none configured"}</td></tr>
<tr><th scope="row">Data range</th><td>${data.dataRange.from ? html`weeks starting ${dateRange(data.dataRange.from, data.dataRange.to)}` : "no weekly data"}</td></tr>
<tr><th scope="row">Weekly charts</th><td>${data.partialWeeks.length ? html`Weeks only partly covered by the data are left out (weeks starting ${data.partialWeeks.map((d, i) => html`${i ? ", " : ""}${isoDate(d)}`)}).` : "All weeks are complete."} Rolling medians span 5 weeks.</td></tr>
<tr><th scope="row">DORA tiers</th><td>${s.tierYear ? `${s.tierYear} report thresholds` : "not set"} (verify against dora.dev before relying on them)</td></tr>
<tr><th scope="row">Minimum sample</th><td>${s.minSample ?? "–"} observations per window</td></tr>
<tr><th scope="row">Time zone</th><td>${s.timezone}; weeks start on Monday</td></tr>
<tr><th scope="row">Data last collected</th><td>${
    data.collections.length
      ? html`last successful collection per source: ${data.collections.map((c, i) => html`${i ? "; " : ""}${c.source} ${c.last_success ? utc(c.last_success) : "never"}`)}`
      : lastSync
        ? utc(lastSync)
        : "no collection run recorded"
  }</td></tr>
<tr><th scope="row">Config fingerprint</th><td><code>${s.fingerprint ?? "not recorded"}</code></td></tr>
<tr><th scope="row">Generated</th><td>${info.generatedAt.toISOString().replace("T", " ").slice(0, 16)} UTC</td></tr>
<tr><th scope="row">Tool version</th><td>dora ${info.toolVersion}</td></tr>
</tbody></table></div>
<p class="note">Every chart has its data in <code>data/&lt;chart&gt;.csv</code> beside this file: ${charts.length} files.</p>
</section>`;
}
