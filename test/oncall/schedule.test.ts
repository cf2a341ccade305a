// On-call schedules: rotations, layers, restrictions and overrides, checked across daylight-saving changes.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  currentAndNext,
  onCallAt,
  segments,
  shiftAt,
  type Override,
  type Rotation,
  type ScheduleSpec,
  type Segment,
  type Shift,
} from '../../src/core/oncall/schedule.js';

const NY = 'America/New_York';
const BER = 'Europe/Berlin';
const MIN = 60_000;
const H = 3_600_000;
const at = (iso: string) => new Date(iso);
/** "Sun 2026-03-08 09:00 EDT" — local rendering used in assertion messages. */
const loc = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone }).toFormat('ccc yyyy-MM-dd HH:mm ZZZZ');
const hhmm = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone }).toFormat('HH:mm');
const iso = (d: Date) => d.toISOString();
const hours = (s: { start: Date; end: Date }) => (s.end.getTime() - s.start.getTime()) / H;
const spec = (timezone: string, layers: ScheduleSpec['layers']): ScheduleSpec => ({ id: 'sched', timezone, layers });
/** Shifts in order, following each shift's end, starting with the one containing `from`. */
function walk(rotation: Rotation, zone: string, from: Date, count: number): Shift[] {
  const out = [shiftAt(rotation, zone, from)];
  while (out.length < count) out.push(shiftAt(rotation, zone, out[out.length - 1]!.end));
  return out;
}
const brief = (s: Segment) => ({ start: iso(s.start), end: iso(s.end), personId: s.personId, layer: s.layer });

describe('daily calendar rotation in America/New_York', () => {
  const daily: Rotation = { every: '1d', handoff: '09:00', members: ['a', 'b', 'c'] };

  it('hands off at 09:00 local on both sides of spring-forward; the shift over the change lasts 23 h', () => {
    const [sat, sun, mon] = walk(daily, NY, at('2026-03-07T15:00:00Z'), 3);
    expect(iso(sat!.start), `Sat 09:00 EST = 14:00Z, got ${loc(sat!.start, NY)}`).toBe('2026-03-07T14:00:00.000Z');
    expect(iso(sun!.start), `Sun 09:00 EDT = 13:00Z, got ${loc(sun!.start, NY)}`).toBe('2026-03-08T13:00:00.000Z');
    expect(iso(mon!.start), `Mon 09:00 EDT = 13:00Z, got ${loc(mon!.start, NY)}`).toBe('2026-03-09T13:00:00.000Z');
    expect(hours(sat!), 'Sat 09:00 EST → Sun 09:00 EDT').toBe(23);
    expect(hours(sun!)).toBe(24);
    // 2024-01-01 → 2026-03-07 is 796 days; 796 mod 3 = 1 → b, then c, then a.
    expect([sat, sun, mon].map((s) => [s!.index, s!.personId])).toEqual([
      [796, 'b'],
      [797, 'c'],
      [798, 'a'],
    ]);
    expect(
      shiftAt(daily, NY, at('2026-03-08T12:59:59.999Z')).personId,
      '08:59:59 EDT Sunday is still Saturday’s shift',
    ).toBe('b');
    expect(shiftAt(daily, NY, at('2026-03-08T13:00:00Z')).personId, '09:00 EDT Sunday').toBe('c');
  });

  it('hands off at 09:00 local on both sides of fall-back; the shift over the change lasts 25 h', () => {
    const [sat, sun] = walk(daily, NY, at('2026-10-31T20:00:00Z'), 2);
    expect(iso(sat!.start), `Sat 09:00 EDT = 13:00Z, got ${loc(sat!.start, NY)}`).toBe('2026-10-31T13:00:00.000Z');
    expect(iso(sun!.start), `Sun 09:00 EST = 14:00Z, got ${loc(sun!.start, NY)}`).toBe('2026-11-01T14:00:00.000Z');
    expect(hours(sat!), 'Sat 09:00 EDT → Sun 09:00 EST').toBe(25);
    // 2024-01-01 → 2026-10-31 is 1034 days; 1034 mod 3 = 2 → c.
    expect([sat!.personId, sun!.personId]).toEqual(['c', 'a']);
    expect(shiftAt(daily, NY, at('2026-11-01T13:30:00Z')).personId, '08:30 EST Sunday (would be 09:30 EDT)').toBe('c');
  });

  it('over a whole year every shift starts at 09:00 local, shifts chain without gaps, members never skip or repeat', () => {
    const shifts = walk(daily, NY, at('2026-01-01T14:00:00Z'), 365);
    const lengths = shifts.map(hours);
    shifts.forEach((s, i) => {
      expect(hhmm(s.start, NY), `shift ${s.index} starts ${loc(s.start, NY)}`).toBe('09:00');
      expect(s.personId).toBe(['a', 'b', 'c'][((s.index % 3) + 3) % 3]);
      if (i > 0) {
        expect(s.start.getTime()).toBe(shifts[i - 1]!.end.getTime());
        expect(s.index).toBe(shifts[i - 1]!.index + 1);
        expect(s.personId).not.toBe(shifts[i - 1]!.personId);
      }
    });
    expect(lengths.filter((h) => h === 23)).toHaveLength(1);
    expect(lengths.filter((h) => h === 25)).toHaveLength(1);
    expect(lengths.filter((h) => h !== 24 && h !== 23 && h !== 25)).toEqual([]);
  });
});

