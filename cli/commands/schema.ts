import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { configJsonSchema } from "../../schemas/json-schema.ts";

export function schemaCommand(): Command {
  return new Command("schema")
    .description("print (or write) the JSON Schema of the config, for editor completion")
    .option("-o, --out <file>", "write to this file instead of stdout")
    .action((options: { out?: string }) => {
      const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
      if (options.out) writeFileSync(options.out, text);
      else process.stdout.write(text);
    });
}
