import type { AnySource } from "./core/stream.ts";
import { gitSource } from "./git/index.ts";
import { githubSource } from "./github/index.ts";
import { gitlabSource } from "./gitlab/index.ts";
import { pagerdutySource } from "./pagerduty/index.ts";
import { prometheusSource } from "./prometheus/index.ts";
import { eventsSource } from "./events/index.ts";
import { argocdSource } from "./argocd/index.ts";

/**
 * Every source `dora collect` knows, in collection order. Each collector folder exports one Source;
 * add it here (one import, one entry).
 */
export const SOURCES: AnySource[] = [githubSource, gitlabSource, gitSource, pagerdutySource, prometheusSource, argocdSource, eventsSource];