describe('weekly calendar rotation in Europe/Berlin', () => {
  const weekly: Rotation = { every: '1w', handoff: 'Mon 09:00', members: ['a', 'b', 'c'] };

  it('Monday handoffs stay at 09:00 local over the March change; that week lasts 167 h', () => {
    const s = shiftAt(weekly, BER, at('2026-03-29T12:00:00Z'));
    expect(iso(s.start), `Mon 03-23 09:00 CET = 08:00Z, got ${loc(s.start, BER)}`).toBe('2026-03-23T08:00:00.000Z');
    expect(iso(s.end), `Mon 03-30 09:00 CEST = 07:00Z, got ${loc(s.end, BER)}`).toBe('2026-03-30T07:00:00.000Z');
    expect(hours(s)).toBe(167);
    // 2024-01-01 (a Monday) → 2026-03-23 is 812 days = 116 weeks; 116 mod 3 = 2 → c.
    expect([s.index, s.personId]).toEqual([116, 'c']);
    expect(shiftAt(weekly, BER, at('2026-03-30T07:00:00Z')).personId).toBe('a');
  });

  it('Monday handoffs stay at 09:00 local over the October change; that week lasts 169 h', () => {
    const s = shiftAt(weekly, BER, at('2026-10-25T12:00:00Z'));
    expect(iso(s.start), `Mon 10-19 09:00 CEST = 07:00Z, got ${loc(s.start, BER)}`).toBe('2026-10-19T07:00:00.000Z');
    expect(iso(s.end), `Mon 10-26 09:00 CET = 08:00Z, got ${loc(s.end, BER)}`).toBe('2026-10-26T08:00:00.000Z');
    expect(hours(s)).toBe(169);
    expect(s.index).toBe(146);
    expect(shiftAt(weekly, BER, at('2026-10-26T07:30:00Z')).index, '08:30 CET Monday is still the old week').toBe(146);
  });

  it('a weekday handoff moves the start date forward to that weekday', () => {
    const r: Rotation = { ...weekly, start: '2026-01-01' }; // a Thursday → anchor Mon 2026-01-05
    const s = shiftAt(r, BER, at('2026-01-05T08:00:00Z'));
    expect([s.index, s.personId, iso(s.start)]).toEqual([0, 'a', '2026-01-05T08:00:00.000Z']);
    expect(shiftAt(r, BER, at('2026-01-05T07:59:59Z')).index).toBe(-1);
  });
});

