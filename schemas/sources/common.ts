import { z } from "zod";

/** An environment variable name (secrets are never written in the config, only where to find them). */
export const EnvName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name like "GITHUB_TOKEN"');

export const Url = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}, "expected an http(s) URL");

/** A regular expression given as a string; invalid patterns are config errors, not crashes. */
export const Pattern = z.string().refine((s) => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}, "expected a valid regular expression");
