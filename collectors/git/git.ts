import { execFile, spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { promisify } from "node:util";
import type { GitCommit } from "../../schemas/git.ts";

const run = promisify(execFile);

/** Runs git in a clone (no shell); a failure names the clone and git's own message. */
export async function git(dir: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run("git", ["-C", dir, "-c", "log.showSignature=false", ...args], {
      maxBuffer: 512 * 1024 * 1024,
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" },
    });
    return stdout;
  } catch (error) {
    const e = error as { code?: unknown; stderr?: string; message: string };
    if (e.code === "ENOENT") throw new Error("git is not installed (the git source runs the git binary)", { cause: error });
    const detail = (e.stderr ?? e.message).trim().split("\n")[0];
    throw new Error(`git ${args[0]} in ${dir}: ${detail}`, { cause: error });
  }
}

/**
 * Fails naming the path when a configured clone is missing or not a repository: a typo in the config
 * must fail the source, not read as "success, 0 deployments".
 */
export async function assertClone(dir: string): Promise<void> {
  if (!existsSync(dir)) throw new Error(`git clone ${dir} does not exist (services.<name>.git lists it)`);
  if (!statSync(dir).isDirectory()) throw new Error(`git clone ${dir} is a file, not a repository folder`);
  try {
    await git(dir, ["rev-parse", "--git-dir"]);
  } catch (error) {
    throw new Error(`${dir} is not a git repository (${(error as Error).message})`, { cause: error });
  }
}

export interface TagRef {
  tag: string;
  sha: string;
  annotated: boolean;
  tagged_at: string;
}

/** A tag whose target, once every tag object on the way is peeled, is a tree or a blob: no commit, no release. */
export interface NonCommitTag {
  tag: string;
  type: string;
}

const F = "%x00";

/**
 * The tags of a clone: those whose target is a commit, and those that end at a tree or a blob.
 * An annotated tag's date is its tagger's (also when it tags another tag: a release candidate's tag
 * promoted by `git tag -a v1.1.0 v1.1.0-rc.1`), else the commit's.
 */
export async function listTags(dir: string): Promise<{ tags: TagRef[]; nonCommits: NonCommitTag[] }> {
  const format = ["%(refname:strip=2)", "%(objecttype)", "%(objectname)", "%(*objectname)", "%(*objecttype)", "%(taggerdate:iso-strict)", "%(committerdate:iso-strict)", "%(*committerdate:iso-strict)"].join("%00");
  const out = await git(dir, ["for-each-ref", `--format=${format}`, "refs/tags"]);
  const tags: TagRef[] = [];
  const nonCommits: NonCommitTag[] = [];
  // `%(*…)` peels one tag object in some git versions and every one in others: a tag still
  // peeling to a tag is resolved below, all of them in one process.
  const chains: { tag: string; object: string; taggerDate: string }[] = [];
  for (const line of out.split("\n")) {
    if (!line) continue;
    const [tag, type, sha, peeled, peeledType, taggerDate, commitDate, peeledCommitDate] = line.split("\0") as string[];
    if (type === "commit") tags.push({ tag: tag!, sha: sha!, annotated: false, tagged_at: toIso(commitDate!) });
    else if (type !== "tag") nonCommits.push({ tag: tag!, type: type! });
    else if (peeledType === "commit") tags.push({ tag: tag!, sha: peeled!, annotated: true, tagged_at: toIso(taggerDate || peeledCommitDate!) });
    else if (peeledType === "tag") chains.push({ tag: tag!, object: sha!, taggerDate: taggerDate! });
    else nonCommits.push({ tag: tag!, type: peeledType! });
  }
  if (chains.length) {
    // `<object>^{}` peels every tag object down to the first object that is not a tag
    const ends = (await gitStdin(dir, ["cat-file", "--batch-check=%(objectname) %(objecttype)"], chains.map((c) => `${c.object}^{}`))).split("\n");
    const undated: TagRef[] = [];
    for (const [i, c] of chains.entries()) {
      const [sha, type] = (ends[i] ?? "").split(" ");
      if (type !== "commit") {
        nonCommits.push({ tag: c.tag, type: type ?? "missing" });
        continue;
      }
      const ref = { tag: c.tag, sha: sha!, annotated: true, tagged_at: c.taggerDate ? toIso(c.taggerDate) : "" };
      tags.push(ref);
      if (!c.taggerDate) undated.push(ref);
    }
    // a tag object without a tagger line (made by old tools): dated by its commit, as for one level
    if (undated.length) {
      const dates = new Map((await gitStdin(dir, ["log", "--no-walk=unsorted", `--format=%H${F}%cI`, "--stdin", "--"], undated.map((t) => t.sha))).split("\n").filter(Boolean).map((l) => l.split("\0") as [string, string]));
      for (const t of undated) t.tagged_at = toIso(dates.get(t.sha)!);
    }
  }
  return { tags, nonCommits };
}

/**
 * Every commit reachable from `heads`, in one `git log` whose revisions come on stdin (10,000 release
 * tags would not fit a command line, and one command per tag would grow with the history).
 * With `paths`, only the shas of commits touching them (`git log -- paths`).
 */
export async function commitsReachable(dir: string, heads: string[]): Promise<Map<string, GitCommit>> {
  const out = await gitStdin(dir, ["log", `--format=${LOG_FORMAT}`, "--stdin", "--"], heads);
  const commits = new Map<string, GitCommit>();
  for (const record of out.split("\x1e")) {
    const c = parseCommit(record);
    if (c) commits.set(c.sha, c);
  }
  return commits;
}

export async function shasTouching(dir: string, heads: string[], paths: string[]): Promise<Set<string>> {
  const out = await gitStdin(dir, ["log", "--format=%H", "--stdin", "--", ...paths], heads);
  return new Set(out.split("\n").filter(Boolean));
}

/** git with `input` on stdin (no shell); a failure names the clone and git's own message. */
function gitStdin(dir: string, args: string[], lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["-C", dir, "-c", "log.showSignature=false", ...args], {
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "ENOENT" ? new Error("git is not installed (the git source runs the git binary)", { cause: error }) : error),
    );
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
      else reject(new Error(`git ${args[0]} in ${dir}: ${Buffer.concat(err).toString("utf8").trim().split("\n")[0]}`));
    });
    child.stdin.on("error", () => undefined); // git exiting early is reported by "close"
    child.stdin.end(lines.map((l) => `${l}\n`).join(""));
  });
}

const LOG_FORMAT = ["%H", "%P", "%an", "%aI", "%cI", "%s"].join(F) + "%x1e";

function parseCommit(record: string): GitCommit | undefined {
  const r = record.replace(/^\n/, "");
  if (!r) return undefined;
  const [sha, parents, author, authored, committed, subject] = r.split("\0") as string[];
  return { sha: sha!, parents: parents ? parents.split(" ") : [], author: author!, authored_at: toIso(authored!), committed_at: toIso(committed!), subject: subject ?? "" };
}

/** Commits reachable from `head` and from none of `exclude` (git log head --not …). */
export async function commitsBetween(dir: string, head: string, exclude: string[]): Promise<GitCommit[]> {
  const args = ["log", `--format=${LOG_FORMAT}`, head];
  if (exclude.length) args.push("--not", ...exclude);
  const out = await git(dir, [...args, "--"]);
  return out.split("\x1e").flatMap((record) => parseCommit(record) ?? []);
}

function toIso(s: string): string {
  return new Date(s).toISOString();
}
