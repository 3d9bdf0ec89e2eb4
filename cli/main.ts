import { Command, CommanderError } from "commander";
import { ConfigError } from "../schemas/load-config.ts";
import { MissingSecretError, redact } from "../collectors/core/secrets.ts";
import { WarehouseLockedError } from "../warehouse/warehouse.ts";
import { EXIT, RunFailedError, UsageError } from "./errors.ts";
import { VERSION } from "./version.ts";
import { initCommand } from "./commands/init.ts";
import { demoCommand } from "./commands/demo.ts";
import { collectCommand, transformCommand, reportCommand, runCommand } from "./commands/pipeline.ts";
import { doctorCommand } from "./commands/doctor.ts";
import { schemaCommand } from "./commands/schema.ts";
import { scheduleCommand } from "./commands/schedule.ts";
import { rebuildCommand } from "./commands/rebuild.ts";
import { exportCommand, sqlCommand } from "./commands/sql.ts";
import { recordCommand, serveCommand } from "./commands/events.ts";
import { dashboardCommand } from "./commands/dashboard.ts";

export function buildProgram(): Command {
  const program = new Command("dora")
    .description("DORA metrics and KPIs: collect from GitHub, GitLab, PagerDuty, Prometheus and git into DuckDB, compute the four keys, report before versus after.")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      "\nExit codes: 0 success, 1 a run failed, 2 usage or config error, 3 warehouse locked by another process.\nDocs: README.md",
    );
  program.addCommand(initCommand());
  program.addCommand(demoCommand());
  program.addCommand(collectCommand());
  program.addCommand(transformCommand());
  program.addCommand(reportCommand());
  program.addCommand(runCommand());
  program.addCommand(doctorCommand());
  program.addCommand(rebuildCommand());
  program.addCommand(sqlCommand());
  program.addCommand(exportCommand());
  program.addCommand(scheduleCommand());
  program.addCommand(recordCommand());
  program.addCommand(serveCommand());
  program.addCommand(dashboardCommand());
  program.addCommand(schemaCommand());
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
  const program = buildProgram();
  try {
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
