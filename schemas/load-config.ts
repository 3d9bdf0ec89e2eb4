import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import type { z } from "zod";
import { Config } from "./config.ts";

/** A config problem: names the file, the line and column where known, the key path and what to fix. */
export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid config\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
}

export interface LoadedConfig {
  config: Config;
  file: string;
  /** sha256 of the file's text: printed in the report's methods section. */
  fingerprint: string;
}

export function loadConfig(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(file, [
      code === "ENOENT" ? "file not found (create one with `dora init`, or pass --config FILE)" : `cannot read: ${(error as Error).message}`,
    ]);
  }
  return { config: parseConfig(text, file), file, fingerprint: createHash("sha256").update(text).digest("hex").slice(0, 16) };
}

export function parseConfig(text: string, file = "dora.config.yaml"): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${pos ? `line ${pos.line}, column ${pos.col}: ` : ""}${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`;
      }),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS() ?? {};
  } catch (error) {
    // yaml refuses aliases that expand beyond its limit ("billion laughs"): a config mistake, not a crash.
    throw new ConfigError(file, [`cannot expand the YAML: ${(error as Error).message} (too many aliases; write the values out)`]);
  }
  const result = Config.safeParse(data);
  if (!result.success) throw new ConfigError(file, result.error.issues.map((issue) => describeIssue(issue, doc, lineCounter, data)));
  return result.data;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out || "(top level)";
}

function describeIssue(issue: z.core.$ZodIssue, doc: Document, lc: LineCounter, data: unknown): string {
  const path = issue.path as PropertyKey[];
  let message = issue.message;
  let where = path;
  if (issue.code === "unrecognized_keys") {
    const known = knownKeysAt(path);
    message = issue.keys
      .map((key) => {
        const guess = closest(key, known);
        return `unknown key "${key}"${guess ? ` (did you mean "${guess}"?)` : known.length ? ` (expected one of: ${known.join(", ")})` : ""}`;
      })
      .join("; ");
    where = [...path, issue.keys[0] as string];
  } else if (issue.code === "invalid_type") {
    // zod does not keep the input in its issues: look the value up, so a wrong type is not called missing.
    const value = valueAt(data, path);
    message = value === undefined ? `missing (required, ${issue.expected})` : `expected ${issue.expected}, got ${describeValue(value)}`;
  }
  const pos = (issue.code === "unrecognized_keys" ? keyPosition(doc, lc, where) : undefined) ?? positionOf(doc, lc, where) ?? positionOf(doc, lc, path);
  return `${pos ? `line ${pos.line}, column ${pos.col}: ` : ""}${formatPath(issue.code === "unrecognized_keys" ? where : path)}: ${message}`;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let node = data;
  for (const part of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

function describeValue(value: unknown): string {
  if (value === null) return "null (an empty value)";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return `a date (${value.toISOString().slice(0, 10)})`;
  if (typeof value === "object") return "a map";
  if (typeof value === "string") return `text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Where a map key itself stands (an unknown key is reported at the key, not at its value). */
function keyPosition(doc: Document, lc: LineCounter, path: readonly PropertyKey[]) {
  const parent = (path.length > 1 ? doc.getIn(path.slice(0, -1) as unknown[], true) : doc.contents) as
    | { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] }
    | null
    | undefined;
  const item = parent?.items?.find((i) => i.key?.value === path[path.length - 1]);
  return item?.key?.range ? lc.linePos(item.key.range[0]) : undefined;
}

function positionOf(doc: Document, lc: LineCounter, path: readonly PropertyKey[]) {
  for (let n = path.length; n >= 0; n--) {
    const sub = path.slice(0, n);
    // For a map key, point at the key itself when we can.
    const node = doc.getIn(sub as unknown[], true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]);
    if (n === path.length && sub.length > 0) {
      const parent = doc.getIn(sub.slice(0, -1) as unknown[], true) as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | undefined;
      const item = parent?.items?.find((i) => i.key?.value === sub[sub.length - 1]);
      if (item?.key?.range) return lc.linePos(item.key.range[0]);
    }
  }
  return undefined;
}

/** The keys the schema accepts at a path (for did-you-mean). */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: unknown = Config;
  for (const part of path) {
    schema = unwrap(schema);
    const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return [];
    if (def.type === "object") schema = (def.shape as Record<string, unknown>)[String(part)];
    else if (def.type === "record") schema = def.valueType;
    else if (def.type === "array") schema = def.element;
    else if (def.type === "union") schema = (def.options as unknown[]).find((o) => (unwrap(o) as { _zod: { def: { type: string } } })._zod.def.type === "object");
    else return [];
  }
  const def = (unwrap(schema) as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
  return def?.type === "object" ? Object.keys(def.shape as object) : [];
}

function unwrap(schema: unknown): unknown {
  let s = schema as { _zod?: { def?: Record<string, unknown> } } | undefined;
  for (let i = 0; i < 10 && s?._zod?.def; i++) {
    const def = s._zod.def;
    if (def.type === "optional" || def.type === "default" || def.type === "nullable" || def.type === "prefault") s = def.innerType as typeof s;
    else if (def.type === "pipe") s = def.in as typeof s;
    else break;
  }
  return s;
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
