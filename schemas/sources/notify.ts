import { z } from "zod";
import { EnvName, Url } from "./common.ts";

/**
 * The nightly chat digest: one message after `dora run` to an incoming webhook, only when
 * something changed or failed. The webhook URL is a secret (it is the credential) and comes from
 * the environment.
 */
export const Notify = z.strictObject({
  format: z.enum(["slack", "teams", "mattermost"]),
  /** Environment variable holding the incoming-webhook URL (or <NAME>_FILE). */
  url_env: EnvName,
  /** Link to the published report, put in the message. */
  report_url: Url.optional(),
});
export type Notify = z.infer<typeof Notify>;
