// `npm run bench [-- name …]`: runs the benchmarks and appends their figures to bench/RESULTS.md.
// Speed and memory goals are checked here, never in tests.
import { resolve } from "node:path";
import { record, machine, type Benchmark } from "./harness.ts";
import { demoBench } from "./demo.ts";
import { ingestBench } from "./ingest.ts";
import { reportBench } from "./report.ts";
import { githubBench } from "./github.ts";
import { scaleCollectBench, scaleTransformsBench } from "./scale.ts";
import { scaleMemoryBench } from "./scale-memory.ts";
import { scaleCollectGitlabBench } from "./scale-collect-gitlab.ts";
import { gitTagsBench } from "./git-tags.ts";

const ALL: Record<string, Benchmark> = { demo: demoBench, ingest: ingestBench, report: reportBench, github: githubBench, "scale-collect": scaleCollectBench, "scale-collect-gitlab": scaleCollectGitlabBench, "scale-transforms": scaleTransformsBench, "scale-memory": scaleMemoryBench, "git-tags": gitTagsBench };

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = wanted.filter((w) => !ALL[w]);
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(", ")} (known: ${Object.keys(ALL).join(", ")})`);
  process.exit(2);
}
const results = resolve("bench/RESULTS.md");
console.log(`machine: ${machine()}`);
for (const name of wanted.length ? wanted : Object.keys(ALL)) {
  const bench = ALL[name]!;
  console.log(`\n# ${bench.name}`);
  const figures = await bench.run();
  for (const f of figures) console.log(`  ${f.name}: ${f.value.toFixed(2)} ${f.unit}${f.goal ? `  (goal ${f.goal}${f.met === undefined ? "" : `: ${f.met ? "met" : "NOT met"}`})` : ""}`);
  record(results, bench, figures);
}
console.log(`\nappended to ${results}`);
