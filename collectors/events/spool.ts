import { mkdir, open, readdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Config } from "../../schemas/config.ts";
import type { StoredEvent } from "../../schemas/events.ts";

/**
 * The spool: JSON Lines files that `dora record` and `dora serve` append to and the events source
 * reads. Writers never open the warehouse, so they never wait for (or block) the nightly run's
 * lock; the run picks the events up at its next collection.
 */
export function spoolDir(config: Config, warehouse: string): string {
  const configured = config.sources.events?.spool_dir;
  return configured ? resolve(configured) : join(dirname(resolve(warehouse)), "events");
}

/** Spool files, oldest name first (names carry their UTC day). */
export async function spoolFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith(".jsonl")).sort().map((f) => join(dir, f));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/**
 * Appends events as one write to `<writer>-<UTC day>.jsonl` and returns once the data (and, for a
 * new file, its directory entry) is on disk (fsync): the caller may then say the events are stored.
 * One write with O_APPEND keeps concurrent writers' lines whole.
 */
export async function appendToSpool(dir: string, writer: string, events: readonly StoredEvent[], now = new Date()): Promise<string> {
  const file = join(dir, `${writer}-${now.toISOString().slice(0, 10)}.jsonl`);
  if (events.length === 0) return file;
  await mkdir(dir, { recursive: true });
  const text = events.map((e) => `${JSON.stringify(e)}\n`).join("");
  const handle = await open(file, "a");
  let created: boolean;
  try {
    created = (await handle.stat()).size === 0;
    await handle.write(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (created) await syncDir(dir);
  return file;
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
