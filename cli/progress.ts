/**
 * Progress for long work: on a TTY a single updating line with elapsed time; otherwise (cron, CI,
 * pipes) one plain line per step, so logs stay readable.
 */
export class Progress {
  private readonly started = Date.now();
  private active = false;
  private lastTick = 0;
  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {}

  get isTTY(): boolean {
    return Boolean(this.stream.isTTY) && !process.env.CI;
  }

  step(message: string): void {
    if (this.quiet) return;
    if (this.isTTY) {
      this.stream.write(`\r\x1b[K${this.elapsed()} ${message}`);
      this.active = true;
    } else {
      this.stream.write(`${this.elapsed()} ${message}\n`);
    }
  }

  /**
   * Frequent progress within a step (pages of a stream): on a TTY at most every 100 ms; otherwise a
   * plain line at most every 30 s, so a nightly log shows a long backfill moving without a line a page.
   */
  tick(message: string): void {
    const now = Date.now();
    if (now - this.lastTick < (this.isTTY ? 100 : 30_000)) return;
    this.lastTick = now;
    this.step(message);
  }

  /** A line that stays (a finished step, a warning). */
  line(message: string): void {
    if (this.quiet) return;
    if (this.active) this.stream.write("\r\x1b[K");
    this.active = false;
    this.stream.write(`${message}\n`);
  }

  done(): void {
    if (this.active) this.stream.write("\r\x1b[K");
    this.active = false;
  }

  private elapsed(): string {
    const s = (Date.now() - this.started) / 1000;
    return `[${s.toFixed(1).padStart(5)}s]`;
  }
}

/** A plain text table (for summaries). */
export function table(rows: (string | number)[][], header: string[]): string {
  const all = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...all.slice(1).map(fmt)].join("\n");
}
