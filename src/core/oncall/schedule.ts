// Who is on call in a layered on-call schedule at any instant, wall-clock correct across daylight-saving changes.
import { IANAZone } from 'luxon';
import { parseDuration } from '../shared/duration.js';

export type Weekday = 'Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri' | 'Sat' | 'Sun';
/** "HH:MM" local times in the schedule zone; `to <= from` runs overnight (belongs to the start day); `from == to` is a whole day. `to` may be "24:00". */
export interface Restriction {
  days?: Weekday[];
  from: string;
  to: string;
}
/** every: "1d" "1w" (calendar) or "12h" "30m" (elapsed); handoff "HH:MM" or "Mon 09:00"; start: local anchor date "YYYY-MM-DD". */
export interface Rotation {
  every: string;
  handoff: string;
  members: string[];
  start?: string;
}
export interface Layer {
  name?: string;
  rotation: Rotation;
  restrictions?: Restriction[];
}
/** layers[0] is the lowest; a higher layer wins wherever it has a member and its restrictions cover the instant. */
export interface ScheduleSpec {
  id: string;
  timezone: string;
  layers: Layer[];
}
/** Overrides beat every layer; among overlapping ones the latest createdAt wins (none counts as oldest), ties → later in the array. */
export interface Override {
  id?: string | number;
  personId: string;
  start: Date;
  end: Date;
  createdAt?: Date;
}
export interface Shift {
  index: number;
  personId: string;
  start: Date;
  end: Date;
}
export interface Segment {
  start: Date;
  end: Date;
  personId: string | null;
  layer: number | null;
  override: Override | null;
}
export interface OnCall {
  personId: string | null;
  layer: number | null;
  override: Override | null;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
export const WEEKDAYS: readonly Weekday[] = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const DEFAULT_START = '2024-01-01';
export const DEFAULT_HORIZON_MS = 8 * 7 * DAY;
/** Guard against windows that would enumerate millions of handoffs (e.g. a 1s rotation over months). */
const MAX_HANDOFFS_PER_LAYER = 200_000;

// ---- Local calendar arithmetic. A "day" is a whole-day number since 1970-01-01 on the local calendar. ----

function zoneOf(name: string): IANAZone {
  const zone = IANAZone.create(name); // cached by luxon, validity included
  if (!zone.isValid) throw new Error(`unknown time zone: ${JSON.stringify(name)}`);
  return zone;
}

/**
 * Zone offset in minutes at t, memoised per zone and UTC hour: when the offset is the same at both ends of the hour
 * (no transition inside it) the whole hour shares it; otherwise ask the zone directly. Intl lookups cost microseconds.
 */
const offsetCache = new Map<string, number>();
function offsetAt(zone: IANAZone, t: number): number {
  const hour = Math.floor(t / 3_600_000);
  const key = `${zone.name}|${hour}`;
  let o = offsetCache.get(key);
  if (o === undefined) {
    const a = zone.offset(hour * 3_600_000);
    o = a === zone.offset(hour * 3_600_000 + 3_599_999) ? a : NaN;
    if (offsetCache.size > 100_000) offsetCache.clear();
    offsetCache.set(key, o);
  }
  return Number.isNaN(o) ? zone.offset(t) : o;
}

/** Local day number and (fractional) minute of day of instant t. */
function localOf(zone: IANAZone, t: number): { day: number; minute: number } {
  const wall = t + offsetAt(zone, t) * MINUTE;
  const day = Math.floor(wall / DAY);
  return { day, minute: (wall - day * DAY) / MINUTE };
}

/** 0 = Mon … 6 = Sun (day 0, 1970-01-01, was a Thursday). */
const weekdayOf = (day: number): number => (((day + 3) % 7) + 7) % 7;

const mod = (k: number, n: number): number => ((k % n) + n) % n;

/**
 * The instant at which the local wall time (day, minute) occurs. Minutes may exceed 1440 (next day).
 * Ambiguous (fall-back) → the earlier instant; non-existent (spring-forward gap) → pushed forward by the gap, as luxon does
 * (02:30 → 03:30). Deterministic, unlike luxon's fromObject whose ambiguity choice depends on the current date.
 */
function instantOf(zone: IANAZone, day: number, minute: number): number {
  const wall = day * DAY + minute * MINUTE;
  const before = offsetAt(zone, wall - DAY);
  let best = Infinity;
  for (const o of new Set([before, offsetAt(zone, wall), offsetAt(zone, wall + DAY)])) {
    const t = wall - o * MINUTE;
    if (offsetAt(zone, t) === o && t < best) best = t;
  }
  return Number.isFinite(best) ? best : wall - before * MINUTE;
}

// ---- Parsing ----

function minutesOf(text: string, allow24 = false): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  const h = Number(m?.[1]);
  const mi = Number(m?.[2]);
  const ok = m && mi <= 59 && (h <= 23 || (allow24 && h === 24 && mi === 0));
  if (!ok) throw new Error(`not a time of day (HH:MM): ${JSON.stringify(text)}`);
  return h * 60 + mi;
}

