import { randomUUID } from "node:crypto";
import { accessSync, constants } from "node:fs";
import { dirname, resolve } from "node:path";
import { Command } from "commander";
import { loadSources, SOURCES } from "../../collectors/registry.ts";
import { silentLogger } from "../../collectors/core/log.ts";
import { readSecret, redact } from "../../collectors/core/secrets.ts";
import { findChromium } from "../../reports/pdf.ts";
import { resolvePlan, type Config } from "../../schemas/config.ts";
import { ConfigError } from "../../schemas/load-config.ts";
import { Warehouse, WarehouseLockedError } from "../../warehouse/warehouse.ts";
import { loadFromOptions, warehousePath, type GlobalOptions } from "../context.ts";
import { RunFailedError, UsageError } from "../errors.ts";
import { withGlobals } from "../options.ts";
import { table } from "../progress.ts";

interface Check {
  check: string;
  ok: boolean;
  /** Works, but the numbers will likely mislead (shown as WARN; does not fail doctor). */
  warn?: boolean;
  detail: string;
  fix?: string;
}

/** Plan settings that parse but give empty or misleading windows, each with its fix. `today`: YYYY-MM-DD. */
export function planWarnings(config: Config, today: string): Check[] {
  const plan = resolvePlan(config.plan);
  const out: Check[] = [];
  if (plan.start > today) {
    out.push({ check: "plan", ok: true, warn: true, detail: `plan.start ${plan.start} is in the future: no window has data yet, every verdict reads "insufficient data"`, fix: "set plan.start to the plan's first month that has begun (a baseline may also lie before it: plan.baseline)" });
  }
  for (const [i, m] of config.plan.milestones.entries()) {
    if (m.date < plan.start || m.date > plan.end) {
      out.push({ check: "plan", ok: true, warn: true, detail: `plan.milestones[${i}] "${m.label}" (${m.date}) lies outside the plan ${plan.start}..${plan.end}: charts will not show it`, fix: "move the milestone into the plan, or widen plan.start/plan.months" });
    }
  }
  return out;
}

