/**
 * Wall-clock arithmetic in one IANA time zone, without touching the process's TZ.
 *
 * "Local ms" are milliseconds since the epoch of the *wall-clock* time read as if it were UTC
 * (2026-03-02 09:00 in Berlin ↔ Date.UTC(2026, 2, 2, 9)). Working-hour and calendar steps happen
 * in local ms; `toUtc` turns a result into a real instant. Durations that are not about the
 * calendar (a deployment taking 12 minutes, an incident lasting 3 hours) are added in UTC.
 */
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export interface WorkingHours {
  /** "09:00" */
  start: string;
  /** "18:00" */
  end: string;
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  days: number[];
}

export class Clock {
  private readonly offsets = new Map<number, number | number[]>();
  private readonly format: Intl.DateTimeFormat;
  private readonly workStart: number;
  private readonly workEnd: number;
  private readonly workDays: Set<number>;

  constructor(
    readonly timeZone: string,
    hours: WorkingHours = { start: "09:00", end: "18:00", days: [1, 2, 3, 4, 5] },
  ) {
    this.format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    this.workStart = minutesOf(hours.start);
    this.workEnd = minutesOf(hours.end);
    if (this.workEnd <= this.workStart) throw new Error(`working hours: end ${hours.end} must be after start ${hours.start}`);
    this.workDays = new Set(hours.days);
    if (this.workDays.size === 0) throw new Error("working hours: no working days");
  }

  /**
   * Offset of the zone from UTC at a UTC instant, in ms. Intl is slow, so it is asked twice per UTC
   * day; only a day with a transition is resolved per hour (zones change offset on the hour).
   */
  offset(utc: number): number {
    const day = Math.floor(utc / DAY);
    let cached = this.offsets.get(day);
    if (cached === undefined) {
      const first = this.intlOffset(day * DAY);
      cached = first === this.intlOffset((day + 1) * DAY - MINUTE) ? first : Array.from({ length: 24 }, (_, h) => this.intlOffset(day * DAY + h * HOUR));
      this.offsets.set(day, cached);
    }
    return typeof cached === "number" ? cached : cached[Math.floor((utc - day * DAY) / HOUR)]!;
  }

  private intlOffset(utc: number): number {
    const parts: Record<string, number> = {};
    for (const p of this.format.formatToParts(new Date(utc))) if (p.type !== "literal") parts[p.type] = Number(p.value);
    return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!) - utc;
  }

  toLocal(utc: number): number {
    return utc + this.offset(utc);
  }

  /** The instant a wall-clock time names (in a DST gap: the instant after the gap). */
  toUtc(local: number): number {
    const guess = local - this.offset(local);
    return local - this.offset(guess);
  }

  /** Local midnight of an ISO date, in local ms. */
  static localDate(date: string): number {
    const [y, m, d] = date.split("-").map(Number) as [number, number, number];
    return Date.UTC(y, m - 1, d);
  }

  /** ISO weekday (1 = Monday) of a local ms. */
  static weekday(local: number): number {
    const day = new Date(local).getUTCDay();
    return day === 0 ? 7 : day;
  }

  /** Minutes since local midnight. */
  static minuteOfDay(local: number): number {
    return Math.floor((((local % DAY) + DAY) % DAY) / MINUTE);
  }

  static startOfDay(local: number): number {
    return local - (((local % DAY) + DAY) % DAY);
  }

  isWorkingDay(local: number): boolean {
    return this.workDays.has(Clock.weekday(local));
  }

  isWorkingTime(local: number): boolean {
    const m = Clock.minuteOfDay(local);
    return this.isWorkingDay(local) && m >= this.workStart && m < this.workEnd;
  }

  /** The working day's opening and closing, in local ms, for the day of `local`. */
  workingWindow(local: number): [number, number] {
    const day = Clock.startOfDay(local);
    return [day + this.workStart * MINUTE, day + this.workEnd * MINUTE];
  }

  /** Moves forward `minutes` of working time (nights and weekends do not count). */
  addWorkingMinutes(local: number, minutes: number): number {
    let t = this.nextWorkingTime(local);
    let left = minutes * MINUTE;
    for (;;) {
      const [, close] = this.workingWindow(t);
      if (t + left <= close) return t + left;
      left -= close - t;
      t = this.nextWorkingTime(close);
    }
  }

  /** `local` if it is working time, else the next opening. */
  nextWorkingTime(local: number): number {
    if (this.isWorkingTime(local)) return local;
    let day = Clock.startOfDay(local);
    if (Clock.minuteOfDay(local) >= this.workStart) day += DAY;
    while (!this.isWorkingDay(day)) day += DAY;
    return day + this.workStart * MINUTE;
  }
}

function minutesOf(hhmm: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!match) throw new Error(`working hours: expected "HH:MM", got ${JSON.stringify(hhmm)}`);
  return Number(match[1]) * 60 + Number(match[2]);
}
