import { copyFileSync, existsSync } from "node:fs";
import { Command } from "commander";
import { UsageError } from "../errors.ts";

export function initCommand(): Command {
  return new Command("init")
    .description("write a commented example config (dora.config.yaml) to start from")
    .option("-o, --out <file>", "where to write it", "dora.config.yaml")
    .option("-f, --force", "overwrite an existing file")
    .action((options: { out: string; force?: boolean }) => {
      if (existsSync(options.out) && !options.force) {
        throw new UsageError(`${options.out} already exists (use --force to overwrite)`);
      }
      copyFileSync(new URL("../../dora.config.example.yaml", import.meta.url), options.out);
      process.stdout.write(
        `wrote ${options.out}\nnext: edit services and sources, export the tokens it names, then run \`dora doctor\` and \`dora run\`\n`,
      );
    });
}