/** `dora doctor`: is everything in place for a nightly run? One line per check, with a fix for each failure. */
export function doctorCommand(): Command {
  return withGlobals(new Command("doctor"))
    .description("check the config, tokens, hosts, warehouse and Chromium; print a fix for each problem")
    .action(async (flags: GlobalOptions) => {
      const checks: Check[] = [];
      let loaded;
      try {
        loaded = loadFromOptions(flags);
        checks.push({ check: "config", ok: true, detail: `${loaded.file} is valid (${Object.keys(loaded.config.services).length} services)` });
        checks.push(...planWarnings(loaded.config, localToday(loaded.config.timezone)));
      } catch (error) {
        const message = error instanceof ConfigError ? error.problems.join("; ") : (error as Error).message;
        checks.push({ check: "config", ok: false, detail: message, fix: "edit the config (see dora.config.example.yaml) or create one with `dora init`" });
      }
      if (loaded) {
        const config = loaded.config;
        const path = warehousePath(flags, loaded);
        // Warehouse: writable and not locked.
        let file: Warehouse | undefined;
        try {
          file = await Warehouse.open(path);
          await file.run(`CREATE TEMP TABLE doctor_${randomUUID().slice(0, 8)} AS SELECT 1`);
          checks.push({ check: "warehouse", ok: true, detail: `${path} is writable` });
        } catch (error) {
          file?.close();
          file = undefined;
          const locked = error instanceof WarehouseLockedError;
          checks.push({
            check: "warehouse",
            ok: false,
            detail: (error as Error).message,
            fix: locked ? "another dora process is running; wait for it" : "check the path and its folder's permissions",
          });
        }
        // The sources are checked even when the warehouse is not usable (an in-memory one stands in),
        // so one run of doctor lists every problem.
        const w = file ?? (await Warehouse.open(":memory:"));
        try {
          const sources = await loadSources(SOURCES.filter((s) => s.enabled(config)));
          if (sources.length === 0) {
            checks.push({ check: "sources", ok: false, detail: "no source configured", fix: "add sources.<name> and list repos/projects/service ids under services" });
          }
          for (const source of sources) {
            if (!source.check) {
              checks.push({ check: source.name, ok: true, detail: "configured (no remote check)" });
              continue;
            }
            try {
              const result = await source.check({ config, log: silentLogger, runId: "doctor", requests: { count: 0 }, warehouse: w });
              const { detail, warnings } = typeof result === "string" ? { detail: result, warnings: [] } : result;
              checks.push({ check: source.name, ok: true, detail });
              for (const warning of warnings) checks.push({ check: source.name, ok: true, warn: true, ...warning });
            } catch (error) {
              const message = redact((error as Error).message);
              checks.push({ check: source.name, ok: false, detail: message, fix: fixFor(source.name, message) });
            }
          }
        } finally {
          w.close();
        }
        checks.push(...outputChecks(config));
      }
      const chromium = findChromium();
      checks.push(
        chromium
          ? { check: "chromium", ok: true, detail: `${chromium} (for report.pdf)` }
          : { check: "chromium", ok: false, detail: "not found: report.pdf will be skipped", fix: "apt-get install chromium, or set CHROMIUM_PATH" },
      );
      process.stdout.write(`${table(checks.map((c) => [c.ok ? (c.warn ? "WARN" : "ok") : "FAIL", c.check, c.detail, c.fix ?? ""]), ["", "check", "detail", "fix"])}\n`);
      // README: exit 2 for a config error (nothing else could be checked), 1 for any other failed check.
      if (!loaded) throw new UsageError("the config is invalid (see the config line above)");
      const failed = checks.filter((c) => !c.ok && c.check !== "chromium");
      if (failed.length) throw new RunFailedError(`${failed.length} check(s) failed: ${failed.map((c) => c.check).join(", ")}`);
    });
}

/** Today's date (YYYY-MM-DD) in the configured zone: plan dates are read there. */
function localToday(timezone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

function fixFor(source: string, message: string): string {
  if (/is not set/.test(message)) return `export the token named in sources.${source}.token_env (or <NAME>_FILE)`;
  if (/401|unauthori[sz]ed|bad credentials/i.test(message)) return "the token was refused: create a new one";
  if (/403|forbidden/i.test(message)) return "the token lacks a scope or access to this resource";
  if (/ENOTFOUND|ECONNREFUSED|fetch failed|timed? ?out/i.test(message)) return `check sources.${source}.base_url and the network path to it`;
  return "see the message";
}

/** The parts a run writes to or calls besides sources: the chat webhook and the monitoring textfile. */
function outputChecks(config: Config): Check[] {
  const checks: Check[] = [];
  if (config.notify) {
    const env = config.notify.url_env;
    try {
      const url = new URL(readSecret(env));
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`${env} is not an http(s) URL`);
      // The URL is the credential: only its host is shown.
      checks.push({ check: "notify", ok: true, detail: `${config.notify.format} webhook on ${url.host} (sent only when something changed or failed)` });
    } catch (error) {
      const message = redact((error as Error).message.replace(/^Invalid URL.*/, `${env} is not a URL`));
      checks.push({ check: "notify", ok: false, detail: message, fix: `export ${env} (or ${env}_FILE) with the incoming-webhook URL` });
    }
  }
  const textfile = config.monitoring.textfile;
  if (textfile) {
    const dir = dirname(resolve(textfile));
    try {
      accessSync(dir, constants.W_OK);
      checks.push({ check: "monitoring", ok: true, detail: `${textfile}: job health and DORA gauges written after each run` });
    } catch {
      checks.push({ check: "monitoring", ok: false, detail: `${dir} is not writable`, fix: "create the folder node_exporter's textfile collector reads, writable by this user" });
    }
  }
  return checks;
}
