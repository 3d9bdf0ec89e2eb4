import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** When a commit or tag is made: author and committer times (ISO, with offset). */
export interface When {
  at: string;
  authoredAt?: string;
}

/**
 * A real repository in `dir` with fixed identities and dates; git runs with no shell and no user or
 * system config, so tests do not depend on the machine's git setup.
 */
export function gitRepo(dir: string) {
  mkdirSync(dir, { recursive: true });
  const env = (when: When) => ({
    ...process.env,
    GIT_AUTHOR_NAME: "Dev One", GIT_AUTHOR_EMAIL: "dev@example.com", GIT_COMMITTER_NAME: "Dev One", GIT_COMMITTER_EMAIL: "dev@example.com",
    GIT_AUTHOR_DATE: when.authoredAt ?? when.at, GIT_COMMITTER_DATE: when.at, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", HOME: dir,
  });
  const git = (args: string[], when: When = { at: "2026-01-01T00:00:00Z" }, input?: string) =>
    execFileSync("git", ["-C", dir, ...args], { env: env(when), encoding: "utf8", input, maxBuffer: 256 * 1024 * 1024 }).trim();
  git(["init", "-q", "-b", "main"]);
  let n = 0;
  return {
    dir,
    git,
    /** A commit writing one new file (or `path`); returns its sha. */
    commit(subject: string, when: When, path = `file${n++}.txt`): string {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), `${subject}\n${n}\n`);
      git(["add", "--", path], when);
      git(["commit", "-q", "-m", subject], when);
      return git(["rev-parse", "HEAD"]);
    },
    /** A merge of `branch` into the checked-out branch with a merge commit; returns its sha. */
    merge(branch: string, subject: string, when: When): string {
      git(["merge", "-q", "--no-ff", "-m", subject, branch], when);
      return git(["rev-parse", "HEAD"]);
    },
    lightweightTag(name: string, target = "HEAD") {
      git(["tag", name, target]);
    },
    annotatedTag(name: string, when: When, target = "HEAD") {
      git(["tag", "-a", name, "-m", `release ${name}`, target], when);
    },
    /** Feeds a `git fast-import` stream (for histories too large to script commit by commit). */
    fastImport(stream: string) {
      git(["fast-import", "--quiet"], undefined, stream);
    },
  };
}
export type GitRepo = ReturnType<typeof gitRepo>;
