import type { ReportData } from "../data.ts";
import { longDate } from "../format.ts";
import { html, type Html } from "../html.ts";

/** An evidence item as one line of text: title, its number, date, link. */
export function evidenceLine(e: ReportData["evidence"][number], options: { date?: boolean } = {}): Html {
  return html`<span class="ev-title">${e.link ? html`<a href="${e.link}" rel="noopener noreferrer">${e.title}</a>` : e.title}</span>${
    e.number != null ? html` <b class="ev-number">${formatEvidenceNumber(e.number, e.unit)}</b>` : ""
  }${options.date === false ? "" : html` <span class="muted">${longDate(e.date)}</span>`}`;
}

export function formatEvidenceNumber(n: number, unit: string | null): string {
  const s = Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 2 });
  return unit ? `${s}\u00a0${unit}` : s;
}
