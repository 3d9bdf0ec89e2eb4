import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const OUTPUT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "output");

/** True under a CI runner (CI=true or CI=1, as GitHub Actions, GitLab CI and most others set it). */
export const inCi = (env: NodeJS.ProcessEnv = process.env): boolean => /^(true|1)$/i.test(env.CI ?? "");

/**
 * Plot's snapshot habit: compare with test/output/<name>.svg; on a mismatch write <name>-changed.svg
 * beside it for review and report the difference. A missing snapshot is written on a developer's
 * machine (its first run), but fails in CI: there nothing was compared, so passing would prove nothing.
 */
export function matchSnapshot(name: string, actual: string, options: { ci?: boolean } = {}): { ok: boolean; message: string } {
  const ci = options.ci ?? inCi();
  const file = join(OUTPUT, `${name}.svg`);
  const changed = join(OUTPUT, `${name}-changed.svg`);
  mkdirSync(dirname(file), { recursive: true });
  const pretty = actual.replace(/></g, ">\n<") + "\n";
  if (!existsSync(file)) {
    if (ci) return { ok: false, message: `${name}.svg has no snapshot in ${OUTPUT}; run the test outside CI to write it, review it and commit it` };
    writeFileSync(file, pretty);
    return { ok: true, message: `wrote new snapshot ${file}` };
  }
  if (readFileSync(file, "utf8") === pretty) {
    rmSync(changed, { force: true });
    return { ok: true, message: "" };
  }
  writeFileSync(changed, pretty);
  return { ok: false, message: `${name}.svg differs from the snapshot; review ${changed} and rename it to accept` };
}
