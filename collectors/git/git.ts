import { execFile } from "node:child_process";
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

const F = "%x00";

/** Tags whose target is a commit; an annotated tag's date is the tagger's, else the commit's. */
export async function listTags(dir: string): Promise<TagRef[]> {
  const format = ["%(refname:strip=2)", "%(objecttype)", "%(objectname)", "%(*objectname)", "%(*objecttype)", "%(taggerdate:iso-strict)", "%(committerdate:iso-strict)", "%(*committerdate:iso-strict)"].join("%00");
  const out = await git(dir, ["for-each-ref", `--format=${format}`, "refs/tags"]);
  const tags: TagRef[] = [];
  for (const line of out.split("\n")) {
    if (!line) continue;
    const [tag, type, sha, peeled, peeledType, taggerDate, commitDate, peeledCommitDate] = line.split("\0") as string[];
    if (type === "commit") tags.push({ tag: tag!, sha: sha!, annotated: false, tagged_at: toIso(commitDate!) });
    else if (type === "tag" && peeledType === "commit") {
      tags.push({ tag: tag!, sha: peeled!, annotated: true, tagged_at: toIso(taggerDate || peeledCommitDate!) });
    }
  }
  return tags;
}

/** Commits reachable from `head` and from none of `exclude` (git log head --not …). */
export async function commitsBetween(dir: string, head: string, exclude: string[]): Promise<GitCommit[]> {
  const format = ["%H", "%P", "%an", "%aI", "%cI", "%s"].join(F) + "%x1e";
  const args = ["log", `--format=${format}`, head];
  if (exclude.length) args.push("--not", ...exclude);
  const out = await git(dir, [...args, "--"]);
  return out
    .split("\x1e")
    .map((r) => r.replace(/^\n/, ""))
    .filter((r) => r.length > 0)
    .map((record) => {
      const [sha, parents, author, authored, committed, subject] = record.split("\0") as string[];
      return {
        sha: sha!,
        parents: parents ? parents.split(" ") : [],
        author: author!,
        authored_at: toIso(authored!),
        committed_at: toIso(committed!),
        subject: subject ?? "",
      };
    });
}

function toIso(s: string): string {
  return new Date(s).toISOString();
}
