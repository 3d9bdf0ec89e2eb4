import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { redact, registerConfigSecrets } from "../../collectors/core/secrets.ts";
import { parseConfig } from "../../schemas/load-config.ts";
import { configJsonSchema } from "../../schemas/json-schema.ts";
import { withTempDir } from "../helpers/db.ts";

// redact() remembers secrets for the whole process: every test uses values of its own.

const BASE = "plan:\n  start: 2026-01-01\nservices:\n  api: {}\n";

describe("registerConfigSecrets", () => {
  it("finds every `*_env` key of a parsed config, nested ones included, and redacts their values", () => {
    const config = parseConfig(
      `${BASE}sources:
  github: { token_env: U_GH_TOKEN }
  gitlab: { token_env: U_GL_TOKEN }
  pagerduty: { token_env: U_PD_TOKEN }
  prometheus: { auth: { type: basic, username_env: U_PROM_USER, password_env: U_PROM_PASSWORD } }
`,
    );
    const env = { U_GH_TOKEN: "u-gh-value-1", U_GL_TOKEN: "u-gl-value-2", U_PD_TOKEN: "u-pd-value-3", U_PROM_USER: "u-prom-user-4", U_PROM_PASSWORD: "u-prom-pass-5" };
    expect(registerConfigSecrets(config, env).sort()).toEqual(Object.keys(env).sort());
    const text = `title ${Object.values(env).join(" ")}`;
    expect(redact(text)).toBe(`title ${Array(5).fill("[redacted]").join(" ")}`);
  });

  it("covers the bearer form of Prometheus auth", () => {
    const config = parseConfig(`${BASE}sources:\n  prometheus: { auth: { type: bearer, token_env: U_PROM_BEARER } }\n`);
    expect(registerConfigSecrets(config, { U_PROM_BEARER: "u-prom-bearer-6" })).toContain("U_PROM_BEARER");
    expect(redact("x u-prom-bearer-6 y")).toBe("x [redacted] y");
  });

  it("covers keys it was never told about: a notifier's url_env in a list, a new source's token_env", () => {
    // What a later source or notifier adds (issue 24: argocd, events, chat webhooks) is found by shape.
    const config = { notify: { webhooks: [{ url_env: "U_CHAT_WEBHOOK" }] }, sources: { argocd: { server: "x", token_env: "U_ARGO" } } };
    const env = { U_CHAT_WEBHOOK: "https://chat.example/hooks/u-secret-path-7", U_ARGO: "u-argo-value-8" };
    expect(registerConfigSecrets(config, env).sort()).toEqual(["U_ARGO", "U_CHAT_WEBHOOK"]);
    expect(redact(`posted to https://chat.example/hooks/u-secret-path-7 with u-argo-value-8`)).toBe("posted to [redacted] with [redacted]");
  });

  it("reads `*_FILE` variants, and a missing or unreadable secret does not throw", async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, "token");
      writeFileSync(file, "u-file-value-9\n");
      const config = { sources: { a: { token_env: "U_FROM_FILE" }, b: { token_env: "U_MISSING" }, c: { token_env: "U_BAD_FILE" } } };
      expect(() => registerConfigSecrets(config, { U_FROM_FILE_FILE: file, U_BAD_FILE_FILE: join(dir, "absent") })).not.toThrow();
      expect(redact("u-file-value-9")).toBe("[redacted]");
    });
  });

  it("redacts the JSON-escaped and URL-encoded forms a secret takes in stored pages and URLs", () => {
    const password = 'u-pa"ss\\word/10 &x';
    registerConfigSecrets({ auth: { password_env: "U_ODD" } }, { U_ODD: password });
    const body = JSON.stringify([{ title: `leak ${password}` }]);
    expect(body).not.toContain(password); // escaped in JSON
    expect(redact(body)).toBe(JSON.stringify([{ title: "leak [redacted]" }]));
    expect(redact(`https://x.example/?p=${encodeURIComponent(password)}`)).toBe("https://x.example/?p=[redacted]");
  });

  it("registers the value without its trailing newline too", () => {
    registerConfigSecrets({ token_env: "U_NEWLINE" }, { U_NEWLINE: "u-newline-value-11\n" });
    expect(redact("echo u-newline-value-11.")).toBe("echo [redacted].");
  });

  it("every environment-variable field of the config schema is named `*_env`, so the walk finds it", () => {
    // The schema's EnvName fields carry its pattern; a secret field named otherwise would be missed.
    const found: string[] = [];
    const walk = (node: unknown, key: string): void => {
      if (Array.isArray(node)) node.forEach((n) => walk(n, key));
      else if (node && typeof node === "object") {
        if ((node as { pattern?: string }).pattern === "^[A-Z_][A-Z0-9_]*$") found.push(key);
        for (const [k, v] of Object.entries(node)) walk(v, k);
      }
    };
    walk(configJsonSchema(), "");
    expect(found.length).toBeGreaterThanOrEqual(6);
    expect(found.filter((k) => !k.endsWith("_env"))).toEqual([]);
  });
});