describe('handoffs at wall times that do not exist or occur twice', () => {
  /** Every 10 minutes across [from, to): the containing shift really contains t, and shifts chain without gaps or overlaps. */
  function scan(rotation: Rotation, from: string, to: string): Map<number, Shift> {
    const seen = new Map<number, Shift>();
    for (let t = at(from).getTime(); t < at(to).getTime(); t += 10 * MIN) {
      const s = shiftAt(rotation, NY, new Date(t));
      expect(
        s.start.getTime() <= t && t < s.end.getTime(),
        `${loc(new Date(t), NY)} in [${loc(s.start, NY)}, ${loc(s.end, NY)})`,
      ).toBe(true);
      seen.set(s.index, s);
    }
    const list = [...seen.values()].sort((x, y) => x.index - y.index);
    list.slice(1).forEach((s, i) => {
      expect(s.index).toBe(list[i]!.index + 1);
      expect(iso(s.start)).toBe(iso(list[i]!.end));
    });
    return seen;
  }

  it('02:30 on spring-forward day (does not exist) hands off at 03:30 EDT', () => {
    const r: Rotation = { every: '1d', handoff: '02:30', members: ['a', 'b', 'c'] };
    const seen = scan(r, '2026-03-07T05:00:00Z', '2026-03-10T05:00:00Z');
    const sun = shiftAt(r, NY, at('2026-03-08T12:00:00Z'));
    expect(iso(sun.start), `expected Sun 03:30 EDT, got ${loc(sun.start, NY)}`).toBe('2026-03-08T07:30:00.000Z');
    expect(iso(sun.end), `expected Mon 02:30 EDT, got ${loc(sun.end, NY)}`).toBe('2026-03-09T06:30:00.000Z');
    expect(hours(sun)).toBe(23);
    expect(shiftAt(r, NY, at('2026-03-08T07:29:59Z')).index, 'just before 03:30 EDT').toBe(sun.index - 1);
    expect(seen.size).toBe(4);
  });

  it('01:30 on fall-back day (occurs twice) hands off at the first 01:30 (EDT)', () => {
    const r: Rotation = { every: '1d', handoff: '01:30', members: ['a', 'b', 'c'] };
    scan(r, '2026-10-31T04:00:00Z', '2026-11-03T05:00:00Z');
    const sun = shiftAt(r, NY, at('2026-11-01T06:00:00Z')); // 01:00 EST, the second 01:00
    expect(iso(sun.start), `expected Sun 01:30 EDT, got ${loc(sun.start, NY)}`).toBe('2026-11-01T05:30:00.000Z');
    expect(iso(sun.end), `expected Mon 01:30 EST, got ${loc(sun.end, NY)}`).toBe('2026-11-02T06:30:00.000Z');
    expect(hours(sun)).toBe(25);
    expect(shiftAt(r, NY, at('2026-11-01T06:45:00Z')).index, '01:45 EST (second pass) stays in the same shift').toBe(
      sun.index,
    );
  });
});

describe('elapsed-time rotations', () => {
  it('12h shifts are exactly 12 h long, so local handoff times move by an hour across a change', () => {
    // Anchor: 2024-01-01 08:00 EST = 13:00Z; handoffs are always 01:00Z and 13:00Z.
    const r: Rotation = { every: '12h', handoff: '08:00', members: ['a', 'b'] };
    const s = shiftAt(r, NY, at('2026-03-08T12:00:00Z'));
    expect(iso(s.start), `Sat 20:00 EST, got ${loc(s.start, NY)}`).toBe('2026-03-08T01:00:00.000Z');
    expect(iso(s.end), `Sun 09:00 EDT (not 08:00), got ${loc(s.end, NY)}`).toBe('2026-03-08T13:00:00.000Z');
    expect(hours(s)).toBe(12);
    expect([s.index, s.personId]).toEqual([1593, 'b']); // 797 days × 2 − 1
    const after = shiftAt(r, NY, at('2026-11-02T12:00:00Z'));
    expect(hhmm(after.start, NY), 'after fall-back 13:00Z is 08:00 EST again').toBe('20:00');
  });
});

