// `npm run docs`: regenerates docs/warehouse.md (and the config's JSON Schema).
import { mkdirSync, writeFileSync } from "node:fs";
import { demoConfig } from "../collectors/demo/config.ts";
import { configJsonSchema } from "../schemas/json-schema.ts";
import { warehouseDocs } from "./warehouse-docs.ts";

mkdirSync("docs", { recursive: true });
writeFileSync("docs/warehouse.md", await warehouseDocs(demoConfig()));
writeFileSync("schemas/config.schema.json", `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log("wrote docs/warehouse.md and schemas/config.schema.json");
