import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { Config } from "../../schemas/config.ts";
import { configured } from "../../collectors/configured.ts";
import { SOURCES } from "../../collectors/registry.ts";

describe("source registry", () => {
  it("each entry loads the source of its name, whose enabled is the registry's predicate", async () => {
    expect(SOURCES.map((s) => s.name).sort()).toEqual(Object.keys(configured).sort());
    for (const entry of SOURCES) {
      const source = await entry.load();
      expect(source.name).toBe(entry.name);
      expect(source.enabled).toBe(entry.enabled);
    }
  });

  it("tells the enabled sources from the config alone", () => {
    const config = Config.parse({
      plan: { start: "2025-01-01", months: 12 },
      services: { api: { git: ["."], github: ["acme/api"], pagerduty: ["P1"] } },
      sources: { git: {}, pagerduty: {} },
    });
    // github is listed by a service but sources.github is not configured
    expect(SOURCES.filter((s) => s.enabled(config)).map((s) => s.name)).toEqual(["git", "pagerduty"]);
  });

  it("`dora collect` loads only the modules of the sources it runs (no API client for a git-only run)", () => {
    // every module the process resolves is reported by a loader hook, after building the program for
    // `collect` and loading the sources of a git-only config; with every command and source, the
    // same list names the API clients and the chart library (so the check can fail)
    const hook = `export async function resolve(specifier, context, next) { const r = await next(specifier, context); globalThis.port?.postMessage(r.url); return r; }
      export function initialize(data) { globalThis.port = data.port; }`;
    const script = (command: string[], services: string) => `
      const { register } = await import("node:module");
      const { MessageChannel } = await import("node:worker_threads");
      const seen = [];
      const { port1, port2 } = new MessageChannel();
      port1.on("message", (url) => seen.push(url));
      port1.unref();
      register("data:text/javascript,${encodeURIComponent(hook)}", { data: { port: port2 }, transferList: [port2] });
      const tsx = await import("tsx/esm/api");
      tsx.register();
      const { buildProgram } = await import("./cli/main.ts");
      const { enabledSources } = await import("./cli/pipeline.ts");
      const { Config } = await import("./schemas/config.ts");
      await buildProgram(${JSON.stringify(command)});
      await enabledSources(Config.parse({ plan: { start: "2025-01-01", months: 12 }, services: { api: ${services} }, sources: { github: {}, gitlab: {}, pagerduty: {} } }));
      await new Promise((r) => setTimeout(r, 200));
      console.log(JSON.stringify([...new Set(seen.filter((u) => /@gitbeaker|@octokit|@pagerduty|@observablehq|transforms\\/run/.test(u)).map((u) => u.replace(/.*node_modules\\//, "").split("/").slice(0, 2).join("/")))]));`;
    const heavy = (command: string[], services: string) => {
      const out = execFileSync(process.execPath, ["--input-type=module", "-e", script(command, services)], { encoding: "utf8" });
      return JSON.parse(out.trim().split("\n").at(-1)!) as string[];
    };
    expect(heavy(["collect"], `{ git: ["."] }`)).toEqual([]);
    const all = heavy([], `{ git: ["."], github: ["acme/api"], gitlab: ["acme/api"], pagerduty: ["P1"] }`);
    for (const name of ["@gitbeaker/rest", "@octokit/rest", "@pagerduty/pdjs"]) expect(all).toContain(name);
  });
});
