import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { ArgocdApplication, ArgocdApplicationList, ArgocdRevisionHistory } from "../../../schemas/argocd.ts";
import { ArgocdState, startArgocdSim } from "../../sim/argocd/server.ts";
import { argocdSwagger, definition, resolveRef, validate, type SwaggerSchema } from "./swagger.ts";

const TOKEN = "argocd-schema-test-token-51d2";

interface ZodDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
}
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: ZodDef } })._zod.def;

/** The JSON types a zod schema accepts (wrappers unwrapped; a pipe accepts what its input accepts). */
function jsonTypes(schema: z.ZodType): Set<string> {
  const def = defOf(schema);
  switch (def.type) {
    case "optional":
    case "nullable":
      return jsonTypes(def.innerType!);
    case "pipe":
      return jsonTypes(def.in!);
    case "union":
      return new Set(def.options!.flatMap((o) => [...jsonTypes(o)]));
    default:
      return new Set([def.type]);
  }
}

function unwrap(schema: z.ZodType): z.ZodType {
  const def = defOf(schema);
  return def.type === "optional" || def.type === "nullable" ? unwrap(def.innerType!) : schema;
}

/**
 * Every field a zod schema reads, checked against the Swagger definition: the field exists at the
 * same path, and the JSON type the description gives is one the schema accepts (an int64 is an
 * integer; a gateway may send it as a string, which the schema also takes).
 */
function fieldsAgainst(schema: z.ZodType, swagger: SwaggerSchema, at: string): string[] {
  const s = resolveRef(swagger);
  const z = unwrap(schema);
  const def = defOf(z);
  const accepts = jsonTypes(z);
  const out: string[] = [];
  const want = s.type ?? "object";
  const zodType = want === "integer" ? "number" : want;
  if (!accepts.has(zodType)) out.push(`${at}: the description says ${want}${s.format ? ` (${s.format})` : ""}, the schema accepts ${[...accepts].join("|")}`);
  if (def.type === "object") {
    for (const [key, child] of Object.entries(def.shape!)) {
      const prop = s.properties?.[key];
      if (!prop) out.push(`${at}.${key}: not in the description`);
      else out.push(...fieldsAgainst(child, prop, `${at}.${key}`));
    }
  }
  if (def.type === "array") out.push(...fieldsAgainst(def.element!, s.items ?? {}, `${at}[]`));
  return out;
}

describe("Argo CD: our schemas against the Swagger description", () => {
  it("is the vendored Swagger 2.0 description with the operations the collector calls", () => {
    const spec = argocdSwagger();
    expect(spec.swagger).toBe("2.0");
    const get = spec.paths["/api/v1/applications/{name}"]?.get;
    expect(get?.operationId).toBe("ApplicationService_Get");
    expect(get?.responses["200"]?.schema?.$ref).toBe("#/definitions/v1alpha1Application");
    // the collector's only query parameter
    expect(get?.parameters?.some((p) => p.name === "appNamespace" && p.in === "query")).toBe(true);
    expect(spec.paths["/api/v1/applications"]?.get?.responses["200"]?.schema?.$ref).toBe("#/definitions/v1alpha1ApplicationList");
    expect(spec.paths["/api/v1/session/userinfo"]?.get?.responses["200"]?.schema?.$ref).toBe("#/definitions/sessionGetUserInfoResponse");
  });

  const pairs: [string, z.ZodType, string][] = [
    ["ArgocdApplication", ArgocdApplication as z.ZodType, "v1alpha1Application"],
    ["ArgocdRevisionHistory", ArgocdRevisionHistory as z.ZodType, "v1alpha1RevisionHistory"],
    ["ArgocdApplicationList", ArgocdApplicationList as z.ZodType, "v1alpha1ApplicationList"],
  ];
  for (const [name, schema, def] of pairs) {
    it(`${name} reads only fields of ${def}, with their types`, () => {
      expect(fieldsAgainst(schema, definition(def), "$")).toEqual([]);
    });
  }

  it("the check itself fails on a field the description lacks or a wrong type", () => {
    expect(fieldsAgainst(ArgocdRevisionHistory as z.ZodType, { type: "object", properties: { id: { type: "string" } } }, "$")).toEqual(
      expect.arrayContaining(["$.revision: not in the description", "$.deployedAt: not in the description"]),
    );
    expect(validate({ id: "x", deployedAt: "yesterday", extra: 1 }, definition("v1alpha1RevisionHistory"))).toEqual([
      '$.id: expected integer, got "x"',
      "$.deployedAt: expected an RFC 3339 date-time, got yesterday",
      "$.extra: not in the definition",
    ]);
  });
});

describe("Argo CD simulator: every answer follows the description", () => {
  it("applications (list and get), user info and errors validate against their definitions and parse with our schemas", async () => {
    const state = new ArgocdState();
    state.addApp("payments", { revisionHistoryLimit: 3 });
    state.addApp("ledger", { namespace: "team-a", destination: { name: "staging", namespace: "ledger" } });
    for (let i = 0; i < 5; i++) state.sync("payments", { revision: `${i}`.repeat(40).slice(0, 40).replace(/\d/g, "a"), startedAt: `2026-02-0${i + 1}T10:00:00Z`, deployedAt: `2026-02-0${i + 1}T10:02:00Z`, automated: i % 2 === 0 });
    state.failSync("payments", { revision: "b".repeat(40), startedAt: "2026-02-07T10:00:00Z", finishedAt: "2026-02-07T10:01:00Z" });
    const sim = await startArgocdSim({ token: TOKEN, state });
    try {
      const get = async (path: string, token = TOKEN) => {
        const r = await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
        return { status: r.status, body: (await r.json()) as unknown };
      };
      const one = await get("/api/v1/applications/payments");
      expect(one.status).toBe(200);
      expect(validate(one.body, definition("v1alpha1Application"))).toEqual([]);
      const app = ArgocdApplication.parse(one.body);
      // revisionHistoryLimit 3: the oldest two syncs are gone
      expect(app.status?.history?.map((h) => h.id)).toEqual([2, 3, 4]);
      expect(app.status?.operationState?.phase).toBe("Failed");
      for (const h of app.status!.history!) expect(validate(h, definition("v1alpha1RevisionHistory"))).toEqual([]);

      const other = await get("/api/v1/applications/ledger?appNamespace=team-a");
      expect(validate(other.body, definition("v1alpha1Application"))).toEqual([]);
      const list = await get("/api/v1/applications");
      expect(validate(list.body, definition("v1alpha1ApplicationList"))).toEqual([]);
      expect(ArgocdApplicationList.parse(list.body).items).toHaveLength(2);
      expect(validate((await get("/api/v1/session/userinfo")).body, definition("sessionGetUserInfoResponse"))).toEqual([]);

      const missing = await get("/api/v1/applications/nope");
      expect(missing.status).toBe(404);
      expect(validate(missing.body, definition("runtimeError"))).toEqual([]);
      const refused = await get("/api/v1/applications/payments", "wrong");
      expect(refused.status).toBe(401);
      expect(validate(refused.body, definition("runtimeError"))).toEqual([]);
    } finally {
      await sim.close();
    }
  });
});