describe('layers and restrictions', () => {
  const base: Rotation = { every: '1w', handoff: 'Mon 09:00', members: ['base1', 'base2'] };
  const biz: Rotation = { every: '1w', handoff: 'Mon 09:00', members: ['biz1', 'biz2'] };
  const s = spec(NY, [
    { name: 'base', rotation: base },
    {
      name: 'business',
      rotation: biz,
      restrictions: [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], from: '09:00', to: '17:00' }],
    },
  ]);
  const who = (iso: string) => {
    const r = onCallAt(s, [], at(iso));
    return `${r.personId}@${r.layer}`;
  };

  it('the higher layer wins inside business hours and the base covers the rest', () => {
    // Week of Mon 2026-03-02 (EST): index 113 → base2 / biz2.
    expect(who('2026-03-03T15:00:00Z'), 'Tue 10:00 EST').toBe('biz2@1');
    expect(who('2026-03-04T01:00:00Z'), 'Tue 20:00 EST').toBe('base2@0');
    expect(who('2026-03-07T15:00:00Z'), 'Sat 10:00 EST').toBe('base2@0');
    expect(who('2026-03-06T21:59:00Z'), 'Fri 16:59 EST').toBe('biz2@1');
    expect(who('2026-03-06T22:00:00Z'), 'Fri 17:00 EST').toBe('base2@0');
  });

  it('restriction edges follow local time after spring-forward and fall-back', () => {
    expect(who('2026-03-09T12:59:00Z'), 'Mon 08:59 EDT (old week)').toBe('base2@0');
    expect(who('2026-03-09T13:00:00Z'), 'Mon 09:00 EDT').toBe('biz1@1');
    expect(who('2026-03-09T20:59:00Z'), 'Mon 16:59 EDT').toBe('biz1@1');
    expect(who('2026-03-09T21:00:00Z'), 'Mon 17:00 EDT').toBe('base1@0');
    expect(who('2026-11-02T13:30:00Z'), 'Mon 08:30 EST').toBe('base2@0');
    expect(who('2026-11-02T14:00:00Z'), 'Mon 09:00 EST (week 148)').toBe('biz1@1');
    expect(who('2026-11-02T21:30:00Z'), 'Mon 16:30 EST').toBe('biz1@1');
    expect(who('2026-11-02T22:00:00Z'), 'Mon 17:00 EST').toBe('base1@0');
  });

  it('overnight windows belong to the day they start on, also across a change', () => {
    const night = spec(NY, [
      { rotation: base },
      { rotation: { ...biz, members: ['owl'] }, restrictions: [{ days: ['Fri'], from: '22:00', to: '06:00' }] },
      { rotation: { ...biz, members: ['bat'] }, restrictions: [{ days: ['Sat'], from: '22:00', to: '06:00' }] },
    ]);
    const p = (iso: string) => onCallAt(night, [], at(iso)).personId;
    expect(p('2026-03-06T03:30:00Z'), 'Thu 22:30 EST').toBe('base2');
    expect(p('2026-03-07T03:00:00Z'), 'Fri 22:00 EST').toBe('owl');
    expect(p('2026-03-07T10:59:00Z'), 'Sat 05:59 EST').toBe('owl');
    expect(p('2026-03-07T11:00:00Z'), 'Sat 06:00 EST').toBe('base2');
    // Sat 22:00 EST (03:00Z) → Sun 06:00 EDT (10:00Z): 7 real hours.
    expect(p('2026-03-08T02:59:00Z'), 'Sat 21:59 EST').toBe('base2');
    expect(p('2026-03-08T03:00:00Z'), 'Sat 22:00 EST').toBe('bat');
    expect(p('2026-03-08T09:59:00Z'), 'Sun 05:59 EDT').toBe('bat');
    expect(p('2026-03-08T10:00:00Z'), 'Sun 06:00 EDT').toBe('base2');
  });

  it('from == to covers the whole day; a layer without members never applies', () => {
    const sundays = spec(NY, [
      { rotation: base },
      { rotation: { ...biz, members: ['sunday'] }, restrictions: [{ days: ['Sun'], from: '00:00', to: '00:00' }] },
      { rotation: { ...biz, members: [] } },
      { rotation: { ...biz, members: ['late'] }, restrictions: [{ days: ['Mon'], from: '23:00', to: '24:00' }] },
    ]);
    expect(onCallAt(sundays, [], at('2026-03-10T03:59:00Z')).personId, 'Mon 23:59 EDT, window to "24:00"').toBe('late');
    expect(onCallAt(sundays, [], at('2026-03-10T04:00:00Z')).personId, 'Tue 00:00 EDT').toBe('base1');
    expect(onCallAt(sundays, [], at('2026-03-08T04:59:00Z')).personId, 'Sat 23:59 EST').toBe('base2');
    expect(onCallAt(sundays, [], at('2026-03-08T05:00:00Z')).personId, 'Sun 00:00 EST').toBe('sunday');
    expect(onCallAt(sundays, [], at('2026-03-09T03:59:00Z')).personId, 'Sun 23:59 EDT').toBe('sunday');
    expect(onCallAt(sundays, [], at('2026-03-09T04:00:00Z')).personId, 'Mon 00:00 EDT').toBe('base2');
  });
});

