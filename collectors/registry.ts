import type { Config } from "../schemas/config.ts";
import { configured, type SourceName } from "./configured.ts";
import type { AnySource } from "./core/stream.ts";

/** A source as the registry knows it before loading it: whether a config enables it, and its module. */
export interface SourceEntry {
  name: SourceName;
  enabled(config: Config): boolean;
  load(): Promise<AnySource>;
}

const entry = (name: SourceName, load: () => Promise<AnySource>): SourceEntry => ({ name, enabled: configured[name], load });

/**
 * Every source `dora collect` knows, in collection order. A source's module (and its API client) is
 * loaded only when a run needs it. Each collector folder exports one Source; add it here (one entry,
 * and its predicate in configured.ts).
 */
export const SOURCES: SourceEntry[] = [
  entry("github", async () => (await import("./github/index.ts")).githubSource),
  entry("gitlab", async () => (await import("./gitlab/index.ts")).gitlabSource),
  entry("git", async () => (await import("./git/index.ts")).gitSource),
  entry("pagerduty", async () => (await import("./pagerduty/index.ts")).pagerdutySource),
  entry("prometheus", async () => (await import("./prometheus/index.ts")).prometheusSource),
  entry("argocd", async () => (await import("./argocd/index.ts")).argocdSource),
  entry("events", async () => (await import("./events/index.ts")).eventsSource),
];

/** The modules of these entries, in order. */
export function loadSources(entries: SourceEntry[]): Promise<AnySource[]> {
  return Promise.all(entries.map((e) => e.load()));
}
