// Inputs for `view(…)` in the notebooks. Observable Inputs would come from a CDN at run time, so these
// are plain elements with a `value` that dispatch "input", which is all `view` needs.

export interface SelectOptions {
  label: string;
  value?: string;
  /** Text shown for an option, e.g. "*" → "all services". */
  format?: (value: string) => string;
  doc?: Document;
}

type ValueElement<T> = HTMLElement & { value: T };

/** A labelled <select>; its value is the selected option. */
export function select(options: string[], { label, value, format = (v) => v, doc = document }: SelectOptions): ValueElement<string> {
  if (options.length === 0) throw new Error(`select ${label}: no options`);
  const form = doc.createElement("form");
  form.className = "dora-controls";
  const wrapper = form.appendChild(doc.createElement("label"));
  wrapper.append(`${label} `);
  const input = wrapper.appendChild(doc.createElement("select"));
  input.name = label;
  for (const option of options) {
    const el = input.appendChild(doc.createElement("option"));
    el.value = option;
    el.textContent = format(option);
  }
  input.value = value !== undefined && options.includes(value) ? value : options[0]!;
  form.addEventListener("submit", (event) => event.preventDefault());
  input.addEventListener("change", () => form.dispatchEvent(new Event("input", { bubbles: true })));
  return Object.defineProperty(form, "value", { get: () => input.value, set: (v: string) => void (input.value = v) }) as ValueElement<string>;
}

export interface DateRange {
  from: Date;
  to: Date;
}

/** "YYYY-MM-DD" of d's UTC day. */
export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** A "YYYY-MM-DD" day as a Date at UTC midnight. */
export function parseDay(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
}

/** Two <input type=date>; its value is { from, to } (UTC days, inclusive, at UTC midnight). */
export function dateRange(min: Date, max: Date, { label = "dates", doc = document }: { label?: string; doc?: Document } = {}): ValueElement<DateRange> {
  if (!(min <= max)) throw new Error(`dateRange ${label}: min ${String(min)} is after max ${String(max)}`);
  const form = doc.createElement("form");
  form.className = "dora-controls";
  const make = (name: string, initial: Date) => {
    const wrapper = form.appendChild(doc.createElement("label"));
    wrapper.append(`${name} `);
    const input = wrapper.appendChild(doc.createElement("input"));
    input.type = "date";
    input.name = `${label}-${name}`;
    input.min = isoDay(min);
    input.max = isoDay(max);
    input.value = isoDay(initial);
    input.addEventListener("change", () => form.dispatchEvent(new Event("input", { bubbles: true })));
    return input;
  };
  const from = make("from", min);
  const to = make("to", max);
  form.addEventListener("submit", (event) => event.preventDefault());
  return Object.defineProperty(form, "value", {
    get: (): DateRange => {
      const a = parseDay(from.value) ?? min;
      const b = parseDay(to.value) ?? max;
      return a <= b ? { from: a, to: b } : { from: b, to: a };
    },
  }) as ValueElement<DateRange>;
}

export interface Column<T> {
  key: keyof T & string;
  label?: string;
  format?: (value: unknown, row: T) => string;
  numeric?: boolean;
}

/** A plain HTML table of rows (first `limit` rows, with a note when more exist). */
export function table<T extends Record<string, unknown>>(rows: T[], columns: Column<T>[], { limit = 50, doc = document } = {}): HTMLElement {
  const figure = doc.createElement("figure");
  const el = figure.appendChild(doc.createElement("table"));
  el.className = "dora";
  const head = el.createTHead().insertRow();
  for (const c of columns) {
    const th = head.appendChild(doc.createElement("th"));
    th.textContent = c.label ?? c.key;
    if (c.numeric) th.className = "num";
  }
  const body = el.createTBody();
  for (const row of rows.slice(0, limit)) {
    const tr = body.insertRow();
    for (const c of columns) {
      const td = tr.insertCell();
      const v = row[c.key];
      td.textContent = c.format ? c.format(v, row) : v == null ? "" : v instanceof Date ? isoDay(v) : String(v);
      if (c.numeric) td.className = "num";
    }
  }
  if (rows.length === 0 || rows.length > limit) {
    const note = figure.appendChild(doc.createElement("figcaption"));
    note.className = "dora-note";
    note.textContent = rows.length === 0 ? "no rows for this selection" : `${limit} of ${rows.length} rows`;
  }
  return figure;
}
