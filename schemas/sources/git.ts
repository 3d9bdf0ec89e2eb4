import { z } from "zod";
import { Pattern } from "./common.ts";

export const GitSource = z.strictObject({
  /** Tags that mark a production release. */
  tag_pattern: Pattern.default("^v?\\d+\\.\\d+\\.\\d+$"),
  /** Commit subjects that mark unplanned fix work: a tag shipping one is rework. */
  hotfix_pattern: Pattern.default("^(hotfix|fix!?)[:(]"),
});
export type GitSource = z.infer<typeof GitSource>;
