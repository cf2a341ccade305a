// The planned window typed in the change form: exact instants, New York's daylight-saving days, every error message.
import { describe, expect, it } from 'vitest';
import { formatWindow, parseWindow, resolveLocal } from '../../src/core/changes/window.js';
import { formatDuration, parseDuration, readDuration } from '../../src/core/shared/duration.js';

const NY = 'America/New_York';
const now = new Date('2026-03-01T12:00:00Z');
const read = (text: string, at = now, timezone = NY) => parseWindow(text, { timezone, now: at });
const iso = (r: ReturnType<typeof parseWindow>) => (r.ok ? [r.start.toISOString(), r.end.toISOString()] : r.error);

describe('readDuration', () => {
  it('reads typed lengths, largest unit first, each unit once', () => {
    expect(readDuration('30m')).toBe(30 * 60_000);
    expect(readDuration('2h')).toBe(7_200_000);
    expect(readDuration('1d')).toBe(86_400_000);
    expect(readDuration('1h30m')).toBe(90 * 60_000);
    expect(readDuration('1d 2h')).toBe(26 * 3_600_000);
    expect(readDuration('2H')).toBe(7_200_000);
    expect(readDuration('0m')).toBe(0);
    for (const bad of ['', '30', 'm', '30m2h', '1h1h', '1.5h', '2x', '-2h']) expect(readDuration(bad), bad).toBeNull();
  });

  it('keeps policy durations strict and formats as before', () => {
    expect(parseDuration('64h')).toBe(64 * 3_600_000);
    expect(() => parseDuration('1h30m')).toThrow(/not a duration/);
    expect(formatDuration(90_000)).toBe('1m 30s');
    expect(formatDuration(8 * 86_400_000)).toBe('1w 1d');
  });
});

describe('parseWindow', () => {
  it('reads a local start and an elapsed length in the requester zone', () => {
    expect(iso(read('2026-12-03 14:00 +2h'))).toEqual(['2026-12-03T19:00:00.000Z', '2026-12-03T21:00:00.000Z']);
    expect(iso(read('  2026-12-03   9:05   + 1h30m '))).toEqual([
      '2026-12-03T14:05:00.000Z',
      '2026-12-03T15:35:00.000Z',
    ]);
    expect(iso(read('2026-12-03 14:00 +2h', now, 'Europe/Berlin'))).toEqual([
      '2026-12-03T13:00:00.000Z',
      '2026-12-03T15:00:00.000Z',
    ]);
  });

  it('"now" starts at the injected instant', () => {
    expect(iso(read('now +30m'))).toEqual(['2026-03-01T12:00:00.000Z', '2026-03-01T12:30:00.000Z']);
    expect(iso(read('NOW +1d'))).toEqual(['2026-03-01T12:00:00.000Z', '2026-03-02T12:00:00.000Z']);
  });

  it('2026-03-08 in New York: a skipped time is refused, the length around the gap is elapsed time', () => {
    expect(read('2026-03-08 02:30 +1h')).toEqual({
      ok: false,
      error: 'that time does not exist on 2026-03-08 in America/New_York (clocks go forward)',
    });
    expect(read('2026-03-08 02:00 +1h')).toEqual({
      ok: false,
      error: 'that time does not exist on 2026-03-08 in America/New_York (clocks go forward)',
    });
    // 01:30 EST + 2h of work ends 04:30 EDT on the wall clock.
    expect(iso(read('2026-03-08 01:30 +2h'))).toEqual(['2026-03-08T06:30:00.000Z', '2026-03-08T08:30:00.000Z']);
    expect(iso(read('2026-03-08 03:00 +30m'))).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-08T07:30:00.000Z']);
    expect(iso(read('2026-03-07 23:00 +4h'))).toEqual(['2026-03-08T04:00:00.000Z', '2026-03-08T08:00:00.000Z']);
  });

  it('2026-11-01 in New York: a repeated time is its first instant, with a note saying so', () => {
    const r = read('2026-11-01 01:30 +1h');
    expect(r).toEqual({
      ok: true,
      start: new Date('2026-11-01T05:30:00Z'),
      end: new Date('2026-11-01T06:30:00Z'),
      note: '01:30 happens twice on 2026-11-01 in America/New_York; this is the first (UTC-04:00)',
    });
    const across = read('2026-11-01 00:30 +3h');
    expect(across).toEqual({
      ok: true,
      start: new Date('2026-11-01T04:30:00Z'),
      end: new Date('2026-11-01T07:30:00Z'),
    });
    expect(iso(read('2026-11-01 02:00 +1h'))).toEqual(['2026-11-01T07:00:00.000Z', '2026-11-01T08:00:00.000Z']);
  });

  it('says what is wrong with the field', () => {
    const error = (text: string, at = now) => {
      const r = read(text, at);
      return r.ok ? 'accepted' : r.error;
    };
    expect(error('tomorrow 14:00 +2h')).toBe('Use YYYY-MM-DD HH:MM +2h or now +30m');
    expect(error('2026-12-03 14:00')).toBe('Use YYYY-MM-DD HH:MM +2h or now +30m');
    expect(error('2026-12-03T14:00 +2h')).toBe('Use YYYY-MM-DD HH:MM +2h or now +30m');
    expect(error('2026-02-30 10:00 +1h')).toBe('2026-02-30 is not a date');
    expect(error('2026-12-03 24:00 +1h')).toBe('24:00 is not a time of day');
    expect(error('2026-12-03 14:00 +2x')).toBe('"2x" is not a length: use e.g. +30m, +2h, +1d or +1h30m');
    expect(error('2026-12-03 14:00 -2h')).toBe('the window ends before it starts: give its length after "+", e.g. +2h');
    expect(error('now +0m')).toBe('the window has no length: give it one such as +30m or +2h');
    expect(error('now +8d')).toBe('a window may last at most 1w (this one lasts 1w 1d)');
    expect(error('now +7d')).toBe('accepted');
  });

  it('refuses a start in the past beyond a grace of five minutes', () => {
    const at = new Date('2026-12-03T19:10:00Z'); // 14:10 EST
    expect(iso(read('2026-12-03 14:05 +1h', at))).toEqual(['2026-12-03T19:05:00.000Z', '2026-12-03T20:05:00.000Z']);
    expect(read('2026-12-03 14:04 +1h', at)).toEqual({
      ok: false,
      error: 'the window starts in the past (2026-12-03 14:04 America/New_York): use now +<length> or a later time',
    });
    expect(parseWindow('2026-12-03 13:00 +1h', { timezone: NY, now: at, graceMs: 2 * 3_600_000 }).ok).toBe(true);
  });
});

