import { html, raw, type Html } from "../html.ts";

export type Cell = string | number | boolean | Date | null | undefined;

/** One chart of the report: its SVG plus everything needed to read it without seeing it. */
export interface ChartSpec {
  id: string;
  title: string;
  /** One sentence: what the chart shows and how to read it. */
  description: string;
  /** Serialized SVG, or null when there is nothing to draw (then `empty` says why). */
  svg: string | null;
  empty?: string;
  /** The data-table alternative shown under the chart. */
  table: { columns: string[]; rows: Cell[][] };
  /** The chart's data for report/data/<id>.csv (defaults to the table). */
  csv?: { columns: string[]; rows: Cell[][] };
  legend?: Html;
  service?: string;
  size?: "wide" | "half" | "third" | "small";
}

export function cellText(v: Cell): string {
  if (v == null) return "";
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
  return String(v);
}

export function dataTable(columns: string[], rows: Cell[][], options: { caption?: string; limit?: number } = {}): Html {
  const limit = options.limit ?? 400;
  const shown = rows.slice(0, limit);
  return html`<table class="data-table">${options.caption ? html`<caption>${options.caption}</caption>` : ""}
<thead><tr>${columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
<tbody>${shown.map((r) => html`<tr>${r.map((c) => html`<td>${cellText(c)}</td>`)}</tr>`)}</tbody></table>${
    rows.length > limit ? html`<p class="note">First ${limit} of ${rows.length} rows; all rows are in the CSV.</p>` : ""
  }`;
}

export function figure(spec: ChartSpec): Html {
  const body = spec.svg
    ? html`<div class="chart-svg">${raw(spec.svg)}</div>`
    : html`<p class="no-data">No data: ${spec.empty ?? "nothing to show for this chart."}</p>`;
  return html`<figure class="chart ${spec.size ?? "wide"}" id="chart-${spec.id}" data-chart="${spec.id}"${spec.service != null ? html` data-service="${spec.service}"` : ""}>
<figcaption><h3>${spec.title}</h3><p class="desc">${spec.description}</p></figcaption>
${body}${spec.legend ?? ""}
<details class="alt"><summary>Data table<span class="muted"> · ${spec.table.rows.length} rows · CSV: data/${spec.id}.csv</span></summary>
${spec.table.rows.length ? dataTable(spec.table.columns, spec.table.rows) : html`<p class="note">No rows.</p>`}</details>
</figure>`;
}

/** A small inline legend (HTML, so labels wrap and stay escaped). */
export function legend(items: { label: string; color: string; kind?: "swatch" | "line" | "dash" | "band" }[]): Html {
  return html`<ul class="legend">${items.map(
    (i) => html`<li><span class="key ${i.kind ?? "swatch"}" style="--c:${i.color}"></span>${i.label}</li>`,
  )}</ul>`;
}
