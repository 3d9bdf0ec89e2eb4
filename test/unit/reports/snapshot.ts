import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const OUTPUT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "output");

/**
 * Plot's snapshot habit: compare with test/output/<name>.svg; on a mismatch write <name>-changed.svg
 * beside it for review and report the difference. A missing snapshot is written (first run).
 */
export function matchSnapshot(name: string, actual: string): { ok: boolean; message: string } {
  const file = join(OUTPUT, `${name}.svg`);
  const changed = join(OUTPUT, `${name}-changed.svg`);
  mkdirSync(dirname(file), { recursive: true });
  const pretty = actual.replace(/></g, ">\n<") + "\n";
  if (!existsSync(file)) {
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
