import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// A small validator for the subset of OpenAPI 3.0 schema keywords GitHub's description uses on the
// responses we simulate: $ref, type (+ nullable), required, properties, items, enum, allOf/anyOf/oneOf.

type Schema = {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
};

interface MediaType {
  schema: Schema;
  examples?: Record<string, { $ref?: string; value?: unknown }>;
}

interface Spec {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, MediaType> }> }>>;
  components: { schemas: Record<string, Schema>; examples: Record<string, { value: unknown }> };
}

let spec: Spec | undefined;
export function githubOpenApi(): Spec {
  spec ??= JSON.parse(
    readFileSync(fileURLToPath(new URL("../../../node_modules/@octokit/openapi/generated/api.github.com.json", import.meta.url)), "utf8"),
  ) as Spec;
  return spec;
}

export function responseSchema(path: string, method = "get", status = "200"): Schema {
  const op = githubOpenApi().paths[path]?.[method];
  const schema = op?.responses[status]?.content?.["application/json"]?.schema;
  if (!schema) throw new Error(`no ${method.toUpperCase()} ${path} ${status} application/json in the OpenAPI description`);
  return schema;
}

/** The description's own example answer (`default`) of an operation, its $ref followed. */
export function officialExample(path: string, method = "get", status = "200"): unknown {
  const example = githubOpenApi().paths[path]?.[method]?.responses[status]?.content?.["application/json"]?.examples?.default;
  if (!example) throw new Error(`no default example for ${method.toUpperCase()} ${path} ${status} in the OpenAPI description`);
  if (!example.$ref) return example.value;
  const found = githubOpenApi().components.examples[example.$ref.replace("#/components/examples/", "")];
  if (!found) throw new Error(`${path}: unknown example ${example.$ref}`);
  return found.value;
}

/** Problems as "path: message"; empty when the value matches. */
export function validate(value: unknown, schema: Schema, at = "$", depth = 0): string[] {
  if (depth > 40) return [];
  if (schema.$ref) {
    const name = schema.$ref.replace("#/components/schemas/", "");
    const target = githubOpenApi().components.schemas[name];
    if (!target) return [`${at}: unknown $ref ${schema.$ref}`];
    return validate(value, { ...target, nullable: target.nullable || schema.nullable }, at, depth + 1);
  }
  if (value === null) return schema.nullable || schema.type === "null" ? [] : schema.type || schema.properties ? [`${at}: null where ${schema.type ?? "object"} expected`] : [];
  if (schema.allOf) {
    const errors = schema.allOf.flatMap((s) => validate(value, s, at, depth + 1));
    if (errors.length) return errors;
  }
  for (const [key, list] of [["anyOf", schema.anyOf], ["oneOf", schema.oneOf]] as const) {
    if (!list) continue;
    const results = list.map((s) => validate(value, s, at, depth + 1));
    if (!results.some((r) => r.length === 0)) return [`${at}: matches none of ${key} (${results.map((r) => r[0]).join(" | ")})`];
  }
  if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`];
  const type = schema.type;
  const actual = Array.isArray(value) ? "array" : typeof value;
  if (type === "integer" && !(typeof value === "number" && Number.isInteger(value))) return [`${at}: expected integer, got ${actual}`];
  if (type === "number" && typeof value !== "number") return [`${at}: expected number, got ${actual}`];
  if ((type === "string" || type === "boolean") && typeof value !== type) return [`${at}: expected ${type}, got ${actual}`];
  if (type === "array") {
    if (!Array.isArray(value)) return [`${at}: expected array, got ${actual}`];
    return schema.items ? value.flatMap((v, i) => validate(v, schema.items!, `${at}[${i}]`, depth + 1)) : [];
  }
  if (type === "object" || schema.properties) {
    if (actual !== "object") return [`${at}: expected object, got ${actual}`];
    const obj = value as Record<string, unknown>;
    const errors = (schema.required ?? []).filter((k) => !(k in obj)).map((k) => `${at}.${k}: required`);
    for (const [k, s] of Object.entries(schema.properties ?? {})) if (k in obj) errors.push(...validate(obj[k], s, `${at}.${k}`, depth + 1));
    return errors;
  }
  return [];
}
