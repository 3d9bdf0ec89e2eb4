import { addMonths } from "../../schemas/config.ts";
import { Clock, DAY } from "./clock.ts";

/**
 * The demo's span (`monthsBefore` months before the plan start to the plan's end) and the mapping
 * from an instant to its *story month* (see story.ts): 0 at the plan start, 12 at its end.
 */
export class Timeline {
  /** First local midnight of the data, in local ms. */
  readonly startLocal: number;
  /** Local midnight after the plan's last day, in local ms (exclusive). */
  readonly endLocal: number;
  readonly startUtc: number;
  readonly endUtc: number;
  private readonly planYear: number;
  private readonly planMonth: number;

  constructor(
    readonly clock: Clock,
    planStart: string,
    readonly planMonths: number,
    monthsBefore: number,
  ) {
    this.startLocal = Clock.localDate(addMonths(planStart, -monthsBefore));
    this.endLocal = Clock.localDate(addMonths(planStart, planMonths));
    this.startUtc = clock.toUtc(this.startLocal);
    this.endUtc = clock.toUtc(this.endLocal);
    const d = new Date(Clock.localDate(planStart));
    this.planYear = d.getUTCFullYear();
    this.planMonth = d.getUTCMonth();
  }

  /** Story month of a local ms: whole months since the plan start plus the fraction of the month. */
  storyOfLocal(local: number): number {
    const d = new Date(local);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth();
    const monthStart = Date.UTC(y, m, 1);
    const monthLength = Date.UTC(y, m + 1, 1) - monthStart;
    const real = (y - this.planYear) * 12 + (m - this.planMonth) + (local - monthStart) / monthLength;
    return (real * 12) / this.planMonths;
  }

  storyOf(utc: number): number {
    return this.storyOfLocal(this.clock.toLocal(utc));
  }

  /** Local midnights of every day in the span. */
  *days(): Generator<number> {
    for (let day = this.startLocal; day < this.endLocal; day += DAY) yield day;
  }
}
