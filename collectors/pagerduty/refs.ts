/**
 * Candidate references an incident's text names, for the incident → deployment link (a transform
 * decides which ones match): URLs, commit shas (7–40 hex digits with at least one digit and one
 * letter, so "1234567" and "defaced" are not taken), `<source>:deployment:<key>` ids, and PR/MR
 * numbers `#123` / `!45`. In order of first appearance, without repeats.
 */
export function extractRefs(...texts: (string | null | undefined)[]): string[] {
  const text = texts.filter(Boolean).join("\n");
  const found: { at: number; ref: string }[] = [];
  const urls: [number, number][] = [];
  for (const m of text.matchAll(/\bhttps?:\/\/[^\s<>"'`)\]]+/g)) {
    const ref = m[0].replace(/[.,;:!?]+$/, "");
    found.push({ at: m.index, ref });
    urls.push([m.index, m.index + ref.length]);
  }
  const insideUrl = (at: number) => urls.some(([from, to]) => at >= from && at < to);
  for (const m of text.matchAll(/\b[a-z][a-z0-9_-]*:deployment:[A-Za-z0-9_./#@:-]*[A-Za-z0-9_]/g)) {
    if (!insideUrl(m.index)) found.push({ at: m.index, ref: m[0] });
  }
  for (const m of text.matchAll(/\b[0-9a-fA-F]{7,40}\b/g)) {
    const sha = m[0];
    if (!/[0-9]/.test(sha) || !/[a-fA-F]/.test(sha) || insideUrl(m.index)) continue;
    // part of a longer token such as a UUID or an id with a prefix: not a sha on its own
    const before = text[m.index - 1];
    const after = text[m.index + sha.length];
    if ((before && /[-:/_.]/.test(before)) || (after && /[-_]/.test(after))) continue;
    found.push({ at: m.index, ref: sha.toLowerCase() });
  }
  // "#123" (GitHub) or "!45" (GitLab), not "&#39;" nor "owner/repo#1" inside a URL
  for (const m of text.matchAll(/(^|[^\w&/#!])([#!]\d+)\b/g)) {
    const at = m.index + m[1]!.length;
    if (!insideUrl(at)) found.push({ at, ref: m[2]! });
  }
  found.sort((a, b) => a.at - b.at);
  return [...new Set(found.map((f) => f.ref))];
}
