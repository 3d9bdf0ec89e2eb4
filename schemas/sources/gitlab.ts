import { z } from "zod";
import { EnvName, Pattern, Url } from "./common.ts";

/** Issues as incidents, for teams without PagerDuty: those carrying any of these labels (none: off). */
export const GitlabIncidents = z.strictObject({
  labels: z.array(z.string().min(1)).default([]),
});
export type GitlabIncidents = z.infer<typeof GitlabIncidents>;

export const GitlabSource = z.strictObject({
  token_env: EnvName.default("GITLAB_TOKEN"),
  base_url: Url.default("https://gitlab.com"),
  /**
   * Production = environment tier `production`, or a name matching this pattern (case-insensitive),
   * as GitLab's own DORA metrics decide it.
   */
  environment: Pattern.default("^prod(uction)?$"),
  groups: z.array(z.string()).default([]),
  hotfix_labels: z.array(z.string()).default(["hotfix"]),
  /** Issues labelled e.g. `incident` in the services' projects become incidents (`gitlab.incidents`). */
  incidents: GitlabIncidents.optional(),
  page_size: z.number().int().min(1).max(100).default(100),
});
export type GitlabSource = z.infer<typeof GitlabSource>;
