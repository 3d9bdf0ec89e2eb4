import { CHROMIUM_CANDIDATES, findChromium } from "../../reports/pdf.ts";

/**
 * The browser the e2e tests drive, found the way the product finds it (CHROMIUM_PATH first, then the
 * usual install paths), so a machine that can print the report can also run these tests.
 */
export function chromiumForTests(env: NodeJS.ProcessEnv = process.env, candidates: string[] = CHROMIUM_CANDIDATES): string {
  const found = findChromium(env, candidates);
  if (!found) throw new Error("e2e tests need Chromium: install the 'chromium' package or set CHROMIUM_PATH to its executable");
  return found;
}
