import { readFileSync } from "node:fs";

/** Every secret read through readSecret; log lines, errors and stored payloads are scrubbed of them. */
const known = new Set<string>();

export class MissingSecretError extends Error {
  readonly code = "SECRET_MISSING";
  constructor(readonly envName: string) {
    super(`${envName} is not set: export ${envName}=… (or ${envName}_FILE=/path/to/file) before running`);
  }
}

/** A secret whose value cannot be a token (a space or control character inside it). */
export class InvalidSecretError extends Error {
  readonly code = "SECRET_INVALID";
  constructor(readonly envName: string) {
    super(`${envName} holds a space, line break or control character inside the value: set it to the token alone`);
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
  // `export X=$(cat file)` and Kubernetes env values often carry a trailing newline; an HTTP header
  // cannot, and fetch then fails like a network error on every retry. Surrounding whitespace is
  // dropped; whitespace or control characters inside are refused.
  value = value?.trim();
  if (value === undefined || value === "") throw new MissingSecretError(name);
  // Registered even when refused: a mistyped secret is still a secret.
  registerSecret(value);
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f]/.test(value)) throw new InvalidSecretError(name);
  return value;
}

/**
 * Remembers a secret for redact(), with the forms it takes once written down elsewhere: trimmed (a
 * variable set from a file keeps its newline), JSON-escaped (raw.pages stores bodies as JSON, where a
 * password's `"` or `\` is escaped) and URL-encoded (a webhook URL or token inside a query string).
 * Values under 4 characters are not registered: redacting them would blank ordinary words.
 */
export function registerSecret(value: string): void {
  const forms = new Set([value, value.trim()]);
  for (const form of [...forms]) {
    forms.add(JSON.stringify(form).slice(1, -1));
    forms.add(encodeURIComponent(form));
  }
  for (const form of forms) if (form.length >= 4) known.add(form);
}

/**
 * Registers every secret a config names, before the first request of any command: the value of each
 * key ending in `_env`, at any depth (sources.*.token_env, sources.prometheus.auth.username_env /
 * password_env / token_env, a webhook's url_env …), read from the variable or its `_FILE`. The walk
 * follows the config's shape rather than a list of known keys, so a source or notifier added later
 * is covered as soon as its schema names its secret `*_env` (the schema's EnvName). A secret that is
 * missing or unreadable is left for the part that uses it to report. Returns the variable names found.
 */
export function registerConfigSecrets(config: unknown, env: NodeJS.ProcessEnv = process.env): string[] {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) {
        if (key.endsWith("_env") && typeof value === "string") names.add(value);
        else walk(value);
      }
    }
  };
  walk(config);
  for (const name of names) {
    try {
      readSecret(name, env);
    } catch {
      // reported by the source or notifier that needs it, with its own context
    }
  }
  return [...names];
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
