import { accessSync, constants } from "node:fs";
import { pathToFileURL } from "node:url";

export const PDF_SKIPPED = "PDF skipped: Chromium not found (install the 'chromium' package or set CHROMIUM_PATH)";

/** Chromium: $CHROMIUM_PATH, else the first of these that is executable; undefined when none is. */
export const CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/local/bin/chromium", "/snap/bin/chromium", "/usr/bin/google-chrome"];

export function findChromium(env: NodeJS.ProcessEnv = process.env, candidates: string[] = CHROMIUM_CANDIDATES): string | undefined {
  for (const c of [env.CHROMIUM_PATH, ...candidates]) {
    if (!c) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not this one
    }
  }
  return undefined;
}

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Prints an HTML file to an A4 PDF with headless Chromium (the page's print stylesheet applies). */
export async function printPdf(htmlFile: string, pdfFile: string, executablePath: string): Promise<void> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage();
    // Offline by construction: anything but the file itself is refused.
    await page.route(/^(?!file:)/, (route) => route.abort());
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: "load" });
    await page.emulateMedia({ media: "print" });
    await page.pdf({ path: pdfFile, format: "A4", printBackground: true, preferCSSPageSize: true, displayHeaderFooter: false });
  } finally {
    await browser.close();
  }
}
