// The plain-git attribution dora's git source is measured against: `node git-tags-plain.mjs CLONE PATTERN`
// prints "tag commits" per release tag, where a tag's commits are those reachable from it and from no
// earlier tag (oldest tag first; the first tag's history is not counted). One git rev-list, one walk.
import { execFileSync } from "node:child_process";

const [dir, pattern] = process.argv.slice(2);
const re = new RegExp(pattern);
const refs = execFileSync("git", ["-C", dir, "for-each-ref", "--format=%(refname:strip=2) %(*objectname) %(objectname) %(taggerdate:unix) %(committerdate:unix) %(*committerdate:unix)", "refs/tags"], { encoding: "utf8", maxBuffer: 1 << 30 })
  .trim().split("\n").map((l) => l.split(" "))
  .filter(([tag]) => re.test(tag))
  .map(([tag, peeled, sha, tagger, committer, peeledCommitter]) => ({ tag, sha: peeled || sha, at: Number(tagger || peeledCommitter || committer) }))
  .sort((a, b) => a.at - b.at || a.tag.localeCompare(b.tag, "en", { numeric: true }));
const parents = new Map();
const out = execFileSync("git", ["-C", dir, "rev-list", "--parents", "--stdin"], { input: refs.map((r) => r.sha).join("\n") + "\n", encoding: "utf8", maxBuffer: 1 << 30 });
for (const line of out.split("\n")) if (line) { const [sha, ...ps] = line.split(" "); parents.set(sha, ps); }
const seen = new Set();
const lines = [];
refs.forEach((r, i) => {
  let n = 0;
  const stack = [r.sha];
  while (stack.length) {
    const sha = stack.pop();
    if (seen.has(sha) || !parents.has(sha)) continue;
    seen.add(sha);
    n++;
    stack.push(...parents.get(sha));
  }
  lines.push(`${r.tag} ${i === 0 ? 0 : n}`);
});
process.stdout.write(lines.join("\n") + "\n");
