import type { ReportData } from "../data.ts";
import { formatValue } from "../format.ts";
import { html, raw, type Html } from "../html.ts";

/**
 * The evidence behind a card's number: the deployments, changes or incidents of the baseline and
 * final windows, each with a link to its page at the source. The rows travel once, as JSON in a
 * non-executing script element, and a list is drawn only when its card's <details> is opened, so a
 * report with thousands of items stays small and opens fast.
 */
export type ListName = "deployments" | "changes" | "incidents";

export interface ListSpec {
  list: ListName;
  /** Rows with this flag are what the number counts (a failed deployment for the failure rate); the list opens filtered to them. */
  focus?: "failed" | "rework";
}

/** Which list stands behind which card. */
export const CARD_LISTS: Record<string, ListSpec> = {
  deployment_frequency: { list: "deployments" },
  change_failure_rate: { list: "deployments", focus: "failed" },
  rework_rate: { list: "deployments", focus: "rework" },
  lead_time: { list: "changes" },
  time_to_restore: { list: "incidents" },
  time_to_acknowledge: { list: "incidents" },
  pages_per_week: { list: "incidents" },
};

const NOUN: Record<ListName, string> = { deployments: "deployments", changes: "changes", incidents: "incidents" };

/**
 * One row of a list as the page script reads it: window, service, local time, title, url, flags
 * (space-separated: failed, rework, open, excluded), then the list's own cells.
 */
type ItemRow = [string, string, string, string, string | null, string, ...string[]];

export interface ItemList {
  /** Headers of the list's own cells, after Window, Service, When and the title. */
  columns: string[];
  /** Header of the time and of the title column. */
  when: string;
  title: string;
  rows: ItemRow[];
}

const hours = (h: number | null) => (h == null ? "–" : formatValue(h, "hours"));

const built = new WeakMap<ReportData, Record<ListName, ItemList>>();

/** The three lists of the report, with local times in the configured zone (built once per report). */
export function itemLists(data: ReportData): Record<ListName, ItemList> {
  let lists = built.get(data);
  if (!lists) built.set(data, (lists = buildLists(data)));
  return lists;
}

function buildLists(data: ReportData): Record<ListName, ItemList> {
  const local = localTime(data.settings.timezone);
  const { deployments, changes, incidents } = data.itemLists;
  return {
    deployments: {
      when: "Deployed",
      title: "Deployment",
      columns: ["Failed", "Rework"],
      rows: deployments.map((d) => [
        d.window_name,
        d.service,
        local(d.finished_at),
        d.title ?? "(untitled)",
        d.url,
        [d.is_failed ? "failed" : "", d.is_rework ? "rework" : ""].filter(Boolean).join(" "),
        d.is_failed ? (d.failed_reason ?? "yes") : "",
        d.is_rework ? "yes" : "",
      ]),
    },
    changes: {
      when: "Deployed",
      title: "Change",
      columns: ["Lead time", "Commits"],
      rows: changes.map((c) => [
        c.window_name,
        c.service,
        local(c.deployed_at),
        c.title ?? "(untitled)",
        c.url,
        // a negative lead time (clock skew, a rebased date) is listed but left out of the statistics
        c.lead_time_hours != null && c.lead_time_hours < 0 ? "excluded" : "",
        c.lead_time_hours != null && c.lead_time_hours < 0 ? "left out (negative)" : hours(c.lead_time_hours),
        c.commits == null ? "" : String(Number(c.commits)),
      ]),
    },
    incidents: {
      when: "Opened",
      title: "Incident",
      columns: ["Restored in", "Acknowledged in", "Caused by a deployment"],
      rows: incidents.map((i) => [
        i.window_name,
        i.service,
        local(i.created_at),
        i.title ?? "(untitled)",
        i.url,
        i.is_open ? "open" : "",
        i.is_open ? "still open" : hours(i.restore_hours),
        i.ack_minutes == null ? "–" : formatValue(i.ack_minutes, "minutes"),
        i.link_kind && i.link_kind !== "none" ? `yes (${i.link_kind} link)` : "no link",
      ]),
    },
  };
}

/** "2026-03-04 14:05" in the report's zone. */
function localTime(timeZone: string): (d: Date) => string {
  const f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  return (d) => {
    const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
  };
}

/**
 * The lists as a JSON script element. `<`, `>`, `&` and the two JavaScript line separators are
 * written as \u escapes, so no value (a title "</script><script>…") can end the element.
 */
export function itemListsData(lists: Record<ListName, ItemList>): Html {
  const json = JSON.stringify(lists).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return html`<script type="application/json" id="item-lists-data">${raw(json)}</script>`;
}

/** The <details> under a card that opens its list; nothing for a card without one. */
export function itemListToggle(metric: string, lists: Record<ListName, ItemList>): Html | string {
  const spec = CARD_LISTS[metric];
  if (!spec) return "";
  const list = lists[spec.list];
  const many = NOUN[spec.list];
  const count = (w: string) => {
    const rows = list.rows.filter((r) => r[0] === w);
    const flagged = spec.focus ? ` (${rows.filter((r) => r[5].split(" ").includes(spec.focus!)).length} ${spec.focus})` : "";
    return `${rows.length} ${w}${flagged}`;
  };
  if (!list.rows.length) return html`<p class="items-none muted">No ${many} in the two windows.</p>`;
  return html`<details class="items" data-list="${spec.list}"${spec.focus ? html` data-focus="${spec.focus}"` : ""}>
<summary>List the ${many}: ${count("baseline")}, ${count("final")}</summary>
<div class="items-body"><p class="muted">The list opens with scripts on; the same rows are in <code>evidence/${spec.list}.csv</code> beside this report.</p></div>
</details>`;
}

