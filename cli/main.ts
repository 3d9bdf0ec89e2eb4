import { Command, CommanderError } from "commander";
import { ConfigError } from "../schemas/load-config.ts";
import { MissingSecretError, redact } from "../collectors/core/secrets.ts";
import { WarehouseLockedError } from "../warehouse/warehouse.ts";
import { EXIT, RunFailedError, UsageError } from "./errors.ts";
import { VERSION } from "./version.ts";

/**
 * Each command's module, loaded only when that command runs: a nightly `dora collect` need not load
 * the report's charts, the transforms or every API client, so each start stays short. Listed in the
 * order `dora --help` shows them.
 */
const COMMANDS: [names: string[], load: () => Promise<Command[]>][] = [
  [["init"], async () => [(await import("./commands/init.ts")).initCommand()]],
  [["demo"], async () => [(await import("./commands/demo.ts")).demoCommand()]],
  [
    ["collect", "transform", "report", "run"],
    async () => {
      const m = await import("./commands/pipeline.ts");
      return [m.collectCommand(), m.transformCommand(), m.reportCommand(), m.runCommand()];
    },
  ],
  [["doctor"], async () => [(await import("./commands/doctor.ts")).doctorCommand()]],
  [["rebuild"], async () => [(await import("./commands/rebuild.ts")).rebuildCommand()]],
  [
    ["sql", "export"],
    async () => {
      const m = await import("./commands/sql.ts");
      return [m.sqlCommand(), m.exportCommand()];
    },
  ],
  [["schedule"], async () => [(await import("./commands/schedule.ts")).scheduleCommand()]],
  [
    ["record", "serve"],
    async () => {
      const m = await import("./commands/events.ts");
      return [m.recordCommand(), m.serveCommand()];
    },
  ],
  [["dashboard"], async () => [(await import("./commands/dashboard.ts")).dashboardCommand()]],
  [["schema"], async () => [(await import("./commands/schema.ts")).schemaCommand()]],
];

/**
 * The program with the command `argv` names (its first word), or with every command when it names
 * none it knows (help, a typo: commander then lists them or suggests one).
 */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command("dora")
    .description("DORA metrics and KPIs: collect from GitHub, GitLab, PagerDuty, Prometheus and git into DuckDB, compute the four keys, report before versus after.")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      "\nExit codes: 0 success, 1 a run failed, 2 usage or config error, 3 warehouse locked by another process.\nDocs: README.md",
    );
  const name = argv[0];
  const named = COMMANDS.find(([names]) => name !== undefined && names.includes(name));
  for (const [, load] of named ? [named] : COMMANDS) for (const cmd of await load()) program.addCommand(cmd);
  program.exitOverride();
  for (const cmd of program.commands) {
    cmd.exitOverride();
    for (const sub of cmd.commands) sub.exitOverride();
  }
  return program;
}

/** The only place that exits the process: maps errors to exit codes and one-line messages. */
export async function main(argv: string[]): Promise<void> {
  const code = await runCli(argv);
  process.exitCode = code;
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv, { from: "user" });
    return EXIT.ok;
  } catch (error) {
    return reportError(error, argv.includes("--verbose") || argv.includes("-v"));
  }
}

function reportError(error: unknown, verbose: boolean): number {
  const say = (message: string) => process.stderr.write(`${redact(message)}\n`);
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return EXIT.ok;
    return EXIT.usage; // commander already printed the message
  }
  if (error instanceof WarehouseLockedError) {
    say(`dora: ${error.message}`);
    return EXIT.locked;
  }
  if (error instanceof ConfigError || error instanceof UsageError || error instanceof MissingSecretError) {
    say(`dora: ${error.message}`);
    return EXIT.usage;
  }
  if (error instanceof RunFailedError) {
    say(`dora: ${error.message}`);
    return EXIT.failed;
  }
  const e = error as Error;
  say(`dora: ${e?.message ?? String(error)}`);
  if (verbose && e?.stack) say(e.stack);
  return EXIT.failed;
}
