import { Command } from "commander";
import { rebuildFromRaw } from "../../collectors/core/rebuild.ts";
import { withWarehouse } from "../../warehouse/warehouse.ts";
import { loadFromOptions, makeLogger, makeProgress, warehousePath, type GlobalOptions } from "../context.ts";
import { withGlobals } from "../options.ts";
import { enabledSources } from "../pipeline.ts";
import { table } from "../progress.ts";

/** `dora rebuild`: core.* from raw.pages again, with no network (after a mapping or config fix). */
export function rebuildCommand(): Command {
  return withGlobals(new Command("rebuild"))
    .description("re-derive core.* from the raw API pages kept in the warehouse, with no network")
    .option("--clean", "delete each rebuilt source's core rows first, so rows whose id changed do not linger")
    .option("-s, --source <name...>", "only these sources")
    .action(async (flags: GlobalOptions & { clean?: boolean; source?: string[] }) => {
      const loaded = loadFromOptions(flags);
      const progress = makeProgress(flags);
      const results = await withWarehouse(warehousePath(flags, loaded), async (w) =>
        rebuildFromRaw(w, loaded.config, await enabledSources(loaded.config, flags.source), makeLogger(flags), {
          clean: flags.clean,
          onStream: (s) => progress.step(`rebuilding ${s}…`),
        }),
      );
      progress.done();
      process.stdout.write(
        `${table(results.map((r) => [r.stream, r.pages, r.items, r.rows, r.invalid, r.orphaned]), ["stream", "pages", "items", "rows", "invalid", "orphaned pages"])}\n`,
      );
      if (results.length === 0) process.stdout.write("no raw pages stored yet: run `dora collect` first\n");
    });
}
