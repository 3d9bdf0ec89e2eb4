import { z } from "zod";
import { Pattern } from "./common.ts";

export const GitSource = z.strictObject({
  tag_pattern: Pattern.default("^v?\\d+\\.\\d+\\.\\d+$"),
  hotfix_pattern: Pattern.default("^(hotfix|fix!?)[:(]"),
});
export type GitSource = z.infer<typeof GitSource>;
