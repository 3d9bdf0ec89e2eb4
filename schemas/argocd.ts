import { z } from "zod";

// Argo CD API items (the API server's Swagger description, definitions v1alpha1Application and
// v1alpha1RevisionHistory): only the fields the collector reads. Argo CD adds fields freely, so
// unknown keys pass. Times are Kubernetes `metav1.Time`: RFC 3339 with `Z`.

const Time = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "expected an RFC 3339 time");

/**
 * int64 fields: Argo CD writes the Kubernetes object's number; a gateway marshalling protobuf
 * int64 as a JSON string (as grpc-gateway may) sends "7". Both read as a number.
 */
const Int64 = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]);

/** One entry of `status.history`: a sync that completed (v1alpha1RevisionHistory). */
export const ArgocdRevisionHistory = z.looseObject({
  id: Int64,
  /** The revision synced: a git commit sha, or a Helm chart version for a chart source. */
  revision: z.string().nullish(),
  /** Multi-source applications: one revision per source, in `spec.sources` order. */
  revisions: z.array(z.string()).nullish(),
  deployStartedAt: Time.nullish(),
  deployedAt: Time,
  initiatedBy: z.looseObject({ automated: z.boolean().nullish(), username: z.string().nullish() }).nullish(),
  source: z.looseObject({ repoURL: z.string().nullish(), chart: z.string().nullish() }).nullish(),
});
export type ArgocdRevisionHistory = z.infer<typeof ArgocdRevisionHistory>;

/** `status.operationState`: the last (or running) operation, with its phase (v1alpha1OperationState). */
export const ArgocdOperationState = z.looseObject({
  /** Running, Terminating, Failed, Error or Succeeded. */
  phase: z.string(),
  message: z.string().nullish(),
  startedAt: Time,
  finishedAt: Time.nullish(),
  operation: z
    .looseObject({
      sync: z.looseObject({ revision: z.string().nullish(), revisions: z.array(z.string()).nullish() }).nullish(),
      initiatedBy: z.looseObject({ automated: z.boolean().nullish(), username: z.string().nullish() }).nullish(),
    })
    .nullish(),
  syncResult: z.looseObject({ revision: z.string().nullish(), revisions: z.array(z.string()).nullish() }).nullish(),
});
export type ArgocdOperationState = z.infer<typeof ArgocdOperationState>;

/** GET /api/v1/applications/{name} (v1alpha1Application). */
export const ArgocdApplication = z.looseObject({
  metadata: z.looseObject({ name: z.string(), namespace: z.string().nullish() }),
  spec: z.looseObject({
    destination: z.looseObject({ server: z.string().nullish(), name: z.string().nullish(), namespace: z.string().nullish() }),
    /** How many history entries Argo CD keeps (unset: 10). */
    revisionHistoryLimit: Int64.nullish(),
    source: z.looseObject({ repoURL: z.string().nullish() }).nullish(),
  }),
  status: z
    .looseObject({
      history: z.array(ArgocdRevisionHistory).nullish(),
      operationState: ArgocdOperationState.nullish(),
    })
    .nullish(),
});
export type ArgocdApplication = z.infer<typeof ArgocdApplication>;

/** GET /api/v1/applications (v1alpha1ApplicationList). */
export const ArgocdApplicationList = z.looseObject({ items: z.array(ArgocdApplication).nullish() });
