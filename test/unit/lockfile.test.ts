import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// The npm registry this project installs from has DuckDB's platform bindings only for the platforms
// it serves, so `npm install` leaves the others out of package-lock.json — and `npm ci` then refuses
// the lock file ("Missing: @duckdb/node-bindings-darwin-arm64@ from lock file"). The lock keeps an
// entry (os/cpu set, so npm never fetches it here) for every optional binding.
describe("package-lock.json", () => {
  it("has an entry for every optional platform binding of @duckdb/node-bindings (npm ci needs them)", () => {
    const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as { packages: Record<string, { optionalDependencies?: Record<string, string> }> };
    const optional = Object.keys(lock.packages["node_modules/@duckdb/node-bindings"]?.optionalDependencies ?? {});
    expect(optional.length).toBeGreaterThan(0);
    for (const name of optional) expect(lock.packages[`node_modules/${name}`], name).toBeDefined();
  });
});
