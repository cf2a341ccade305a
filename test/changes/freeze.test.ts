// Change freezes: fixed and recurring, in their own zones, across Berlin's and New York's daylight-saving changes.
import { describe, expect, it } from 'vitest';
import type { Freeze } from '../../src/core/policy/schema.js';
import { freezesBetween, freezesOverlapping, localInstant, occurrencesOf } from '../../src/core/changes/freeze.js';

const weekend: Freeze = {
  id: 'weekend',
  reason: 'No weekend changes',
  timezone: 'Europe/Berlin',
  cron: '0 17 * * 5',
  duration: '64h',
};
const yearEnd: Freeze = {
  id: 'year-end',
  reason: 'Year-end freeze',
  timezone: 'America/New_York',
  from: '2026-12-20 00:00',
  to: '2027-01-04 00:00',
  services: ['payments-api'],
};
const freezes = [yearEnd, weekend];
const d = (iso: string) => new Date(iso);
const spans = (list: { freeze: Freeze; from: Date; to: Date }[]) =>
  list.map((o) => [o.freeze.id, o.from.toISOString(), o.to.toISOString()]);
const overlapping = (service: string, start: string, end: string) =>
  spans(freezesOverlapping(freezes, service, d(start), d(end)));

describe('recurring freeze: Fri 17:00 + 64h in Europe/Berlin, wall-clock length', () => {
  it('on the weekend clocks go forward (2026-03-29) it ends Monday 09:00 CEST: 63 h elapsed', () => {
    const run = ['weekend', '2026-03-27T16:00:00.000Z', '2026-03-30T07:00:00.000Z'];
    // Sunday noon: found by looking back from the window to Friday's start.
    expect(overlapping('ledger', '2026-03-29T12:00:00Z', '2026-03-29T13:00:00Z')).toEqual([run]);
    // Monday 08:30 local is still frozen, 09:00 local is free (with elapsed time it would run to 10:00 CEST).
    expect(overlapping('ledger', '2026-03-30T06:30:00Z', '2026-03-30T06:45:00Z')).toEqual([run]);
    expect(overlapping('ledger', '2026-03-30T07:00:00Z', '2026-03-30T08:00:00Z')).toEqual([]);
    // Friday 16:59 local is free; a window reaching past 17:00 is not.
    expect(overlapping('ledger', '2026-03-27T15:00:00Z', '2026-03-27T16:00:00Z')).toEqual([]);
    expect(overlapping('ledger', '2026-03-27T15:00:00Z', '2026-03-27T16:00:01Z')).toEqual([run]);
  });

  it('on the weekend clocks go back (2026-10-25) it ends Monday 09:00 CET: 65 h elapsed', () => {
    const run = ['weekend', '2026-10-23T15:00:00.000Z', '2026-10-26T08:00:00.000Z'];
    expect(overlapping('ledger', '2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z')).toEqual([run]);
    // Monday 08:30 CET (07:30Z) is still frozen (with elapsed time it would have ended at 07:00Z).
    expect(overlapping('ledger', '2026-10-26T07:30:00Z', '2026-10-26T07:45:00Z')).toEqual([run]);
    expect(overlapping('ledger', '2026-10-26T08:00:00Z', '2026-10-26T09:00:00Z')).toEqual([]);
  });

  it('the calendar of the next 7 days lists each occurrence, the running one included', () => {
    // From Monday 00:00Z: the previous weekend still runs until 09:00 CET.
    expect(spans(freezesBetween([weekend], d('2026-03-23T00:00:00Z'), d('2026-03-30T00:00:00Z')))).toEqual([
      ['weekend', '2026-03-20T16:00:00.000Z', '2026-03-23T08:00:00.000Z'],
      ['weekend', '2026-03-27T16:00:00.000Z', '2026-03-30T07:00:00.000Z'],
    ]);
    expect(spans(freezesBetween(freezes, d('2026-03-28T12:00:00Z'), d('2026-04-04T12:00:00Z')))).toEqual([
      ['weekend', '2026-03-27T16:00:00.000Z', '2026-03-30T07:00:00.000Z'],
      ['weekend', '2026-04-03T15:00:00.000Z', '2026-04-06T07:00:00.000Z'],
    ]);
    expect(spans(freezesBetween(freezes, d('2026-03-30T07:00:00Z'), d('2026-04-03T15:00:00Z')))).toEqual([]);
  });
});

