import { z } from "zod";

const IsoTime = z.iso.datetime({ offset: true });
const Sha = z.string().regex(/^[0-9a-f]{40,64}$/, "expected a commit hash");

/** One commit as `git log` prints it (our format; see collectors/git/git.ts). */
export const GitCommit = z.object({
  sha: Sha,
  parents: z.array(Sha),
  author: z.string(),
  authored_at: IsoTime,
  committed_at: IsoTime,
  subject: z.string(),
});
export type GitCommit = z.infer<typeof GitCommit>;

/** A release tag of a local clone with the commits it shipped first (none for the first tag). */
export const GitTag = z.object({
  tag: z.string().min(1),
  sha: Sha,
  annotated: z.boolean(),
  /** Annotated: the tagger date; lightweight: the commit's committer date. */
  tagged_at: IsoTime,
  previous_sha: Sha.nullable(),
  /** false for the first matching tag: with nothing before it, its history is not a change set. */
  attributed: z.boolean(),
  commits: z.array(GitCommit),
  /** Another tag on the same commit came first (`4.16.0` before `v4.16.0`): one release, that tag. */
  duplicate_of: z.string().nullable().default(null),
  /** The tag shipped no commit an earlier tag had not: production went back to an older commit. */
  reshipped: z.boolean().optional(),
});
export type GitTag = z.infer<typeof GitTag>;
