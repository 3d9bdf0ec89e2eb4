import { createHash } from "node:crypto";
import { html, raw, type Html } from "../html.ts";

/**
 * The page shell: inline CSS, an inline script allowed by hash in the Content-Security-Policy (so
 * nothing else can run, even if some text slipped through unescaped), and no external reference.
 */
export function page(options: { title: string; css: string; body: Html; script?: string; lang?: string }): string {
  const scriptHash = options.script ? `'sha256-${createHash("sha256").update(options.script).digest("base64")}'` : "'none'";
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src ${scriptHash}; base-uri 'none'; form-action 'none'`;
  return html`<!doctype html>
<html lang="${options.lang ?? "en"}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<title>${options.title}</title>
<style>${raw(options.css)}</style>
</head>
<body>
${options.body}
${options.script ? html`<script>${raw(options.script)}</script>` : ""}
</body>
</html>
`.value;
}

export const REPORT_CSS = `
:root { --ink:#1f2933; --muted:#616e7c; --faint:#9aa5b1; --line:#e4e7eb; --soft:#f5f7fa; --good:#0072B2; --bad:#D55E00; --good-bg:#e6f1f8; --bad-bg:#fbeee6; --neutral-bg:#eef0f3; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 28px 24px 64px; }
a { color: var(--good); }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9em; }
header.top h1 { font-size: 28px; line-height: 1.2; margin: 0 0 6px; letter-spacing: -.01em; }
header.top .sub { color: var(--muted); margin: 0; }
nav.toc { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 16px 0 0; padding: 10px 0; border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); font-size: 14px; }
nav.toc a { text-decoration: none; color: var(--muted); }
nav.toc a:hover, nav.toc a:focus { color: var(--good); text-decoration: underline; }
section { margin-top: 44px; }
h2 { font-size: 21px; margin: 0 0 6px; letter-spacing: -.005em; }
h3 { font-size: 16px; margin: 0; }
.lead { font-size: 17px; margin: 0 0 18px; }
.note { color: var(--muted); font-size: 13px; }
.note.collection-failed { color: var(--ink); background: var(--bad-bg); border-left: 4px solid var(--bad); padding: 6px 10px; }
.stale { border-left: 4px solid #d55e00; padding: 8px 12px; margin: 8px 0; }
.muted { color: var(--muted); }
.no-data { color: var(--muted); background: var(--soft); border: 1px dashed var(--line); border-radius: 6px; padding: 14px 16px; font-size: 14px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 14px; }
.card { border: 1px solid var(--line); border-left: 4px solid var(--faint); border-radius: 8px; padding: 14px 16px 12px; background: #fff; break-inside: avoid; }
.card header { display: flex; justify-content: space-between; align-items: baseline; gap: 8px; }
.card h3 { font-size: 14px; font-weight: 600; color: #3e4c59; }
.chip { font-size: 11.5px; font-weight: 600; white-space: nowrap; padding: 1px 8px; border-radius: 999px; background: var(--neutral-bg); color: var(--muted); }
.card.improved { border-left-color: var(--good); } .card.improved .chip { background: var(--good-bg); color: var(--good); }
.card.worse { border-left-color: var(--bad); } .card.worse .chip { background: var(--bad-bg); color: #a84300; }
.chip.improved { background: var(--good-bg); color: var(--good); } .chip.worse { background: var(--bad-bg); color: #a84300; }
h3.sub-h { margin: 26px 0 0; font-size: 16px; }
table.paths td, table.paths th { font-size: 13.5px; }
.card.insufficient-data { border-left-style: dashed; border-left-color: #cbd2d9; }
/* a long pair (99.891 % → 99.955 %, a cost with its unit) wraps inside the card instead of running past it */
.values { margin: 10px 0 0; font-size: 25px; line-height: 1.2; font-variant-numeric: tabular-nums; display: flex; flex-wrap: wrap; align-items: baseline; }
.values .from { color: var(--muted); font-weight: 500; }
.values .arrow { color: var(--faint); margin: 0 8px; }
.values .to { font-weight: 700; }
.values .unit { font-size: 13px; color: var(--muted); margin-left: 6px; }
.values.insufficient { font-size: 18px; color: var(--muted); font-style: italic; }
.change { font-weight: 600; margin: 2px 0 0; font-variant-numeric: tabular-nums; }
.change.good { color: var(--good); } .change.bad { color: var(--bad); } .change.neutral { color: var(--muted); }
.change .dir { font-weight: 400; color: var(--faint); font-size: 12px; }
.tier { margin: 6px 0 0; font-size: 13px; color: #3e4c59; }
.target { margin: 6px 0 0; font-size: 12.5px; font-weight: 600; display: inline-block; padding: 1px 8px; border-radius: 4px; border: 1px solid currentColor; }
.target.met { color: var(--good); background: var(--good-bg); } .target.not-met { color: #a84300; background: var(--bad-bg); } .target.not-assessed { color: var(--muted); background: var(--neutral-bg); border-style: dashed; }
td.over { color: #a84300; font-weight: 600; }
.budget-line { font-size: 14px; margin: 6px 0 12px; padding: 6px 10px; border-left: 4px solid var(--faint); background: var(--soft); }
.budget-line.over { border-left-color: var(--bad); background: var(--bad-bg); }
.sentence { margin: 8px 0 0; font-size: 13px; color: var(--muted); }
figure.chart { margin: 30px 0 0; break-inside: avoid; page-break-inside: avoid; }
figcaption h3 { font-size: 16px; }
figcaption .desc { margin: 2px 0 8px; color: var(--muted); font-size: 13.5px; max-width: 75ch; }
.chart-svg svg { display: block; max-width: 100%; height: auto; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 0 28px; }
.grid3 { display: grid; grid-template-columns: repeat(auto-fill, minmax(290px, 1fr)); gap: 0 22px; }
.grid3 figure.chart { margin-top: 18px; }
.grid3 figcaption h3 { font-size: 14px; word-break: break-word; }
.grid3 figcaption .desc { font-size: 12.5px; margin-bottom: 4px; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 0; margin: 6px 0 0; font-size: 12.5px; color: #3e4c59; }
.legend li { display: flex; align-items: center; gap: 6px; }
.key { display: inline-block; width: 12px; height: 12px; border-radius: 2px; background: var(--c); }
.key.line { width: 18px; height: 3px; border-radius: 2px; }
.key.dash { width: 18px; height: 0; border-top: 2px dashed var(--c); background: none; }
.key.band { width: 16px; height: 12px; opacity: .35; }
ol.milestones { margin: 6px 0 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: 2px 18px; font-size: 12.5px; color: #3e4c59; }
details.alt { margin-top: 6px; font-size: 13px; }
details.alt summary { cursor: pointer; color: var(--good); width: fit-content; }
details.alt[open] { max-height: 340px; overflow: auto; border: 1px solid var(--line); border-radius: 6px; padding: 4px 8px 8px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.data-table { font-size: 12.5px; }
.data-table th, .data-table td { padding: 2px 10px 2px 0; text-align: left; border-bottom: 1px solid var(--line); }
.table-wrap { overflow-x: auto; }
table.services, table.quality, table.facts-table { width: 100%; font-size: 14px; margin: 10px 0; }
table caption { text-align: left; color: var(--muted); font-size: 13px; padding-bottom: 6px; caption-side: top; }
table.services th, table.services td, table.quality th, table.quality td, table.facts-table th, table.facts-table td { padding: 7px 10px 7px 0; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
table.services thead th, table.quality thead th { font-size: 12.5px; color: var(--muted); font-weight: 600; }
table.services .change { display: block; font-size: 12.5px; margin: 0; }
table.facts-table th { width: 200px; color: #3e4c59; font-weight: 600; }
td.num { text-align: right; }
td.insufficient { color: var(--muted); font-style: italic; }
.filter { display: flex; align-items: center; gap: 10px; margin: 6px 0 10px; font-size: 14px; }
.filter select { font: inherit; padding: 4px 8px; border: 1px solid #cbd2d9; border-radius: 6px; background: #fff; }
.multiples { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 0 28px; }
.multiples figure.chart { margin-top: 22px; }
.multiples figcaption h3 { font-size: 15px; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.pair h4 { margin: 0 0 2px; font-size: 12px; font-weight: 600; color: var(--muted); }
ul.facts { padding-left: 20px; } ul.facts li { margin: 4px 0; }
tr.flag td.num { color: #a84300; }
dl.definitions { display: grid; grid-template-columns: 200px 1fr; gap: 6px 16px; font-size: 14px; margin: 12px 0 20px; }
dl.definitions dt { font-weight: 600; color: #3e4c59; }
dl.definitions dd { margin: 0; }
footer { margin-top: 48px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--line); padding-top: 12px; }
figure.timeline { margin: 6px 0 0; }
.tl { display: grid; grid-template-columns: minmax(0, 40%) minmax(0, 1fr); font-size: 13.5px; }
.tl-row { display: contents; }
.tl-label { padding: 5px 14px 5px 0; border-bottom: 1px solid var(--line); line-height: 1.35; }
.tl-label .code { display: inline-block; min-width: 26px; color: var(--ink); }
.tl-label .dates { display: block; color: var(--muted); font-size: 12px; }
.tl-track { position: relative; border-bottom: 1px solid var(--line); min-height: 28px; }
.tl-axis .tl-label { color: var(--muted); font-size: 12px; }
.tl-axis .tl-track, .tl-axis .tl-label { border-bottom: 1px solid var(--faint); }
.tl-tick { position: absolute; top: 4px; padding-left: 3px; border-left: 1px solid var(--faint); font-size: 11.5px; color: var(--muted); white-space: nowrap; line-height: 1.2; }
.tl-bar { position: absolute; top: 9px; height: 12px; border-radius: 3px; background: #52606d; }
.tl-phase.alt .tl-bar { background: #9aa5b1; }
.tl-window .tl-bar { background: var(--good); opacity: .35; }
.tl-diamond { position: absolute; top: 9px; width: 11px; height: 11px; margin-left: -5px; transform: rotate(45deg); background: var(--ink); }
.tl-ev { position: absolute; top: 5px; width: 10px; height: 10px; margin-left: -5px; border-radius: 50%; background: #E69F00; border: 1.5px solid #fff; }
ul.tl-evidence { margin: 4px 0 0; padding-left: 16px; font-size: 12.5px; color: #3e4c59; }
ul.tl-evidence li::marker { color: #E69F00; }
.ev-number { font-variant-numeric: tabular-nums; }
.phase-notes { margin-top: 14px; display: grid; gap: 8px; }
details.notes summary { cursor: pointer; font-size: 14px; }
.md { font-size: 13.5px; } .md p { margin: 4px 0; } .md ul, .md ol { margin: 4px 0; padding-left: 20px; }
dl.plan-key { margin: 6px 0 0; font-size: 12.5px; color: #3e4c59; }
dl.plan-key > div { display: flex; gap: 10px; align-items: baseline; }
dl.plan-key dt { font-weight: 600; color: var(--muted); min-width: 74px; }
dl.plan-key dd { margin: 0; display: flex; flex-wrap: wrap; gap: 2px 16px; }
table.scorecard { width: 100%; font-size: 14px; table-layout: fixed; }
table.scorecard col.c-measure { width: 25%; } table.scorecard col.c-num { width: 12%; } table.scorecard col.c-change { width: 23%; } table.scorecard col.c-target { width: 14%; } table.scorecard col.c-result { width: 14%; }
table.scorecard caption { font-size: 13.5px; }
table.scorecard th, table.scorecard td { padding: 7px 12px 7px 0; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
table.scorecard thead th { font-size: 12.5px; color: var(--muted); font-weight: 600; }
table.scorecard tbody th { font-weight: 600; color: #3e4c59; }
table.scorecard td.num { text-align: right; font-variant-numeric: tabular-nums; padding-right: 16px; }
table.scorecard .unit { color: var(--muted); font-size: 12px; }
table.scorecard .interval, table.scorecard .verdict, table.scorecard .cover { display: block; font-size: 12px; color: var(--muted); font-weight: 400; }
table.scorecard .change { font-weight: 600; }
.result { font-weight: 600; white-space: nowrap; }
.result.met { color: var(--good); } .result.not-met { color: #a84300; } .result.not-assessed, .result.no-target, .result.not-measured { color: var(--muted); font-weight: 500; }
ul.card-evidence { margin: 8px 0 0; padding: 6px 0 0 16px; border-top: 1px dashed var(--line); font-size: 12.5px; color: #3e4c59; }
ul.card-evidence li::marker { color: #E69F00; }
details.items { margin: 8px 0 0; font-size: 12.5px; }
details.items > summary { cursor: pointer; color: var(--good); }
.card:has(details.items[open]) { grid-column: 1 / -1; }
.items-filter { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; margin: 6px 0; }
.items-filter select, .items-filter input[type=search] { font: inherit; padding: 2px 6px; border: 1px solid #cbd2d9; border-radius: 5px; background: #fff; max-width: 100%; }
.items-wrap { max-height: 420px; overflow: auto; border: 1px solid var(--line); border-radius: 6px; }
.items-table { width: 100%; }
.items-table th { position: sticky; top: 0; background: #fff; }
/* cells keep their words whole; a narrow screen scrolls the list sideways inside its frame */
.items-table td, .items-table th { padding: 3px 8px; white-space: nowrap; overflow-wrap: normal; }
.items-table td.t { white-space: normal; min-width: 18ch; max-width: 48ch; }
button.items-more { margin-top: 6px; font: inherit; padding: 2px 10px; border: 1px solid #cbd2d9; border-radius: 5px; background: var(--soft); cursor: pointer; }
details.phone-fold > summary { display: none; }
details.collapse { margin-top: 12px; }
details.collapse > summary { cursor: pointer; color: var(--good); font-size: 14px; width: fit-content; }
.print-only { display: none; }
.print-only.interval { font-size: 11.5px; color: var(--muted); }
[hidden] { display: none !important; }
@media (max-width: 640px) {
  dl.definitions { grid-template-columns: 1fr; } .grid2, .multiples { grid-template-columns: 1fr; }
  main { padding: 18px 14px 48px; }
  .tl { grid-template-columns: minmax(0, 46%) minmax(0, 1fr); font-size: 12px; }
  .tl-tick.minor { display: none; }
  table.scorecard thead { display: none; } table.scorecard caption { display: block; }
  table.scorecard, table.scorecard tbody { display: block; }
  table.scorecard tr { display: grid; grid-template-columns: 1fr 1fr; gap: 0 12px; padding: 8px 0; border-bottom: 1px solid var(--line); }
  table.scorecard tbody th { grid-column: 1 / -1; }
  table.scorecard th, table.scorecard td { border: 0; padding: 2px 0; }
  table.scorecard td.num { text-align: left; }
  table.scorecard td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); font-size: 12px; }
  .cards, .grid3 { grid-template-columns: minmax(0, 1fr); } .card { min-width: 0; overflow-wrap: anywhere; } .values { font-size: 22px; }
  dl.plan-key > div { display: block; }
  details.phone-fold > summary { display: list-item; cursor: pointer; color: var(--good); font-size: 14px; margin: 10px 0; }
}
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  nav.toc, .filter, details.alt, details.items, .items-none { display: none !important; }
  .tl { font-size: 8.5pt; } .tl-track { min-height: 18pt; }
  table.scorecard { font-size: 9pt; } table.scorecard tr { break-inside: avoid; page-break-inside: avoid; }
  section { margin-top: 18pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .screen-only { display: none !important; }
  .print-only { display: block !important; }
  details.notes > *:not(summary) { display: block; }
  .collapse > summary { display: none; }
  .cards { grid-template-columns: repeat(2, 1fr); gap: 8pt; }
  .card { padding: 8pt 10pt; }
  .values { font-size: 18pt; }
  figure.chart, .card, tr { break-inside: avoid; page-break-inside: avoid; }
  .grid2 { grid-template-columns: 1fr 1fr; gap: 0 12pt; }
  .grid3 { grid-template-columns: 1fr 1fr 1fr; gap: 0 10pt; }
  .multiples { grid-template-columns: 1fr 1fr; gap: 0 12pt; }
  .chart-svg svg { max-width: 100%; height: auto; }
  a { color: inherit; text-decoration: none; }
}
`;

/** Service filter: works offline; with scripts off the select stays hidden and everything shows. */
export const REPORT_SCRIPT = `(function () {
  // a phone opens with the long groups folded (details.phone-fold); a tap opens them
  if (window.matchMedia && window.matchMedia("(max-width: 640px)").matches) {
    var folds = document.querySelectorAll("details.phone-fold");
    for (var f = 0; f < folds.length; f++) folds[f].open = false;
  }
})();
(function () {
  var box = document.getElementById("service-filter-box");
  var select = document.getElementById("service-filter");
  if (!box || !select) return;
  box.hidden = false;
  var status = document.createElement("span");
  status.className = "muted";
  status.setAttribute("aria-live", "polite");
  box.appendChild(status);
  function apply() {
    var value = select.value;
    var items = document.querySelectorAll("#services [data-service], #latency [data-service]");
    var shown = 0;
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      var keep = value === "" || el.getAttribute("data-service") === value;
      el.hidden = !keep;
      if (keep && el.tagName === "TR") shown++;
    }
    status.textContent = value === "" ? "" : "Showing " + shown + " of " + (select.options.length - 1) + " services";
  }
  select.addEventListener("change", apply);
  apply();
})();`;