describe('fixed freeze: year-end in America/New_York', () => {
  it('runs from 2026-12-20 00:00 EST to 2027-01-04 00:00 EST (exclusive), for its services only', () => {
    const run = ['year-end', '2026-12-20T05:00:00.000Z', '2027-01-04T05:00:00.000Z'];
    expect(overlapping('payments-api', '2026-12-28T15:00:00Z', '2026-12-28T17:00:00Z')).toEqual([run]);
    expect(overlapping('edge-gateway', '2026-12-28T15:00:00Z', '2026-12-28T17:00:00Z')).toEqual([]);
    // Sunday 2027-01-03 23:00 EST to midnight is frozen, from Monday 00:00 EST it is not (the weekend freeze left aside).
    const yearEndOnly = (start: string, end: string) =>
      spans(freezesOverlapping([yearEnd], 'payments-api', d(start), d(end)));
    expect(yearEndOnly('2027-01-04T04:00:00Z', '2027-01-04T05:00:00Z')).toEqual([run]);
    expect(yearEndOnly('2027-01-04T05:00:00Z', '2027-01-04T06:00:00Z')).toEqual([]);
    expect(yearEndOnly('2026-12-20T04:00:00Z', '2026-12-20T05:00:00Z')).toEqual([]);
  });

  it('a window touching both freezes gets both, in order of start; the end of a window is exclusive', () => {
    // Saturday 2026-12-19 23:00 EST for two hours: inside the weekend freeze and into the year-end freeze.
    expect(overlapping('payments-api', '2026-12-20T04:00:00Z', '2026-12-20T06:00:00Z')).toEqual([
      ['weekend', '2026-12-18T16:00:00.000Z', '2026-12-21T08:00:00.000Z'],
      ['year-end', '2026-12-20T05:00:00.000Z', '2027-01-04T05:00:00.000Z'],
    ]);
    expect(overlapping('payments-api', '2026-12-20T04:00:00Z', '2026-12-20T05:00:00Z').map(([id]) => id)).toEqual([
      'weekend',
    ]);
  });
});

describe('occurrences and local times', () => {
  const utc = (cron: string, duration: string): Freeze => ({ id: 'x', reason: 'X', timezone: 'UTC', cron, duration });

  it('merges occurrences of one freeze that overlap into one run', () => {
    expect(
      spans(occurrencesOf(utc('0 9-11 * * *', '2h'), d('2026-06-01T10:30:00Z'), d('2026-06-01T10:45:00Z'))),
    ).toEqual([['x', '2026-06-01T09:00:00.000Z', '2026-06-01T13:00:00.000Z']]);
    // A run without end is followed 31 days past the asked range.
    const endless = occurrencesOf(utc('0 * * * *', '2h'), d('2026-06-01T10:30:00Z'), d('2026-06-01T10:45:00Z'));
    expect(spans(endless)).toEqual([['x', '2026-06-01T09:00:00.000Z', '2026-07-02T12:00:00.000Z']]);
  });

  it('a start in the New York gap runs at the scheduler time; an end in the gap moves forward by it', () => {
    const ny = (cron: string, duration: string): Freeze => ({
      id: 'n',
      reason: 'N',
      timezone: 'America/New_York',
      cron,
      duration,
    });
    const day = [d('2026-03-08T00:00:00Z'), d('2026-03-09T00:00:00Z')] as const;
    // 02:30 does not exist on 2026-03-08: the freeze starts 03:30 EDT and lasts to 04:30 EDT.
    expect(spans(occurrencesOf(ny('30 2 8 3 *', '1h'), ...day))).toEqual([
      ['n', '2026-03-08T07:30:00.000Z', '2026-03-08T08:30:00.000Z'],
    ]);
    // 01:30 EST + 1h on the wall clock is 02:30, skipped: it ends 03:30 EDT.
    expect(spans(occurrencesOf(ny('30 1 8 3 *', '1h'), ...day))).toEqual([
      ['n', '2026-03-08T06:30:00.000Z', '2026-03-08T07:30:00.000Z'],
    ]);
  });

  it('reads a policy local time in its zone', () => {
    expect(localInstant('2026-12-20 00:00', 'America/New_York')).toEqual(d('2026-12-20T05:00:00Z'));
    expect(localInstant('2026-07-01 00:00', 'America/New_York')).toEqual(d('2026-07-01T04:00:00Z'));
    expect(() => localInstant('2026-12-20T00:00', 'UTC')).toThrow(/not a local time/);
  });
});