/** The CSV of a list: what the page shows, with the url in its own column. */
export function itemListCsv(list: ItemList): { columns: string[]; rows: (string | null)[][] } {
  return {
    columns: ["window", "service", list.when.toLowerCase(), list.title.toLowerCase(), "url", ...list.columns.map((c) => c.toLowerCase())],
    rows: list.rows.map((r) => [r[0], r[1], r[2], r[3], r[4], ...r.slice(6)]),
  };
}

/**
 * Draws a list when its <details> first opens: filters by window, service, flag and text, at most
 * LIMIT rows until "show all". Links are made with the DOM (never innerHTML), and only for http(s).
 */
export const ITEM_LISTS_SCRIPT = `(function () {
  var src = document.getElementById("item-lists-data");
  if (!src) return;
  var data = null;
  var LIMIT = 200;
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text != null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function draw(box) {
    data = data || JSON.parse(src.textContent);
    var list = data[box.getAttribute("data-list")];
    var focus = box.getAttribute("data-focus");
    var body = box.querySelector(".items-body");
    body.textContent = "";
    var bar = el("div", null, "items-filter");
    var win = el("select");
    [["", "Both windows"], ["baseline", "Baseline"], ["final", "Final"]].forEach(function (o) { var op = el("option", o[1]); op.value = o[0]; win.appendChild(op); });
    win.setAttribute("aria-label", "Window");
    var svc = el("select");
    svc.setAttribute("aria-label", "Service");
    var all = el("option", "All services"); all.value = ""; svc.appendChild(all);
    var names = {};
    list.rows.forEach(function (r) { names[r[1]] = true; });
    Object.keys(names).sort().forEach(function (s) { var op = el("option", s); op.value = s; svc.appendChild(op); });
    var text = el("input");
    text.type = "search"; text.placeholder = "Filter by title"; text.setAttribute("aria-label", "Filter by title");
    bar.appendChild(win); bar.appendChild(svc); bar.appendChild(text);
    var only = null;
    if (focus) {
      var label = el("label");
      only = el("input"); only.type = "checkbox"; only.checked = true;
      label.appendChild(only); label.appendChild(document.createTextNode(" " + focus + " only"));
      bar.appendChild(label);
    }
    var status = el("span", null, "muted");
    status.setAttribute("aria-live", "polite");
    bar.appendChild(status);
    body.appendChild(bar);
    var wrap = el("div", null, "table-wrap items-wrap");
    var table = el("table", null, "data-table items-table");
    var head = el("tr");
    ["Window", "Service", list.when, list.title].concat(list.columns).forEach(function (c) { var th = el("th", c); th.scope = "col"; head.appendChild(th); });
    var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
    var tbody = el("tbody"); table.appendChild(tbody);
    wrap.appendChild(table);
    body.appendChild(wrap);
    var more = el("button", null, "items-more"); more.type = "button"; more.hidden = true;
    body.appendChild(more);
    var limit = LIMIT;
    function render() {
      var w = win.value, s = svc.value, q = text.value.trim().toLowerCase();
      var rows = list.rows.filter(function (r) {
        return (!w || r[0] === w) && (!s || r[1] === s) && (!q || r[3].toLowerCase().indexOf(q) >= 0)
          && (!only || !only.checked || r[5].split(" ").indexOf(focus) >= 0);
      });
      tbody.textContent = "";
      rows.slice(0, limit).forEach(function (r) {
        var tr = el("tr");
        tr.appendChild(el("td", r[0]));
        tr.appendChild(el("td", r[1]));
        tr.appendChild(el("td", r[2]));
        var td = el("td", null, "t");
        if (typeof r[4] === "string" && /^https?:\\/\\//i.test(r[4])) {
          var a = el("a", r[3]); a.href = r[4]; a.rel = "noopener noreferrer"; a.target = "_blank"; td.appendChild(a);
        } else td.textContent = r[3];
        tr.appendChild(td);
        for (var i = 6; i < r.length; i++) tr.appendChild(el("td", r[i]));
        tbody.appendChild(tr);
      });
      status.textContent = rows.length > limit ? "Showing " + limit + " of " + rows.length : rows.length + " shown of " + list.rows.length;
      more.hidden = rows.length <= limit;
      more.textContent = "Show all " + rows.length;
    }
    [win, svc, only].forEach(function (c) { if (c) c.addEventListener("change", function () { limit = LIMIT; render(); }); });
    text.addEventListener("input", function () { limit = LIMIT; render(); });
    more.addEventListener("click", function () { limit = Infinity; render(); });
    render();
  }
  var boxes = document.querySelectorAll("details.items[data-list]");
  for (var i = 0; i < boxes.length; i++) {
    (function (box) {
      box.addEventListener("toggle", function () {
        if (box.open && !box.getAttribute("data-drawn")) { box.setAttribute("data-drawn", "1"); draw(box); }
      });
    })(boxes[i]);
  }
})();`;