describe('resolveLocal', () => {
  it('tells existing, repeated and skipped wall times apart', () => {
    expect(resolveLocal(Date.UTC(2026, 11, 3, 14, 0), NY)).toEqual({
      kind: 'exists',
      at: new Date('2026-12-03T19:00:00Z'),
    });
    expect(resolveLocal(Date.UTC(2026, 10, 1, 1, 30), NY)).toEqual({
      kind: 'ambiguous',
      at: new Date('2026-11-01T05:30:00Z'),
      later: new Date('2026-11-01T06:30:00Z'),
    });
    // Skipped: moved forward by the gap, as the cron scheduler does (02:30 → 03:30 EDT).
    expect(resolveLocal(Date.UTC(2026, 2, 8, 2, 30), NY)).toEqual({
      kind: 'gap',
      at: new Date('2026-03-08T07:30:00Z'),
    });
  });
});

describe('formatWindow', () => {
  it('shows the local window with its elapsed length', () => {
    expect(formatWindow(new Date('2026-12-03T19:00:00Z'), new Date('2026-12-03T21:00:00Z'), NY)).toBe(
      'Thu 2026-12-03 14:00–16:00 America/New_York (2h)',
    );
    expect(formatWindow(new Date('2026-03-08T04:00:00Z'), new Date('2026-03-08T08:00:00Z'), NY)).toBe(
      'Sat 2026-03-07 23:00 – Sun 2026-03-08 04:00 America/New_York (4h)',
    );
    expect(formatWindow(new Date('2026-03-08T06:30:00Z'), new Date('2026-03-08T08:30:00Z'), NY)).toBe(
      'Sun 2026-03-08 01:30–04:30 America/New_York (2h)',
    );
    expect(formatWindow(new Date('2026-12-03T19:00:00Z'), new Date('2026-12-03T20:30:00Z'), 'Europe/Berlin')).toBe(
      'Thu 2026-12-03 20:00–21:30 Europe/Berlin (1h 30m)',
    );
  });
});