function weekdayIndex(name: string): number {
  const i = WEEKDAYS.findIndex((w) => w.toLowerCase() === name.toLowerCase());
  if (i < 0) throw new Error(`not a weekday: ${JSON.stringify(name)}`);
  return i;
}

function dayOfDate(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || new Date(ms).toISOString().slice(0, 10) !== text.trim())
    throw new Error(`not a date (YYYY-MM-DD): ${JSON.stringify(text)}`);
  return ms / DAY;
}

// ---- Rotations ----

interface CompiledRotation {
  zone: IANAZone;
  members: string[];
  handoff: number; // minute of day
  anchorDay: number; // local day of shift 0
  calendarDays: number | null; // period in local days for d/w rotations, null for elapsed ones
  everyMs: number;
  anchorMs: number; // instant shift 0 starts
}

function compileRotation(rotation: Rotation, zone: IANAZone): CompiledRotation {
  const everyMs = parseDuration(rotation.every);
  const h = /^(?:([A-Za-z]{3})\s+)?(\d{1,2}:\d{2})$/.exec(rotation.handoff.trim());
  if (!h) throw new Error(`not a handoff ("HH:MM" or "Mon HH:MM"): ${JSON.stringify(rotation.handoff)}`);
  const handoff = minutesOf(h[2]!);
  let anchorDay = dayOfDate(rotation.start ?? DEFAULT_START);
  if (h[1]) anchorDay += mod(weekdayIndex(h[1]) - weekdayOf(anchorDay), 7);
  const calendarDays = /[dw]$/.test(rotation.every.trim()) ? everyMs / DAY : null;
  return {
    zone,
    members: rotation.members,
    handoff,
    anchorDay,
    calendarDays,
    everyMs,
    anchorMs: instantOf(zone, anchorDay, handoff),
  };
}

function shiftStart(c: CompiledRotation, k: number): number {
  return c.calendarDays === null
    ? c.anchorMs + k * c.everyMs
    : instantOf(c.zone, c.anchorDay + k * c.calendarDays, c.handoff);
}

/** The shift index k with start(k) <= t < start(k+1): a guess from local date/time, then corrected against real instants. */
function shiftIndex(c: CompiledRotation, t: number): number {
  let k: number;
  if (c.calendarDays === null) k = Math.floor((t - c.anchorMs) / c.everyMs);
  else {
    const { day, minute } = localOf(c.zone, t);
    k = Math.floor((day - (minute < c.handoff ? 1 : 0) - c.anchorDay) / c.calendarDays);
  }
  while (shiftStart(c, k) > t) k--;
  while (shiftStart(c, k + 1) <= t) k++;
  return k;
}

function shiftOf(c: CompiledRotation, k: number): Shift {
  if (c.members.length === 0) throw new Error('rotation has no members');
  return {
    index: k,
    personId: c.members[mod(k, c.members.length)]!,
    start: new Date(shiftStart(c, k)),
    end: new Date(shiftStart(c, k + 1)),
  };
}

/** The shift of `rotation` (in `timezone`) that contains instant t. Throws when the rotation has no members. */
export function shiftAt(rotation: Rotation, timezone: string, t: Date): Shift {
  const c = compileRotation(rotation, zoneOf(timezone));
  return shiftOf(c, shiftIndex(c, t.getTime()));
}

// ---- Restrictions and layers ----

/** A daily window: minutes from the start day's midnight, from < to <= from + 1440. */
interface Window {
  days: Set<number>;
  from: number;
  to: number;
}

function compileRestriction(r: Restriction): Window {
  const from = minutesOf(r.from);
  let to = minutesOf(r.to, true);
  if (to <= from) to += 1440;
  return { days: new Set((r.days ?? WEEKDAYS).map(weekdayIndex)), from, to };
}

interface CompiledLayer {
  rotation: CompiledRotation | null;
  windows: Window[];
}
interface CompiledSpec {
  zone: IANAZone;
  layers: CompiledLayer[];
}

function compileSpec(spec: ScheduleSpec): CompiledSpec {
  const zone = zoneOf(spec.timezone);
  const layers = spec.layers.map((l) => ({
    rotation: l.rotation.members.length > 0 ? compileRotation(l.rotation, zone) : null,
    windows: (l.restrictions ?? []).map(compileRestriction),
  }));
  return { zone, layers };
}

/** Whether a layer's restrictions cover t: windows starting on t's local day or the day before (overnight). */
function covers(zone: IANAZone, windows: Window[], t: number): boolean {
  if (windows.length === 0) return true;
  const { day } = localOf(zone, t);
  for (const d of [day - 1, day]) {
    for (const w of windows) {
      if (w.days.has(weekdayOf(d)) && instantOf(zone, d, w.from) <= t && t < instantOf(zone, d, w.to)) return true;
    }
  }
  return false;
}

