import { accessSync, constants, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

export interface PrintOptions {
  /** Query string for the page, e.g. "?print" (slides lay out one per page). */
  query?: string;
  /** Footer text beside the page number (the plan's name); no footer without it. */
  footer?: string;
}

/** Page footer: the plan's name and "page n of N", in the bottom margin of every page. */
export function footerTemplate(text: string): string {
  const safe = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<div style="font: 8px system-ui, sans-serif; color: #616e7c; width: 100%; padding: 0 12mm; display: flex; justify-content: space-between;"><span>${safe}</span><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`;
}

const PROFILE_PREFIX = "dora-chromium-";

/**
 * Removes Chromium profiles left in the temp folder by report processes that were killed while
 * printing (each profile is named after the pid that made it; one whose process is gone is stale).
 * Profiles of running processes are left alone. Returns the folders removed.
 */
export function removeStaleProfiles(dir: string = tmpdir()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const pid = new RegExp(`^${PROFILE_PREFIX}(\\d+)-`).exec(name)?.[1];
    if (!pid || alive(Number(pid))) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Prints an HTML file to PDF with headless Chromium (the page's print stylesheet and @page size apply). The
 * profile is a folder of ours, named after this process, removed after printing; a process killed
 * mid-print leaves it, and the next print removes it (removeStaleProfiles).
 */
export async function printPdf(htmlFile: string, pdfFile: string, executablePath: string, options: PrintOptions = {}): Promise<void> {
  const { chromium } = await import("playwright-core");
  removeStaleProfiles();
  const profile = mkdtempSync(join(tmpdir(), `${PROFILE_PREFIX}${process.pid}-`));
  const browser = await chromium.launchPersistentContext(profile, { executablePath, args: CHROMIUM_ARGS, headless: true }).catch((error: unknown) => {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  });
  try {
    const page = await browser.newPage();
    // Offline by construction: anything but the file itself is refused.
    await page.route(/^(?!file:)/, (route) => route.abort());
    await page.goto(pathToFileURL(htmlFile).href + (options.query ?? ""), { waitUntil: "load" });
    await page.emulateMedia({ media: "print" });
    await page.pdf({
      path: pdfFile,
      format: "A4",
      printBackground: true,
      preferCSSPageSize: true,
      displayHeaderFooter: options.footer !== undefined,
      headerTemplate: "<span></span>",
      footerTemplate: options.footer !== undefined ? footerTemplate(options.footer) : undefined,
    });
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
