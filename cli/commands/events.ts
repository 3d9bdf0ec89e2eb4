import { Command, Option } from "commander";
import { startReceiver } from "../../collectors/events/receiver.ts";
import { appendToSpool, spoolDir } from "../../collectors/events/spool.ts";
import { readSecret } from "../../collectors/core/secrets.ts";
import { EventsSource } from "../../schemas/sources/events.ts";
import { PipelineEvent, completeEvent, describeEventIssues } from "../../schemas/events.ts";
import { loadFromOptions, makeLogger, warehousePath, type GlobalOptions } from "../context.ts";
import { UsageError } from "../errors.ts";
import { parseIntOption, withGlobals } from "../options.ts";

interface RecordFlags extends GlobalOptions {
  spool?: string;
  server?: string;
  tokenEnv: string;
  [key: string]: unknown;
}

/** Where `dora record` appends: --spool, else the config's spool folder. */
function recordSpool(flags: RecordFlags): string {
  if (flags.spool) return flags.spool;
  const loaded = loadFromOptions(flags);
  if (!loaded.config.sources.events) throw new UsageError(`${loaded.file}: add sources.events (e.g. "sources: { events: {} }") so recorded events are collected`);
  return spoolDir(loaded.config, warehousePath(flags, loaded));
}

function delivery(cmd: Command): Command {
  return withGlobals(cmd)
    .option("--spool <dir>", "spool folder to append to (default: sources.events.spool_dir, or events/ beside the warehouse)")
    .option("--server <url>", "send to a `dora serve` receiver instead of the local spool")
    .option("--token-env <name>", "with --server: environment variable holding the bearer token", "DORA_EVENTS_TOKEN");
}

async function deliver(kind: "deployment" | "incident", fields: Record<string, unknown>, flags: RecordFlags): Promise<string> {
  const parsed = PipelineEvent.safeParse(Object.fromEntries(Object.entries({ kind, ...fields }).filter(([, v]) => v !== undefined)));
  if (!parsed.success) throw new UsageError(`record ${kind}: ${describeEventIssues(parsed.error)}`);
  const event = completeEvent(parsed.data, new Date());
  if (flags.server) {
    const token = readSecret(flags.tokenEnv);
    const url = `${flags.server.replace(/\/$/, "")}/events`;
    let response: Response;
    try {
      response = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(event) });
    } catch (error) {
      throw new Error(`${url}: ${(error as Error).message}`, { cause: error });
    }
    if (response.status !== 202) throw new Error(`${url}: HTTP ${response.status} ${(await response.text()).trim()}`);
    return `${kind} ${event.id} sent to ${flags.server}`;
  }
  const file = await appendToSpool(recordSpool(flags), "record", [event]);
  return `${kind} ${event.id} recorded in ${file}`;
}

export function recordCommand(): Command {
  const cmd = new Command("record").description("record a deployment or an incident from any CI job (idempotent by --id)");
  cmd.addCommand(
    delivery(new Command("deployment"))
      .description("record a deployment: one call at the end of a deploy job")
      .requiredOption("--service <name>", "service as named under services")
      .requiredOption("--sha <sha>", "deployed commit")
      .addOption(new Option("--status <status>", "outcome").choices(["success", "failure"]).makeOptionMandatory())
      .option("--environment <name>", "environment (production when it matches sources.events.production)", "production")
      .option("--started-at <time>", "ISO time the deployment started")
      .option("--finished-at <time>", "ISO time it went live or failed (default: now)")
      .option("--id <id>", "the job's own id (a CI run id): the same id recorded twice is one deployment")
      .option("--url <url>", "link to the job")
      .option("--rollback", "it moved production back to an earlier version")
      .option("--rework", "an unplanned deployment made to fix a defect")
      .action(async (flags: RecordFlags) => {
        const line = await deliver(
          "deployment",
          {
            service: flags.service,
            sha: flags.sha,
            status: flags.status,
            environment: flags.environment,
            started_at: flags.startedAt,
            finished_at: flags.finishedAt,
            id: flags.id,
            url: flags.url,
            rollback: Boolean(flags.rollback),
            rework: Boolean(flags.rework),
          },
          flags,
        );
        process.stdout.write(`${line}\n`);
      }),
  );
  cmd.addCommand(
    delivery(new Command("incident"))
      .description("record an incident (send it again with --resolved-at when it is resolved)")
      .requiredOption("--service <name>", "service as named under services")
      .requiredOption("--id <id>", "the incident's id in your tool")
      .requiredOption("--created-at <time>", "ISO time it started")
      .option("--acknowledged-at <time>", "ISO time it was acknowledged")
      .option("--resolved-at <time>", "ISO time it was resolved")
      .option("--urgency <urgency>", "e.g. high, low")
      .option("--title <text>", "short description")
      .option("--ref <ref...>", "what caused it: a deployment id, a commit sha, a URL (linked before the heuristic window)")
      .option("--url <url>", "link to the incident")
      .action(async (flags: RecordFlags) => {
        const line = await deliver(
          "incident",
          {
            service: flags.service,
            id: flags.id,
            created_at: flags.createdAt,
            acknowledged_at: flags.acknowledgedAt,
            resolved_at: flags.resolvedAt,
            urgency: flags.urgency,
            title: flags.title,
            refs: flags.ref,
            url: flags.url,
          },
          flags,
        );
        process.stdout.write(`${line}\n`);
      }),
  );
  return cmd;
}

export function serveCommand(): Command {
  return withGlobals(new Command("serve"))
    .description("receive deployments and incidents over HTTP (POST /events) into the spool that `dora collect` reads")
    .requiredOption("-p, --port <n>", "port to listen on (0: any free port)", parseIntOption("--port", 0, 65535))
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .action(async (flags: GlobalOptions & { port: number; host: string }) => {
      const loaded = loadFromOptions(flags);
      const settings = loaded.config.sources.events ?? EventsSource.parse({});
      if (!loaded.config.sources.events) throw new UsageError(`${loaded.file}: add sources.events (e.g. "sources: { events: {} }") so received events are collected`);
      const token = readSecret(settings.token_env);
      const log = makeLogger(flags);
      const dir = spoolDir(loaded.config, warehousePath(flags, loaded));
      const receiver = await startReceiver({ dir, token, port: flags.port, host: flags.host, maxBodyBytes: settings.max_body_bytes, ratePerSecond: settings.rate_per_second, log });
      log.info(`listening on ${receiver.url}; events go to ${dir}`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          log.info(`${signal}: finishing the requests in flight`);
          process.off("SIGTERM", onTerm);
          process.off("SIGINT", onInt);
          resolve();
        };
        const onTerm = () => stop("SIGTERM");
        const onInt = () => stop("SIGINT");
        process.on("SIGTERM", onTerm);
        process.on("SIGINT", onInt);
      });
      await receiver.close();
      log.info(`stopped; ${receiver.stored()} events stored`);
    });
}
