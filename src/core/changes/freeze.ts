// Change freezes (policy `changes.freezes`): which ones overlap a planned window, and when each occurrence begins and ends (pure).
//
// - A fixed freeze runs from `from` to `to` (exclusive), local times in its own zone.
// - A recurring freeze starts at each occurrence of its cron expression in its zone (the scheduler's
//   daylight-saving rule, src/core/jobs/cron.ts) and lasts `duration` in WALL-CLOCK time: the end is
//   the local time `duration` after the local start. "0 17 * * 5" + 64h in Europe/Berlin always
//   ends Monday 09:00 local, which is 63 h of elapsed time on the weekend clocks go forward
//   (2026-03-29) and 65 h on the weekend they go back (2026-10-25). That is what a person writing
//   "Friday 17:00 to Monday 09:00" means. An end that falls on a skipped local time moves forward
//   by the gap; one that falls on a repeated local time is its first instant.
// - Overlapping occurrences of the same freeze are merged into one run (an hourly cron lasting
//   2h is one long freeze), so `to` says when changes may start again (followed up to 31 days on).
import type { Freeze } from '../policy/schema.js';
import { cronTime } from '../jobs/cron.js';
import { parseDuration } from '../shared/duration.js';
import { resolveLocal, wallOf } from './window.js';

/** Occurrences of a cron expression in a zone; `cronTime` of src/core/jobs/cron.ts unless a caller passes its own. */
export type CronTimes = (
  cron: string,
  timezone: string,
) => { after(t: Date): Date | null; atOrAfter(t: Date): Date | null };

export interface FreezeOccurrence {
  freeze: Freeze;
  /** When the first occurrence overlapping the asked range began (a merged run may have begun earlier still). */
  from: Date;
  /** When it ends (exclusive): changes may start from this instant. */
  to: Date;
}

/** Wall-clock and elapsed lengths differ by at most a zone's offset change (2 h at most); look back further. */
const LOOKBACK_SLACK = 3 * 3_600_000;
/** Occurrences examined per freeze and call at most (a per-minute freeze over a week is about 10 000). */
const MAX_STEPS = 50_000;
/** A run of back-to-back occurrences is followed this far past the asked range at most; `to` is then a lower bound. */
const MAX_EXTEND_MS = 31 * 86_400_000;

/** Whether a freeze applies to a service (every service when it names none). */
export function appliesTo(freeze: Freeze, serviceId: string): boolean {
  return !freeze.services || freeze.services.includes(serviceId);
}

/** The instant of a policy local time "YYYY-MM-DD HH:MM" in `zone`. */
export function localInstant(text: string, zone: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(text);
  if (!m) throw new Error(`not a local time: ${JSON.stringify(text)}`);
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  return resolveLocal(Date.UTC(y, mo - 1, d, h, mi), zone).at;
}

/** The occurrences of one freeze that overlap [from, to), merged where they overlap each other. */
export function occurrencesOf(freeze: Freeze, from: Date, to: Date, cron: CronTimes = cronTime): FreezeOccurrence[] {
  if (to <= from) return [];
  if (!('cron' in freeze)) {
    const start = localInstant(freeze.from, freeze.timezone);
    const end = localInstant(freeze.to, freeze.timezone);
    return start < to && end > from ? [{ freeze, from: start, to: end }] : [];
  }
  const times = cron(freeze.cron, freeze.timezone);
  const length = parseDuration(freeze.duration);
  const out: FreezeOccurrence[] = [];
  let at = times.atOrAfter(new Date(from.getTime() - length - LOOKBACK_SLACK));
  for (let steps = 0; at && steps < MAX_STEPS; steps++) {
    const last = out.at(-1);
    // Past the window: stop, unless this occurrence still extends the run that overlaps it.
    if (at >= to && !(last && at <= last.to && at.getTime() - to.getTime() <= MAX_EXTEND_MS)) break;
    const end = resolveLocal(wallOf(at, freeze.timezone) + length, freeze.timezone).at;
    if (last && at <= last.to) {
      if (end > last.to) last.to = end;
    } else if (end > from) {
      out.push({ freeze, from: at, to: end });
    }
    at = times.after(at);
  }
  return out;
}

const byStart = (a: FreezeOccurrence, b: FreezeOccurrence) =>
  a.from.getTime() - b.from.getTime() || a.freeze.id.localeCompare(b.freeze.id);

/**
 * The freezes that apply to `serviceId` and overlap the planned window [start, end), each with its
 * concrete occurrence, in order of start. A freeze that began before `start` and still runs is included.
 */
export function freezesOverlapping(
  freezes: readonly Freeze[],
  serviceId: string,
  start: Date,
  end: Date,
  cron: CronTimes = cronTime,
): FreezeOccurrence[] {
  return freezes
    .filter((f) => appliesTo(f, serviceId))
    .flatMap((f) => occurrencesOf(f, start, end, cron))
    .sort(byStart);
}

/** Every freeze occurrence overlapping [from, to), whatever its services: the calendar view (e.g. the next 7 days). */
export function freezesBetween(
  freezes: readonly Freeze[],
  from: Date,
  to: Date,
  cron: CronTimes = cronTime,
): FreezeOccurrence[] {
  return freezes.flatMap((f) => occurrencesOf(f, from, to, cron)).sort(byStart);
}
