/** The visible text of an HTML page or fragment (scripts, styles and SVG left out), whitespace and no-break spaces collapsed. */
export function visibleText(html: string): string {
  return html
    .replace(/<(script|style|svg)\b[\s\S]*?<\/\1>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&")
    .replaceAll("&#39;", "'")
    .replaceAll("&quot;", '"')
    .replace(/[\s\u00a0]+/g, " ")
    .trim();
}
