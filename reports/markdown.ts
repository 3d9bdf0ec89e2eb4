import { escapeHtml, raw, type Html } from "./html.ts";

/**
 * A small, safe Markdown subset for the engineer's notes: headings, paragraphs, bullet and numbered
 * lists, **bold**, *italic*, `code` and [links](https://…). Safe by construction: every character of
 * the source is escaped first, raw HTML therefore shows as text, images (remote content) render as
 * their alt text, and a link is kept only when its target is http(s) or mailto (no javascript:,
 * data: or relative URLs). The page's Content-Security-Policy blocks any script besides its own.
 */
export function renderMarkdown(source: string): Html {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  let para: string[] = [];
  let list: { tag: "ul" | "ol"; items: string[] } | null = null;
  const flushPara = () => {
    if (para.length) out.push(`<p>${inline(para.join(" "))}</p>`);
    para = [];
  };
  const flushList = () => {
    if (list) out.push(`<${list.tag}>${list.items.map((i) => `<li>${inline(i)}</li>`).join("")}</${list.tag}>`);
    list = null;
  };
  for (const line of lines) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (!line.trim()) {
      flushPara();
      flushList();
    } else if (heading) {
      flushPara();
      flushList();
      // Notes sit under the report's own h2/h3, so their headings start at h4.
      const level = Math.min(6, heading[1]!.length + 3);
      out.push(`<h${level}>${inline(heading[2]!)}</h${level}>`);
    } else if (bullet || numbered) {
      flushPara();
      const tag = bullet ? "ul" : "ol";
      if (list && list.tag !== tag) flushList();
      list ??= { tag, items: [] };
      list.items.push((bullet ?? numbered)![1]!);
    } else if (list && /^\s{2,}\S/.test(line)) {
      list.items[list.items.length - 1] += ` ${line.trim()}`;
    } else {
      flushList();
      para.push(line.trim());
    }
  }
  flushPara();
  flushList();
  return raw(out.join("\n"));
}

const SAFE_URL = /^(https?:\/\/|mailto:)[^\s"'<>`]+$/i;

/** Inline spans of one block, from escaped text (so the markup added here is the only markup). */
function inline(text: string): string {
  const codes: string[] = [];
  let s = escapeHtml(text).replace(/`([^`]+)`/g, (_, c: string) => `\uE000${codes.push(`<code>${c}</code>`) - 1}\uE000`);
  // Images are remote content: only their alt text is kept.
  s = s.replace(/!\[([^\]]*)\]\(([^)\s]*)(?:\s+&quot;[^&]*&quot;)?\)/g, (_, alt: string) => alt);
  s = s.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (whole: string, label: string, href: string) => {
    const url = href.replace(/&(amp|quot|#39|lt|gt);/g, (_, e: string) => ({ amp: "&", quot: '"', "#39": "'", lt: "<", gt: ">" })[e]!);
    return SAFE_URL.test(url) ? `<a href="${escapeHtml(url)}" rel="noopener noreferrer">${label}</a>` : label;
  });
  s = s.replace(/\*\*([^*]+)\*\*|__([^_]+)__/g, (_, a?: string, b?: string) => `<strong>${a ?? b}</strong>`);
  s = s.replace(/(^|[^*\w])\*([^*\s][^*]*)\*(?!\w)|(^|[^_\w])_([^_\s][^_]*)_(?!\w)/g, (_, p1?: string, a?: string, p2?: string, b?: string) => `${p1 ?? p2 ?? ""}<em>${a ?? b}</em>`);
  return s.replace(/\uE000(\d+)\uE000/g, (_, i: string) => codes[Number(i)]!);
}
