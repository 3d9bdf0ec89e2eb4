import { describe, expect, it, vi } from "vitest";
import { Progress } from "../../cli/progress.ts";

function sink(isTTY: boolean) {
  const lines: string[] = [];
  const stream = { isTTY, write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

describe("progress ticks", () => {
  it("without a TTY writes a plain line at most every 30 s, however many pages arrive", () => {
    vi.useFakeTimers({ now: new Date("2026-03-01T10:00:00Z") });
    try {
      const { stream, lines } = sink(false);
      const p = new Progress(stream);
      for (let i = 1; i <= 50; i++) p.tick(`github.pull_requests: acme/r${i} (${i}/200)`);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/\] github\.pull_requests: acme\/r1 \(1\/200\)\n$/);
      vi.advanceTimersByTime(30_000);
      p.tick("github.pull_requests: acme/r51 (51/200)");
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(/^\[ 30\.0s\] github\.pull_requests: acme\/r51/);
    } finally {
      vi.useRealTimers();
    }
  });

  it("on a TTY rewrites one line, at most every 100 ms; quiet writes nothing", () => {
    vi.useFakeTimers({ now: new Date("2026-03-01T10:00:00Z") });
    const saved = process.env.CI;
    delete process.env.CI;
    try {
      const { stream, lines } = sink(true);
      const p = new Progress(stream);
      p.tick("a");
      p.tick("b");
      vi.advanceTimersByTime(100);
      p.tick("c");
      expect(lines).toEqual(["\r\x1b[K[  0.0s] a", "\r\x1b[K[  0.1s] c"]);
      const quiet = sink(true);
      new Progress(quiet.stream, true).tick("x");
      expect(quiet.lines).toEqual([]);
    } finally {
      if (saved !== undefined) process.env.CI = saved;
      vi.useRealTimers();
    }
  });
});
