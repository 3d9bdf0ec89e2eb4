import type { SerializedError } from "vitest";
import type { Reporter, TestModule } from "vitest/node";

/**
 * Prints one closing line, "N passed, N failed, N skipped", after vitest's own output, so any CI
 * reading plain summaries counts the run. Failures outside a test count too, because each makes the
 * run fail: a file that failed without a failed test of its own (it did not load, or a hook threw and
 * its tests were skipped) counts once, and so does each unhandled error.
 */
export function summaryLine(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError> = []): string {
  let passed = 0;
  let failed = unhandledErrors.length;
  let skipped = 0;
  for (const mod of testModules) {
    let failedHere = 0;
    for (const test of mod.children.allTests()) {
      const state = test.result().state;
      if (state === "passed") passed++;
      else if (state === "failed") failedHere++;
      else skipped++;
    }
    failed += mod.state() === "failed" && failedHere === 0 ? 1 : failedHere;
  }
  return `${passed} passed, ${failed} failed, ${skipped} skipped`;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    process.stdout.write(`\n${summaryLine(testModules, unhandledErrors)}\n`);
  }
}
