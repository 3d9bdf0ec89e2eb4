import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { Cron } from "croner";
import { UsageError } from "../errors.ts";

interface ScheduleFlags {
  cron: string;
  timezone?: string;
  config?: string;
  warehouse?: string;
}

/**
 * `dora schedule --cron "0 2 * * *"`: for containers without cron. Each tick runs `dora run` in a
 * child process (a crash cannot take the scheduler down); a tick while a run is still going is
 * skipped, never overlapped.
 */
export function scheduleCommand(): Command {
  return new Command("schedule")
    .description("stay running and start `dora run` on a cron schedule (no overlapping runs)")
    .requiredOption("--cron <expression>", 'cron expression, e.g. "0 2 * * *" (02:00 daily)')
    .option("--timezone <zone>", "zone the expression is read in (default: the machine's)")
    .option("-c, --config <file>", "config file", "dora.config.yaml")
    .option("-w, --warehouse <path>", "DuckDB warehouse file")
    .action(async (flags: ScheduleFlags) => {
      const bin = fileURLToPath(new URL("../../bin/dora.js", import.meta.url));
      const args = ["run", "--config", flags.config ?? "dora.config.yaml", ...(flags.warehouse ? ["--warehouse", flags.warehouse] : [])];
      let job: Cron;
      try {
        job = new Cron(
          flags.cron,
          { protect: true, timezone: flags.timezone, name: "dora-run" },
          () =>
            new Promise<void>((done) => {
              const child = spawn(process.execPath, [bin, ...args], { stdio: "inherit" });
              child.on("exit", (code) => {
                process.stderr.write(`dora schedule: run finished with exit code ${code}; next at ${job.nextRun()?.toISOString()}\n`);
                done();
              });
            }),
        );
      } catch (error) {
        throw new UsageError(`--cron "${flags.cron}": ${(error as Error).message}`);
      }
      process.stderr.write(`dora schedule: next run at ${job.nextRun()?.toISOString()} (Ctrl-C to stop)\n`);
      await new Promise<void>((resolveStop) => {
        const stop = () => {
          job.stop();
          resolveStop();
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
