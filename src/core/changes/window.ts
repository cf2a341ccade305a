// The planned window of a change, as typed in the form ("2026-12-03 14:00 +2h", "now +30m"), read in an IANA zone (pure).
//
// - The start is a wall-clock time in the requester's zone; the length is elapsed time (a 2h job
//   takes two hours whatever the clocks do): "2026-03-07 23:00 +4h" in New York ends 04:00 EDT.
// - A local time that does not exist (the hour skipped when clocks go forward) is refused with a
//   message saying so, rather than guessed: the requester picks the time they mean.
// - A local time that occurs twice (the hour repeated when clocks go back) is read as the EARLIER
//   instant (the first 01:30 on 2026-11-01 in New York is 01:30 EDT, 05:30Z); the result carries a
//   note saying so, which the form can show.
import { DateTime, IANAZone } from 'luxon';
import { formatDuration, readDuration } from '../shared/duration.js';

const MIN = 60_000;
const DAY = 86_400_000;

export const WINDOW_FORMAT_HINT = 'Use YYYY-MM-DD HH:MM +2h or now +30m';
/** Longest window text read (the form's field allows 60 characters). */
export const WINDOW_TEXT_MAX = 100;
/** Longest window accepted by default. */
export const MAX_WINDOW_MS = 7 * DAY;
/** A start this far in the past is still accepted (the time it took to fill in the form). */
export const PAST_GRACE_MS = 5 * MIN;

export type LocalResolution =
  /** The wall time exists once. */
  | { kind: 'exists'; at: Date }
  /** The wall time occurs twice: `at` is the earlier instant, `later` the other. */
  | { kind: 'ambiguous'; at: Date; later: Date }
  /** The wall time is skipped: `at` is it shifted forward by the length of the gap (02:30 → 03:30). */
  | { kind: 'gap'; at: Date };

/**
 * Reads a wall time (milliseconds since the epoch as if the zone were UTC) in `zone`. The same rule as
 * the cron scheduler (src/core/jobs/cron.ts): a repeated time is its first instant, a skipped one
 * moves forward by the gap.
 */
export function resolveLocal(wall: number, zone: string): LocalResolution {
  const z = IANAZone.create(zone);
  if (!z.isValid) throw new Error(`unknown time zone: ${JSON.stringify(zone)}`);
  const offsets = new Set([z.offset(wall - DAY), z.offset(wall), z.offset(wall + DAY)]);
  const candidates = [...offsets].map((o) => ({ at: wall - o * MIN, o }));
  const valid = candidates
    .filter((c) => z.offset(c.at) === c.o)
    .map((c) => c.at)
    .sort((a, b) => a - b);
  const first = valid[0];
  const last = valid.at(-1);
  if (first === undefined || last === undefined)
    return { kind: 'gap', at: new Date(Math.max(...candidates.map((c) => c.at))) };
  if (valid.length === 1) return { kind: 'exists', at: new Date(first) };
  return { kind: 'ambiguous', at: new Date(first), later: new Date(last) };
}

/** The wall time (UTC-labelled milliseconds) shown in `zone` at instant `at`. */
export function wallOf(at: Date, zone: string): number {
  return at.getTime() + IANAZone.create(zone).offset(at.getTime()) * MIN;
}

export type WindowParse =
  | { ok: true; start: Date; end: Date; /** Set when the start time occurs twice that day. */ note?: string }
  | { ok: false; error: string };

export interface WindowOptions {
  /** The requester's IANA zone. */
  timezone: string;
  now: Date;
  maxMs?: number;
  graceMs?: number;
}

/** Parses the planned-window field; every failure is a message for that field. */
export function parseWindow(text: string, opts: WindowOptions): WindowParse {
  const { timezone, now } = opts;
  const maxMs = opts.maxMs ?? MAX_WINDOW_MS;
  const graceMs = opts.graceMs ?? PAST_GRACE_MS;
  if (text.length > WINDOW_TEXT_MAX) return fail(`${WINDOW_FORMAT_HINT} (at most ${WINDOW_TEXT_MAX} characters)`);
  // Trimmed first, so that the pattern has no lazy part before trailing blanks (which made it quadratic).
  const m = /^(?:(now)|(\d{4})-(\d{1,2})-(\d{1,2})\s+(\d{1,2}):(\d{2}))\s*([+-])\s*(\S.*)$/i.exec(text.trim());
  if (!m) return fail(WINDOW_FORMAT_HINT);
  // Groups 7 and 8 are not optional; 2-6 are all present when 1 ("now") is not.
  const length = readDuration(m[8]!);
  if (length === null) return fail(`"${m[8]}" is not a length: use e.g. +30m, +2h, +1d or +1h30m`);
  if (m[7] === '-') return fail('the window ends before it starts: give its length after "+", e.g. +2h');
  if (length < MIN) return fail('the window has no length: give it one such as +30m or +2h');
  if (length > maxMs)
    return fail(`a window may last at most ${formatDuration(maxMs)} (this one lasts ${formatDuration(length)})`);

  let start: Date;
  let note: string | undefined;
  if (m[1]) {
    start = now;
  } else {
    const [year, month, day, hour, minute] = m.slice(2, 7).map(Number) as [number, number, number, number, number];
    const date = `${m[2]}-${m[3]!.padStart(2, '0')}-${m[4]!.padStart(2, '0')}`;
    if (!DateTime.fromObject({ year, month, day }, { zone: 'UTC' }).isValid) return fail(`${date} is not a date`);
    const time = `${m[5]!.padStart(2, '0')}:${m[6]}`;
    if (hour > 23 || minute > 59) return fail(`${time} is not a time of day`);
    const local = resolveLocal(Date.UTC(year, month - 1, day, hour, minute), timezone);
    if (local.kind === 'gap') return fail(`that time does not exist on ${date} in ${timezone} (clocks go forward)`);
    if (local.kind === 'ambiguous') {
      const offset = DateTime.fromJSDate(local.at, { zone: timezone }).toFormat('ZZ');
      note = `${time} happens twice on ${date} in ${timezone}; this is the first (UTC${offset})`;
    }
    start = local.at;
    if (start.getTime() < now.getTime() - graceMs)
      return fail(`the window starts in the past (${date} ${time} ${timezone}): use now +<length> or a later time`);
  }
  const end = new Date(start.getTime() + length);
  return note ? { ok: true, start, end, note } : { ok: true, start, end };
}

const fail = (error: string): WindowParse => ({ ok: false, error });

/**
 * A window for cards, in `timezone`: "Thu 2026-12-03 14:00–16:00 America/New_York (2h)", or with both
 * dates when it spans days: "Sat 2026-03-07 23:00 – Sun 2026-03-08 03:00 America/New_York (3h)".
 * The length in brackets is elapsed time.
 */
export function formatWindow(start: Date, end: Date, timezone: string): string {
  const s = DateTime.fromJSDate(start, { zone: timezone }).setLocale('en-GB');
  const e = DateTime.fromJSDate(end, { zone: timezone }).setLocale('en-GB');
  const length = formatDuration(end.getTime() - start.getTime());
  const head = s.toFormat('ccc yyyy-MM-dd HH:mm');
  const range = s.hasSame(e, 'day')
    ? `${head}–${e.toFormat('HH:mm')}`
    : `${head} – ${e.toFormat('ccc yyyy-MM-dd HH:mm')}`;
  return `${range} ${timezone} (${length})`;
}
