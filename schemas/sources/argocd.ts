import { z } from "zod";
import { EnvName, Pattern, Url } from "./common.ts";

/**
 * sources.argocd: an Argo CD API server. Applications are listed per service
 * (`services.<name>.argocd: [app]`); each entry of an application's sync history is a deployment.
 */
export const ArgocdSource = z.strictObject({
  /** The API server's root, e.g. https://argocd.example.com (no /api/v1). */
  base_url: Url,
  /** The variable holding an Argo CD API token (a project role's or an account's, read access to the applications). */
  token_env: EnvName.default("ARGOCD_TOKEN"),
  /**
   * Production destinations: matched against `<cluster>/<namespace>` of the application's
   * `spec.destination`, the cluster being its `name`, else its `server` URL. The default takes a
   * cluster or a namespace named prod or production.
   */
  production: Pattern.default("(^|/)prod(uction)?(/|$)"),
  /** Where the commits of a synced revision are read, per service: a local clone of the application's git repository. */
  git: z.record(z.string(), z.string().min(1)).default({}),
});
export type ArgocdSource = z.infer<typeof ArgocdSource>;
