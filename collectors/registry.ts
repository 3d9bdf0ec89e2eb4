import type { Source } from "./core/stream.ts";

/**
 * Every source `dora collect` knows, in collection order. Each collector folder exports one Source;
 * add it here (one import, one entry).
 */
export const SOURCES: Source[] = [];