function overrideAt(overrides: readonly Override[], t: number): Override | null {
  let win: Override | null = null;
  const rank = (o: Override) => o.createdAt?.getTime() ?? -Infinity;
  for (const o of overrides) {
    if (o.start.getTime() <= t && t < o.end.getTime() && (!win || rank(o) >= rank(win))) win = o;
  }
  return win;
}

function evaluate(cs: CompiledSpec, overrides: readonly Override[], t: number): OnCall {
  const override = overrideAt(overrides, t);
  if (override) return { personId: override.personId, layer: null, override };
  for (let i = cs.layers.length - 1; i >= 0; i--) {
    const { rotation, windows } = cs.layers[i]!;
    if (rotation && covers(cs.zone, windows, t))
      return { personId: shiftOf(rotation, shiftIndex(rotation, t)).personId, layer: i, override: null };
  }
  return { personId: null, layer: null, override: null };
}

/** Who is on call at t, and why: an override, a layer index, or nobody (all null). */
export function onCallAt(spec: ScheduleSpec, overrides: readonly Override[], t: Date): OnCall {
  return evaluate(compileSpec(spec), overrides, t.getTime());
}

// ---- Timelines ----

/** Instants in (a, b) where the answer may change: handoffs, restriction edges, override edges. */
function boundaries(cs: CompiledSpec, overrides: readonly Override[], a: number, b: number): number[] {
  const cuts = new Set<number>([a]);
  const add = (t: number) => {
    if (t > a && t < b) cuts.add(t);
  };
  for (const { rotation, windows } of cs.layers) {
    if (rotation && rotation.members.length > 1) {
      let count = 0;
      for (let k = shiftIndex(rotation, a) + 1; ; k++) {
        const s = shiftStart(rotation, k);
        if (s >= b) break;
        if (++count > MAX_HANDOFFS_PER_LAYER)
          throw new Error(`too many handoffs in window (> ${MAX_HANDOFFS_PER_LAYER}); use a shorter window`);
        add(s);
      }
    }
    if (windows.length === 0) continue;
    const last = localOf(cs.zone, b).day;
    for (let d = localOf(cs.zone, a).day - 1; d <= last; d++) {
      for (const w of windows) {
        if (!w.days.has(weekdayOf(d))) continue;
        add(instantOf(cs.zone, d, w.from));
        add(instantOf(cs.zone, d, w.to));
      }
    }
  }
  for (const o of overrides) {
    add(o.start.getTime());
    add(o.end.getTime());
  }
  return [...cuts].sort((x, y) => x - y);
}

function timeline(cs: CompiledSpec, overrides: readonly Override[], a: number, b: number): Segment[] {
  if (!(b > a)) return [];
  const cuts = boundaries(cs, overrides, a, b);
  const out: Segment[] = [];
  cuts.forEach((t, i) => {
    const end = new Date(cuts[i + 1] ?? b);
    const who = evaluate(cs, overrides, t);
    const prev = out[out.length - 1];
    if (prev && prev.personId === who.personId && prev.layer === who.layer && prev.override === who.override)
      prev.end = end;
    else out.push({ start: new Date(t), end, ...who });
  });
  return out;
}

/**
 * Consecutive pieces covering [from, to) with constant (person, layer, override); neighbours with the same person and
 * the same source are merged. Empty when to <= from.
 */
export function segments(spec: ScheduleSpec, overrides: readonly Override[], from: Date, to: Date): Segment[] {
  return timeline(compileSpec(spec), overrides, from.getTime(), to.getTime());
}

/**
 * current: the segment containing now (its start looked back at most horizonMs), its end extended until the PERSON
 * changes (source changes ignored; layer/override are those at now). next: the following run of a different person
 * (personId null = nobody), end extended the same way, or null if nobody else takes over within the horizon.
 * Ends are capped at now + horizonMs.
 */
export function currentAndNext(
  spec: ScheduleSpec,
  overrides: readonly Override[],
  now: Date,
  horizonMs: number = DEFAULT_HORIZON_MS,
): { current: Segment; next: Segment | null } {
  if (!(horizonMs > 0)) throw new Error('horizonMs must be positive');
  const t = now.getTime();
  const segs = timeline(compileSpec(spec), overrides, t - horizonMs, t + horizonMs);
  const run = (j: number): { seg: Segment; last: number } => {
    const first = segs[j];
    if (!first) throw new Error(`the timeline has no segment at ${now.toISOString()}`);
    let last = first;
    let k = j;
    for (let n = segs[k + 1]; n && n.personId === first.personId; n = segs[k + 1]) {
      last = n;
      k++;
    }
    return { seg: { ...first, end: last.end }, last: k };
  };
  const current = run(segs.findIndex((s) => s.start.getTime() <= t && t < s.end.getTime()));
  return { current: current.seg, next: current.last + 1 < segs.length ? run(current.last + 1).seg : null };
}
