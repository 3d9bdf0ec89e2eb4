#!/usr/bin/env node
// Entry point of the `dora` command: loads the TypeScript sources through tsx so no build step is
// needed after `npm ci`.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/main.ts");
await main(process.argv.slice(2));
