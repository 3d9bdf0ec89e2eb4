import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// The Argo CD API server's Swagger 2.0 description, vendored with its source and licence in
// test/fixtures/contracts/README.md, and a small validator for the schema keywords its definitions
// use: $ref, type, format, properties, items, additionalProperties.

export interface SwaggerSchema {
  $ref?: string;
  type?: string;
  format?: string;
  properties?: Record<string, SwaggerSchema>;
  items?: SwaggerSchema;
  additionalProperties?: SwaggerSchema | boolean;
}

interface Parameter {
  name: string;
  in: string;
  type?: string;
}

interface Swagger {
  swagger: string;
  paths: Record<string, Record<string, { operationId: string; parameters?: Parameter[]; responses: Record<string, { schema?: SwaggerSchema }> }>>;
  definitions: Record<string, SwaggerSchema>;
}

let spec: Swagger | undefined;
export function argocdSwagger(): Swagger {
  spec ??= JSON.parse(readFileSync(fileURLToPath(new URL("../../fixtures/contracts/argocd/swagger.json", import.meta.url)), "utf8")) as Swagger;
  return spec;
}

export function definition(name: string): SwaggerSchema {
  const d = argocdSwagger().definitions[name];
  if (!d) throw new Error(`no definition ${name} in the Argo CD Swagger description`);
  return d;
}

export function resolveRef(schema: SwaggerSchema): SwaggerSchema {
  return schema.$ref ? definition(schema.$ref.replace("#/definitions/", "")) : schema;
}

/**
 * Problems as "path: message"; empty when the value matches. Strict where the description is
 * loose: a property the definition does not name is a problem (the simulator must not invent
 * fields our collector could come to rely on).
 */
export function validate(value: unknown, schema: SwaggerSchema, at = "$"): string[] {
  const s = resolveRef(schema);
  if (value === null || value === undefined) return [];
  switch (s.type) {
    case "string":
      if (typeof value !== "string") return [`${at}: expected string, got ${typeof value}`];
      if (s.format === "date-time" && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return [`${at}: expected an RFC 3339 date-time, got ${value}`];
      if (s.format === "int64" && !/^-?\d+$/.test(value)) return [`${at}: expected an int64 string, got ${value}`];
      return [];
    case "integer":
      return Number.isInteger(value) ? [] : [`${at}: expected integer, got ${JSON.stringify(value)}`];
    case "number":
      return typeof value === "number" ? [] : [`${at}: expected number, got ${typeof value}`];
    case "boolean":
      return typeof value === "boolean" ? [] : [`${at}: expected boolean, got ${typeof value}`];
    case "array":
      if (!Array.isArray(value)) return [`${at}: expected array, got ${typeof value}`];
      return value.flatMap((v, i) => validate(v, s.items ?? {}, `${at}[${i}]`));
    case "object":
    case undefined: {
      if (typeof value !== "object" || Array.isArray(value)) return [`${at}: expected object, got ${Array.isArray(value) ? "array" : typeof value}`];
      const out: string[] = [];
      for (const [k, v] of Object.entries(value)) {
        const prop = s.properties?.[k] ?? (typeof s.additionalProperties === "object" ? s.additionalProperties : undefined);
        if (!prop) out.push(`${at}.${k}: not in the definition`);
        else out.push(...validate(v, prop, `${at}.${k}`));
      }
      return out;
    }
    default:
      return [`${at}: unsupported type ${s.type}`];
  }
}
