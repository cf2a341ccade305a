// Next and previous instants of cron expressions in IANA zones, across daylight-saving changes.
import { describe, expect, it } from 'vitest';
import { CronError, cronTime, isValidCron } from '../../src/core/jobs/cron.js';

const NY = 'America/New_York';
const BER = 'Europe/Berlin';
const iso = (d: Date | null) => d?.toISOString() ?? null;
/** The first `n` occurrences strictly after `from`. */
function following(cron: string, zone: string, from: string, n: number): string[] {
  const t = cronTime(cron, zone);
  const out: string[] = [];
  let at: Date | null = new Date(from);
  while (out.length < n && (at = t.after(at))) out.push(at.toISOString());
  return out;
}
/** The latest `n` occurrences at or before `from`, oldest first. */
function preceding(cron: string, zone: string, from: string, n: number): string[] {
  const t = cronTime(cron, zone);
  const out: string[] = [];
  let at: Date | null = new Date(from);
  while (out.length < n && (at = t.atOrBefore(at))) {
    out.unshift(at.toISOString());
    at = new Date(at.getTime() - 1);
  }
  return out;
}

describe('daylight saving in America/New_York (2026-03-08 spring forward, 2026-11-01 fall back)', () => {
  it('02:30, which does not exist on 2026-03-08, runs once at 03:30 EDT (07:30Z); the days around keep 02:30', () => {
    expect(following('30 2 * * *', NY, '2026-03-06T12:00:00Z', 3)).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-08T07:30:00.000Z', // 02:30 shifted by the hour skipped: 03:30 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
    ]);
    expect(preceding('30 2 * * *', NY, '2026-03-09T06:30:00Z', 3)).toEqual([
      '2026-03-07T07:30:00.000Z',
      '2026-03-08T07:30:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
  });

  it('01:30, which occurs twice on 2026-11-01, runs once at the first (01:30 EDT = 05:30Z)', () => {
    expect(following('30 1 * * *', NY, '2026-10-31T12:00:00Z', 2)).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
    // From between the two 01:30s, the second one (06:30Z) is not an occurrence.
    expect(iso(cronTime('30 1 * * *', NY).after(new Date('2026-11-01T05:30:00Z')))).toBe('2026-11-02T06:30:00.000Z');
    expect(iso(cronTime('30 1 * * *', NY).atOrBefore(new Date('2026-11-01T07:00:00Z')))).toBe(
      '2026-11-01T05:30:00.000Z',
    );
  });

  it('an every-30-minutes expression runs each wall time once: the repeated hour once, the skipped hour not at all', () => {
    expect(following('*/30 * * * *', NY, '2026-11-01T04:45:00Z', 4)).toEqual([
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT
      '2026-11-01T07:00:00.000Z', // 02:00 EST (01:00 and 01:30 EST are the same wall times again)
      '2026-11-01T07:30:00.000Z',
    ]);
    expect(following('*/30 * * * *', NY, '2026-03-08T06:15:00Z', 4)).toEqual([
      '2026-03-08T06:30:00.000Z', // 01:30 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT (02:00 shifted lands here too: once)
      '2026-03-08T07:30:00.000Z', // 03:30 EDT (and 02:30 shifted)
      '2026-03-08T08:00:00.000Z',
    ]);
  });

  it('a weekday 09:00 (0 9 * * 1-5) skips the weekend and follows the change of offset', () => {
    expect(following('0 9 * * 1-5', NY, '2026-03-05T15:00:00Z', 3)).toEqual([
      '2026-03-06T14:00:00.000Z', // Fri 09:00 EST
      '2026-03-09T13:00:00.000Z', // Mon 09:00 EDT
      '2026-03-10T13:00:00.000Z',
    ]);
    expect(preceding('0 9 * * 1-5', NY, '2026-03-09T12:59:59.999Z', 1)).toEqual(['2026-03-06T14:00:00.000Z']);
  });
});

describe('daylight saving in Europe/Berlin (2026-03-29 and 2026-10-25)', () => {
  it('09:00 runs once on both change days: 07:00Z (CEST) and 08:00Z (CET)', () => {
    expect(following('0 9 * * *', BER, '2026-03-28T12:00:00Z', 2)).toEqual([
      '2026-03-29T07:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ]);
    expect(following('0 9 * * *', BER, '2026-10-24T12:00:00Z', 2)).toEqual([
      '2026-10-25T08:00:00.000Z',
      '2026-10-26T08:00:00.000Z',
    ]);
  });

  it('02:30 on the change days: shifted to 03:30 CEST (01:30Z) in March, the first 02:30 (CEST, 00:30Z) in October', () => {
    expect(following('30 2 * * *', BER, '2026-03-28T12:00:00Z', 1)).toEqual(['2026-03-29T01:30:00.000Z']);
    expect(following('30 2 * * *', BER, '2026-10-24T12:00:00Z', 2)).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });
});

describe('a half-hour change (Australia/Lord_Howe, +10:30 / +11)', () => {
  it('01:45 occurs twice on 2026-04-05 and runs at the first; 02:15 does not exist on 2026-10-04 and runs 30 min later', () => {
    expect(following('45 1 * * *', 'Australia/Lord_Howe', '2026-04-04T00:00:00Z', 1)).toEqual([
      '2026-04-04T14:45:00.000Z',
    ]);
    expect(following('15 2 * * *', 'Australia/Lord_Howe', '2026-10-03T00:00:00Z', 1)).toEqual([
      '2026-10-03T15:45:00.000Z',
    ]);
  });
});

describe('bounds and input', () => {
  it('atOrAfter includes an occurrence at the instant itself, after does not', () => {
    const t = cronTime('0 9 * * *', BER);
    expect(iso(t.atOrAfter(new Date('2026-03-29T07:00:00Z')))).toBe('2026-03-29T07:00:00.000Z');
    expect(iso(t.after(new Date('2026-03-29T07:00:00Z')))).toBe('2026-03-30T07:00:00.000Z');
    expect(iso(t.atOrBefore(new Date('2026-03-29T07:00:00Z')))).toBe('2026-03-29T07:00:00.000Z');
    expect(iso(t.atOrBefore(new Date('2026-03-29T06:59:59.999Z')))).toBe('2026-03-28T08:00:00.000Z');
  });

  it('a date that never comes has no occurrence', () => {
    expect(cronTime('0 9 30 2 *', BER).after(new Date('2026-01-01T00:00:00Z'))).toBeNull();
  });

  it('rejects expressions that are not five fields, bad fields and unknown zones with CRON.INVALID', () => {
    for (const [cron, zone] of [
      ['0 0 9 * * *', BER],
      ['0 9 * *', BER],
      ['61 9 * * *', BER],
      ['0 9 * * mon-xyz', BER],
      ['0 9 * * *', 'Mars/Olympus'],
    ]) {
      expect(() => cronTime(cron!, zone!), `${cron} ${zone}`).toThrow(CronError);
      expect(isValidCron(cron!, zone)).toBe(false);
    }
    expect(isValidCron('0 9 * * 1-5', NY)).toBe(true);
    let caught: unknown;
    try {
      cronTime('0 9 * *', BER);
    } catch (err) {
      caught = err;
    }
    expect((caught as CronError | undefined)?.code).toBe('CRON.INVALID');
  });
});
