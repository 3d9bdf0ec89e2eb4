import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // TZ is pinned by the npm script (Europe/Berlin) so time-zone bugs surface; tests that need
    // another zone set it per process.
  },
});