describe('overrides', () => {
  const s = spec(NY, [{ rotation: { every: '1d', handoff: '09:00', members: ['a', 'b', 'c'] } }]);
  const t = (iso: string) => at(iso);

  it('beat every layer inside their window and only there (end exclusive)', () => {
    const o: Override = { id: 1, personId: 'x', start: t('2026-03-03T15:00:00Z'), end: t('2026-03-03T17:00:00Z') };
    expect(onCallAt(s, [o], t('2026-03-03T16:00:00Z'))).toEqual({ personId: 'x', layer: null, override: o });
    expect(onCallAt(s, [o], t('2026-03-03T14:59:00Z')).personId).not.toBe('x');
    expect(onCallAt(s, [o], t('2026-03-03T17:00:00Z'))).toMatchObject({ layer: 0, override: null });
  });

  it('when they overlap, the one created last wins; without createdAt, the later in the array', () => {
    const old: Override = {
      id: 'old',
      personId: 'x',
      start: t('2026-03-03T15:00:00Z'),
      end: t('2026-03-03T18:00:00Z'),
      createdAt: t('2026-03-01T00:00:00Z'),
    };
    const fresh: Override = {
      id: 'new',
      personId: 'y',
      start: t('2026-03-03T16:00:00Z'),
      end: t('2026-03-03T17:00:00Z'),
      createdAt: t('2026-03-02T00:00:00Z'),
    };
    expect(onCallAt(s, [fresh, old], t('2026-03-03T16:30:00Z')).override).toBe(fresh);
    expect(onCallAt(s, [old, fresh], t('2026-03-03T16:30:00Z')).override).toBe(fresh);
    expect(onCallAt(s, [fresh, old], t('2026-03-03T17:30:00Z')).override).toBe(old);
    const [p, q] = [
      { ...old, createdAt: undefined },
      { ...fresh, createdAt: undefined },
    ];
    expect(onCallAt(s, [q, p], t('2026-03-03T16:30:00Z')).override).toBe(p);
    expect(onCallAt(s, [p, q], t('2026-03-03T16:30:00Z')).override).toBe(q);
  });
});

