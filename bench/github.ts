import { resolve } from "node:path";
import { measure, type Benchmark, type Figure } from "./harness.ts";

/** Wraps bench/github-requests.ts (a script against the GitHub simulator) and reads its figures. */
export const githubBench: Benchmark = {
  name: "GitHub collector requests",
  description:
    "Requests per 1,000 merged PRs for a full GitHub collection (1,000 merged PRs, a production deployment every 5 PRs) against the local simulator, real Octokit over HTTP; then a second run with nothing new.",
  run: async () => {
    const r = await measure(process.execPath, ["--import", "tsx", resolve("bench/github-requests.ts")], { env: { CI: "true" } });
    if (r.code !== 0) throw new Error(`bench/github-requests.ts failed: ${r.stderr}`);
    const figures: Figure[] = [];
    for (const block of r.stdout.split(/\n(?=\S)/)) {
      const name = /^(.+?): \d+ merged PRs/.exec(block)?.[1];
      const per = /= ([\d.]+) per 1,000 merged PRs/.exec(block)?.[1];
      const second = /second run, nothing new: (\d+) requests/.exec(block)?.[1];
      if (!name || !per) continue;
      figures.push({ name: `first run, ${name}`, value: Number(per), unit: "requests / 1,000 PRs", goal: "< 30", met: Number(per) < 30 });
      if (second) figures.push({ name: `second run, ${name}`, value: Number(second), unit: "requests", goal: "≤ 2 per stream", note: "3 streams" });
    }
    if (figures.length === 0) throw new Error(`no figures in bench/github-requests.ts output:\n${r.stdout}`);
    return figures;
  },
};
