import { readFileSync } from "node:fs";

/** Every secret read through readSecret; log lines, errors and stored payloads are scrubbed of them. */
const known = new Set<string>();

export class MissingSecretError extends Error {
  readonly code = "SECRET_MISSING";
  constructor(readonly envName: string) {
    super(`${envName} is not set: export ${envName}=… (or ${envName}_FILE=/path/to/file) before running`);
  }
}

/**
 * Reads a secret from the environment variable `name`, or from the file named by `${name}_FILE`
 * (Docker/Kubernetes secrets). Secrets never come from the config file.
 */
export function readSecret(name: string, env: NodeJS.ProcessEnv = process.env): string {
  let value = env[name];
  const file = env[`${name}_FILE`];
  if ((value === undefined || value === "") && file) {
    try {
      value = readFileSync(file, "utf8").trim();
    } catch (error) {
      throw new Error(`${name}_FILE=${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? "error"})`, { cause: error });
    }
  }
  if (value === undefined || value === "") throw new MissingSecretError(name);
  registerSecret(value);
  return value;
}

export function registerSecret(value: string): void {
  if (value.length >= 4) known.add(value);
}

/** Replaces every known secret (and common token shapes) in text with "[redacted]". */
export function redact(text: string): string {
  let out = text;
  for (const secret of known) out = out.split(secret).join("[redacted]");
  return out
    .replace(/\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}\b/g, "[redacted]")
    .replace(/\bgithub_pat_[A-Za-z0-9_]{20,}\b/g, "[redacted]")
    .replace(/\bglpat-[A-Za-z0-9_-]{20,}\b/g, "[redacted]")
    .replace(/(authorization["']?\s*[:=]\s*["']?)(bearer |token |basic )?[^\s"',}]+/gi, "$1$2[redacted]");
}