describe('segments and currentAndNext', () => {
  const daily: Rotation = { every: '1d', handoff: '09:00', members: ['a', 'b', 'c'] };

  it('cut a 3-day window over spring-forward at the local 09:00 handoffs', () => {
    const segs = segments(spec(NY, [{ rotation: daily }]), [], at('2026-03-07T05:00:00Z'), at('2026-03-10T04:00:00Z'));
    expect(segs.map(brief)).toEqual([
      { start: '2026-03-07T05:00:00.000Z', end: '2026-03-07T14:00:00.000Z', personId: 'a', layer: 0 }, // Sat 00:00 EST → 09:00 EST
      { start: '2026-03-07T14:00:00.000Z', end: '2026-03-08T13:00:00.000Z', personId: 'b', layer: 0 }, // → Sun 09:00 EDT
      { start: '2026-03-08T13:00:00.000Z', end: '2026-03-09T13:00:00.000Z', personId: 'c', layer: 0 },
      { start: '2026-03-09T13:00:00.000Z', end: '2026-03-10T04:00:00.000Z', personId: 'a', layer: 0 }, // → Tue 00:00 EDT
    ]);
    expect(
      segments(spec(NY, [{ rotation: daily }]), [], at('2026-03-10T04:00:00Z'), at('2026-03-10T04:00:00Z')),
    ).toEqual([]);
  });

  it('merge handoffs to the same person, but keep source changes apart', () => {
    const solo = spec(NY, [{ rotation: { ...daily, members: ['x', 'x'] } }]);
    expect(segments(solo, [], at('2026-03-01T00:00:00Z'), at('2026-03-20T00:00:00Z')).map(brief)).toEqual([
      { start: '2026-03-01T00:00:00.000Z', end: '2026-03-20T00:00:00.000Z', personId: 'x', layer: 0 },
    ]);
    const o: Override = { personId: 'x', start: at('2026-03-05T00:00:00Z'), end: at('2026-03-06T00:00:00Z') };
    const segs = segments(solo, [o], at('2026-03-01T00:00:00Z'), at('2026-03-20T00:00:00Z'));
    expect(segs.map((s) => [iso(s.start), s.override])).toEqual([
      ['2026-03-01T00:00:00.000Z', null],
      ['2026-03-05T00:00:00.000Z', o],
      ['2026-03-06T00:00:00.000Z', null],
    ]);
  });

  it('cover 8 weeks of a busy schedule contiguously and agree with onCallAt everywhere', () => {
    const busy = spec(NY, [
      { rotation: { every: '1w', handoff: 'Mon 09:00', members: ['w1', 'w2', 'w3'] } },
      {
        rotation: { every: '12h', handoff: '07:00', members: ['h1', 'h2'] },
        restrictions: [{ days: ['Sat', 'Sun'], from: '08:00', to: '20:00' }],
      },
      {
        rotation: { every: '30m', handoff: '00:00', members: ['m1', 'm2', 'm3'] },
        restrictions: [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], from: '09:00', to: '17:00' }],
      },
      {
        rotation: { every: '1d', handoff: '22:00', members: ['n1', 'n2'] },
        restrictions: [{ days: ['Fri'], from: '22:00', to: '06:00' }],
      },
    ]);
    const overrides: Override[] = [
      { personId: 'o1', start: at('2026-03-08T06:15:00Z'), end: at('2026-03-08T09:45:00Z') },
      {
        personId: 'o2',
        start: at('2026-03-20T12:00:00Z'),
        end: at('2026-03-23T12:00:00Z'),
        createdAt: at('2026-03-01T00:00:00Z'),
      },
    ];
    const from = at('2026-02-23T05:00:00Z');
    const to = new Date(from.getTime() + 8 * 7 * 24 * H);
    const segs = segments(busy, overrides, from, to);
    expect(iso(segs[0]!.start)).toBe(iso(from));
    expect(iso(segs[segs.length - 1]!.end)).toBe(iso(to));
    segs.slice(1).forEach((s, i) => {
      expect(iso(s.start), 'contiguous').toBe(iso(segs[i]!.end));
      const same = s.personId === segs[i]!.personId && s.layer === segs[i]!.layer && s.override === segs[i]!.override;
      expect(same, `unmerged neighbours at ${loc(s.start, NY)}`).toBe(false);
    });
    const mismatches: string[] = [];
    let j = 0;
    for (let t = from.getTime(); t < to.getTime(); t += 10 * MIN) {
      while (segs[j]!.end.getTime() <= t) j++;
      const want = onCallAt(busy, overrides, new Date(t));
      if (segs[j]!.personId !== want.personId || segs[j]!.layer !== want.layer || segs[j]!.override !== want.override) {
        mismatches.push(
          `${loc(new Date(t), NY)}: segment says ${segs[j]!.personId}@${segs[j]!.layer}, onCallAt ${want.personId}@${want.layer}`,
        );
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('show nobody outside the only layer’s window, and currentAndNext finds the next person', () => {
    const office = spec(NY, [
      {
        rotation: { every: '1w', handoff: 'Mon 09:00', members: ['ann', 'bob'] },
        restrictions: [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], from: '09:00', to: '17:00' }],
      },
    ]);
    // Mon 2026-03-09 00:00 EDT → Tue 00:00 EDT; week index 114 → ann.
    expect(segments(office, [], at('2026-03-09T04:00:00Z'), at('2026-03-10T04:00:00Z')).map(brief)).toEqual([
      { start: '2026-03-09T04:00:00.000Z', end: '2026-03-09T13:00:00.000Z', personId: null, layer: null },
      { start: '2026-03-09T13:00:00.000Z', end: '2026-03-09T21:00:00.000Z', personId: 'ann', layer: 0 },
      { start: '2026-03-09T21:00:00.000Z', end: '2026-03-10T04:00:00.000Z', personId: null, layer: null },
    ]);
    const { current, next } = currentAndNext(office, [], at('2026-03-09T12:00:00Z')); // Mon 08:00 EDT
    expect(brief(current), 'nobody since Fri 17:00 EST until Mon 09:00 EDT').toEqual({
      start: '2026-03-06T22:00:00.000Z',
      end: '2026-03-09T13:00:00.000Z',
      personId: null,
      layer: null,
    });
    expect(next && brief(next)).toEqual({
      start: '2026-03-09T13:00:00.000Z',
      end: '2026-03-09T21:00:00.000Z',
      personId: 'ann',
      layer: 0,
    });
  });

  it('currentAndNext extends over source changes of the same person and skips to a different one', () => {
    const s = spec(NY, [{ rotation: daily }]);
    // Tue 2026-03-03: shift 09:00 EST (14:00Z) → Wed 09:00 EST is index 792 → a; then b.
    const o: Override = {
      id: 'swap',
      personId: 'a',
      start: at('2026-03-03T17:00:00Z'),
      end: at('2026-03-03T18:00:00Z'),
    };
    const { current, next } = currentAndNext(s, [o], at('2026-03-03T17:30:00Z'));
    expect(current).toEqual({
      start: at('2026-03-03T17:00:00Z'),
      end: at('2026-03-04T14:00:00Z'),
      personId: 'a',
      layer: null,
      override: o,
    });
    expect(next).toEqual({
      start: at('2026-03-04T14:00:00Z'),
      end: at('2026-03-05T14:00:00Z'),
      personId: 'b',
      layer: 0,
      override: null,
    });
  });

  it('next is null when nobody else takes over within the horizon', () => {
    const s = spec(NY, [{ rotation: { ...daily, members: ['only'] } }]);
    const now = at('2026-03-03T17:30:00Z');
    const { current, next } = currentAndNext(s, [], now, 7 * 24 * H);
    expect(next).toBeNull();
    expect(current.personId).toBe('only');
    expect(current.end.getTime()).toBe(now.getTime() + 7 * 24 * H);
  });
});

