// Occurrences of a five-field cron expression read as wall-clock times in an IANA zone (pure).
//
// Steward's daylight-saving rule: every wall-clock time the expression names runs once.
// - A time that exists runs at its instant.
// - A time that occurs twice (fall back) runs at the first of its two instants.
// - A time that does not exist (spring forward) runs shifted forward by the length of the gap:
//   02:30 on 2026-03-08 in America/New_York runs at 03:30 EDT (07:30Z), the same wall time the
//   on-call rotations (luxon) use. When a shifted time meets a time that exists (02:30 and 03:30
//   of `*/30 * * * *`), that instant runs once.
// croner finds the matching wall times (it reads the expression in UTC, where no time is skipped or
// repeated); mapping a wall time to an instant is done here. croner's own zone mode runs a time in
// a gap at the first valid time after it (03:00 EDT) and runs interval patterns twice in a repeated
// hour, which is not the rule above.
import { Cron } from 'croner';
import { IANAZone } from 'luxon';

const MIN = 60_000;
const DAY = 86_400_000;
/** Wider than any single change of a zone's UTC offset (at most 2 h, Antarctica/Troll). */
const SPAN = 3 * 3_600_000;
/** Wall times examined per call at most: a per-minute expression needs about 2 × SPAN / 1 min. */
const MAX_STEPS = 2_000;

export class CronError extends Error {
  readonly code = 'CRON.INVALID';
}

export interface CronTime {
  readonly cron: string;
  readonly timezone: string;
  /** The first occurrence strictly after `t`, or null when the expression never matches again. */
  after(t: Date): Date | null;
  /** The first occurrence at or after `t`. */
  atOrAfter(t: Date): Date | null;
  /** The latest occurrence at or before `t`, or null when there is none. */
  atOrBefore(t: Date): Date | null;
}

/** Parses `cron` (five fields: minute hour day-of-month month day-of-week) for `timezone`; throws CronError. */
export function cronTime(cron: string, timezone: string): CronTime {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5)
    throw new CronError(`cron "${cron}" must have five fields: minute hour day-of-month month day-of-week`);
  if (!IANAZone.isValidZone(timezone)) throw new CronError(`"${timezone}" is not an IANA time zone`);
  let pattern: Cron;
  try {
    // Day-of-month and day-of-week match when either does, as in Vixie cron.
    pattern = new Cron(fields.join(' '), { utcOffset: 0, mode: '5-part', domAndDow: false, paused: true });
  } catch (err) {
    throw new CronError(`cron "${cron}": ${(err as Error).message}`);
  }
  return new ZonedCron(cron, timezone, pattern, IANAZone.create(timezone));
}

/** Whether `cron` and `timezone` would be accepted by cronTime. */
export function isValidCron(cron: string, timezone = 'UTC'): boolean {
  try {
    cronTime(cron, timezone);
    return true;
  } catch {
    return false;
  }
}

class ZonedCron implements CronTime {
  constructor(
    readonly cron: string,
    readonly timezone: string,
    private readonly pattern: Cron,
    private readonly zone: IANAZone,
  ) {}

  after(t: Date): Date | null {
    const at = t.getTime();
    if (this.quiet(at)) {
      // No offset change near `at`: the next matching wall time is the next instant, unless it
      // lies near a change (where wall times are skipped or repeated): then search around both.
      const wall = this.wallAfter(this.wallOf(at));
      if (wall === null) return null;
      const i = this.instantOf(wall);
      if (this.quiet(i)) return new Date(i);
    }
    let best: number | null = null;
    let bestSpan = 0;
    let wall = this.wallAfter(this.wallOf(at) - this.span(at));
    for (let steps = 0; wall !== null; steps++) {
      if (best !== null && wall > this.wallOf(best) + bestSpan) break;
      if (steps > MAX_STEPS)
        throw new CronError(
          `cron "${this.cron}" matches too often to plan around a change of offset (more than ${MAX_STEPS} times)`,
        );
      const i = this.instantOf(wall);
      if (i > at && (best === null || i < best)) [best, bestSpan] = [i, this.span(i)];
      wall = this.wallAfter(wall);
    }
    return best === null ? null : new Date(best);
  }

  atOrAfter(t: Date): Date | null {
    return this.after(new Date(t.getTime() - 1));
  }

  atOrBefore(t: Date): Date | null {
    const at = t.getTime();
    if (this.quiet(at)) {
      const wall = this.wallBefore(this.wallOf(at) + 1);
      if (wall === null) return null;
      const i = this.instantOf(wall);
      if (this.quiet(i)) return new Date(i);
    }
    let best: number | null = null;
    let bestSpan = 0;
    let wall = this.wallBefore(this.wallOf(at) + this.span(at) + 1);
    for (let steps = 0; wall !== null; steps++) {
      if (best !== null && wall < this.wallOf(best) - bestSpan) break;
      if (steps > MAX_STEPS)
        throw new CronError(
          `cron "${this.cron}" matches too often to plan around a change of offset (more than ${MAX_STEPS} times)`,
        );
      const i = this.instantOf(wall);
      if (i <= at && (best === null || i > best)) [best, bestSpan] = [i, this.span(i)];
      wall = this.wallBefore(wall);
    }
    return best === null ? null : new Date(best);
  }

  /** The next matching wall time strictly after `wall` (wall times are UTC-labelled milliseconds). */
  private wallAfter(wall: number): number | null {
    return this.pattern.nextRun(new Date(wall))?.getTime() ?? null;
  }

  /** The latest matching wall time strictly before `wall`. */
  private wallBefore(wall: number): number | null {
    const [prev] = this.pattern.previousRuns(1, new Date(wall));
    return prev === undefined ? null : prev.getTime();
  }

  /** Whether the zone's offset is the same SPAN before and after `at` (no change near it). */
  private quiet(at: number): boolean {
    return this.zone.offset(at - SPAN) === this.zone.offset(at + SPAN);
  }

  /**
   * How far wall times and instants can fall out of order near `at`: the largest change of the
   * zone's offset within a day of it (plus a minute), or SPAN when the offsets disagree about it.
   */
  private span(at: number): number {
    const o = this.zone.offset(at);
    const change = Math.max(Math.abs(this.zone.offset(at - DAY) - o), Math.abs(this.zone.offset(at + DAY) - o)) * MIN;
    return Math.min(SPAN, change) + MIN;
  }

  /** The wall time (UTC-labelled) shown in the zone at instant `at`. */
  private wallOf(at: number): number {
    return at + this.zone.offset(at) * MIN;
  }

  /** The instant of wall time `wall` under the rule at the top of this file. */
  private instantOf(wall: number): number {
    const offsets = new Set([this.zone.offset(wall - DAY), this.zone.offset(wall), this.zone.offset(wall + DAY)]);
    const candidates = [...offsets].map((o) => ({ at: wall - o * MIN, o }));
    const valid = candidates.filter((c) => this.zone.offset(c.at) === c.o).map((c) => c.at);
    // Repeated: the first instant. Skipped: read with the offset before the change (the largest instant).
    return valid.length > 0 ? Math.min(...valid) : Math.max(...candidates.map((c) => c.at));
  }
}

/** Why `cron` is not a valid expression in `timezone`, said for a policy problem. */
export function cronProblem(cron: string, timezone: string): string {
  try {
    cronTime(cron, timezone);
    return `"${cron}" is not a cron expression`;
  } catch (e) {
    const message = (e as Error).message;
    if (message.includes('must have five fields')) return message;
    return `${message.replace(/^cron "[^"]*":\s*/, '')} (got "${cron}"; five fields: minute hour day-of-month month day-of-week)`;
  }
}
