import { z } from "zod";
import { Pattern } from "./common.ts";

/** `Bumped v4.1.2`, `chore(release): 1.2.3`, `Release 2.0.0`, `v1.2.3`, `[skip ci]`, `prepare release`. */
export const RELEASE_COMMITS = "^([Bb]ump(ed)?\\b|[Rr]elease\\b|chore\\(release\\)|[Pp]repare (for )?release\\b|v?\\d+\\.\\d+\\.\\d+\\S*$)|\\[(skip ci|ci skip)\\]";

/**
 * One clone as a service lists it. A monorepo whose packages have their own tag families
 * (`create-vite@5.1.0`, `plugin-legacy@4.0.0`, `v6.0.1`) lists it once per service with that family's
 * pattern and the folders that are the service: its changes are the commits touching them.
 */
export const GitCloneRef = z.strictObject({
  path: z.string().min(1),
  /** Overrides sources.git.tag_pattern for this entry. */
  tag_pattern: Pattern.optional(),
  /** Folders (or files) of the service inside the clone; default: the whole clone. */
  paths: z.array(z.string().min(1)).min(1).optional(),
});
export type GitCloneRef = z.infer<typeof GitCloneRef>;

export const GitSource = z.strictObject({
  /** Tags that mark a production release. */
  tag_pattern: Pattern.default("^v?\\d+\\.\\d+\\.\\d+$"),
  /** Commit subjects that mark unplanned fix work: a tag shipping one is rework. */
  hotfix_pattern: Pattern.default("^(hotfix|fix!?)[:(]"),
  /**
   * Commit subjects a release tool writes (version bumps, changelogs, `[skip ci]`): neither planned
   * work nor a fix, so left out when deciding whether a release was rework.
   */
  release_commit_pattern: Pattern.default(RELEASE_COMMITS),
});
export type GitSource = z.infer<typeof GitSource>;