describe('rotations anchored in the future', () => {
  it('instants before the anchor get negative indexes, true-modulo members and consistent shifts', () => {
    const r: Rotation = { every: '1w', handoff: 'Mon 09:00', members: ['a', 'b', 'c'], start: '2027-01-06' }; // → Mon 2027-01-11
    const first = shiftAt(r, NY, at('2027-01-11T14:00:00Z'));
    expect([first.index, first.personId], 'Mon 2027-01-11 09:00 EST').toEqual([0, 'a']);
    const prev = shiftAt(r, NY, at('2027-01-11T13:59:59Z'));
    expect([prev.index, prev.personId]).toEqual([-1, 'c']);
    const t = at('2026-06-10T12:00:00Z');
    const s = shiftAt(r, NY, t);
    // Mon 2026-06-08 is 217 days = 31 weeks before the anchor; -31 mod 3 = 2 → c.
    expect([s.index, s.personId, iso(s.start)], `got ${loc(s.start, NY)}`).toEqual([
      -31,
      'c',
      '2026-06-08T13:00:00.000Z',
    ]);
    expect(s.start.getTime() <= t.getTime() && t.getTime() < s.end.getTime()).toBe(true);
    const elapsed = shiftAt({ every: '8h', handoff: '06:00', members: ['a', 'b', 'c'], start: '2030-01-01' }, NY, t);
    expect(elapsed.index).toBeLessThan(0);
    expect(elapsed.start.getTime() <= t.getTime() && t.getTime() < elapsed.end.getTime()).toBe(true);
    expect(hours(elapsed)).toBe(8);
    expect(elapsed.personId).toBe(['a', 'b', 'c'][((elapsed.index % 3) + 3) % 3]);
  });
});

describe('bad input', () => {
  it('is rejected with the reason', () => {
    const r: Rotation = { every: '1d', handoff: '09:00', members: ['a'] };
    const t = at('2026-03-03T00:00:00Z');
    expect(() => shiftAt(r, 'Mars/Olympus', t)).toThrow(/time zone/);
    expect(() => shiftAt({ ...r, every: '1y' }, NY, t)).toThrow(/duration/);
    expect(() => shiftAt({ ...r, handoff: '25:00' }, NY, t)).toThrow(/time of day/);
    expect(() => shiftAt({ ...r, handoff: 'Xyz 09:00' }, NY, t)).toThrow(/weekday/);
    expect(() => shiftAt({ ...r, start: '2026-02-30' }, NY, t)).toThrow(/date/);
    expect(() => shiftAt({ ...r, members: [] }, NY, t)).toThrow(/no members/);
  });
});
