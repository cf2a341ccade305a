// What the public page shows at an instant, read in one transaction and worked out here: the
// overall state, components (grouped) with their 90-day uptime by day in the page's time zone,
// unresolved incidents, upcoming and active maintenance, recent events and the history by day, and
// until when that picture holds (the next instant something appears, a day ends, or uptime moves).
// The web pages, the API, the feeds and `/status` in chat are all drawn from this.
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Store, Tx } from '../ports.js';
import {
  type ComponentState,
  type ComponentStatus,
  type Indicator,
  type Period,
  type StatusEvent,
  type StatusUpdate,
  isIncidentActive,
  pageIndicator,
  worstOf,
} from './model.js';
import type { StatusPagePolicy } from './policy-section.js';
import { slugify } from './ids.js';

export const UPTIME_DAYS = 90;
export const HISTORY_DAYS = 7;
/** Events of each kind the API lists (Statuspage lists 50). */
export const RECENT_EVENTS = 50;
/** A partial outage counts this much of its time against uptime (a major outage counts whole). */
export const PARTIAL_WEIGHT = 0.3;
/** While something is not operational the uptime figures move: the picture is redrawn this often. */
const MOVING_MS = 60_000;
/** However still the page is, it is redrawn at least this often. */
const MAX_HOLD_MS = 10 * 60_000;

export type DayStatus = ComponentStatus | 'nodata';
export type NotOperational = Exclude<ComponentStatus, 'operational'>;

export interface DayView {
  /** yyyy-MM-dd in the page's time zone. */
  date: string;
  start: Date;
  end: Date;
  /** The worst status of the day (maintenance only when nothing worse); nodata before the component was known. */
  status: DayStatus;
  /** Seconds of the day spent in each status other than operational. */
  seconds: Partial<Record<NotOperational, number>>;
}

export interface ComponentView {
  id: string;
  name: string;
  description: string | null;
  groupId: string | null;
  group: string | null;
  /** 1-based, in policy order (groups take the place of their first component). */
  position: number;
  status: ComponentStatus;
  since: Date | null;
  createdAt: Date | null;
  /** Uptime over the days with data (major outages count whole, partial ones 30 %); null with no data yet. */
  uptime: number | null;
  days: DayView[];
}

export interface GroupView {
  id: string;
  name: string;
  position: number;
  status: ComponentStatus;
  components: ComponentView[];
}

export interface EventView {
  e: StatusEvent;
  /** The updates shown so far, newest first. */
  updates: StatusUpdate[];
  components: { id: string; name: string; status: ComponentStatus }[];
}

export interface PageSnapshot {
  version: number;
  /** The last public change (null: none yet). */
  changedAt: Date | null;
  now: Date;
  /** The picture holds until then (and until the version moves). */
  validUntil: Date;
  page: { id: string; title: string; url: string; timezone: string };
  status: { indicator: Indicator; description: string };
  components: ComponentView[];
  /** Page order: groups (with their components) and ungrouped components. */
  layout: ({ group: GroupView } | { component: ComponentView })[];
  groups: GroupView[];
  unresolved: EventView[];
  /** The latest incidents (unresolved ones included), newest first. */
  incidents: EventView[];
  upcoming: EventView[];
  inProgress: EventView[];
  /** The latest maintenances shown, newest first. */
  maintenances: EventView[];
  /** The last HISTORY_DAYS days, today first: the incidents and maintenances of each. */
  history: { date: string; start: Date; events: EventView[] }[];
  /** The latest moment anything shown changed: a public change or an update coming into view. */
  lastModified: Date | null;
}

/** A stable public id from the page's address (Statuspage's page id is 12 characters). */
export function pageId(url: string): string {
  return createHash('sha256').update(`steward-status:${url}`).digest('hex').slice(0, 12);
}

export const groupId = (name: string) => `group-${slugify(name) || 'components'}`;

/** Reads what the page shows at `now` (the version first, so a change committed meanwhile is seen as newer). */
export async function readSnapshot(
  store: Store,
  sp: StatusPagePolicy,
  timezone: string,
  now: Date,
): Promise<PageSnapshot> {
  const dayStart = (d: DateTime) => d.setZone(timezone).startOf('day');
  const first = dayStart(DateTime.fromJSDate(now)).minus({ days: UPTIME_DAYS - 1 });
  const raw = await store.transaction(async (tx: Tx) => {
    const version = await tx.status.version();
    const components = await tx.status.components();
    const events = new Map<number, StatusEvent>();
    for (const e of [
      ...(await tx.status.activeEvents()),
      ...(await tx.status.recentEvents('incident', RECENT_EVENTS)),
      ...(await tx.status.recentEvents('maintenance', RECENT_EVENTS)),
    ])
      events.set(e.id, e);
    const updates = await tx.status.updates([...events.keys()]);
    const periods = await tx.status.periods(first.toJSDate());
    return { version, components, events: [...events.values()], updates, periods };
  });
  return buildSnapshot(sp, timezone, now, raw);
}

export interface SnapshotInput {
  version: { version: number; changedAt: Date | null };
  components: ComponentState[];
  events: StatusEvent[];
  updates: StatusUpdate[];
  periods: Period[];
}

/** The picture at `now` from what was read (pure: the tests feed it directly). */
export function buildSnapshot(sp: StatusPagePolicy, timezone: string, now: Date, raw: SnapshotInput): PageSnapshot {
  const t = now.getTime();
  const rows = new Map(raw.components.map((c) => [c.id, c]));
  const names = new Map(sp.components.map((c) => [c.id, c.name]));
  const visible = (e: StatusEvent) => !e.withdrawnAt && e.visibleFrom.getTime() <= t;
  const byEvent = new Map<number, StatusUpdate[]>();
  for (const u of raw.updates)
    if (u.displayAt.getTime() <= t) byEvent.set(u.eventId, [u, ...(byEvent.get(u.eventId) ?? [])]);
  const view = (e: StatusEvent): EventView => ({
    e,
    updates: byEvent.get(e.id) ?? [],
    components: Object.entries(e.components).map(([id, status]) => ({ id, name: names.get(id) ?? id, status })),
  });
  const shown = raw.events.filter(visible).sort((a, b) => b.id - a.id);
  const incidents = shown.filter((e) => e.kind === 'incident').map(view);
  const maintenances = shown.filter((e) => e.kind === 'maintenance').map(view);
  const unresolved = incidents.filter((v) => isIncidentActive(v.e));
  const upcoming = maintenances
    .filter((v) => v.e.status === 'scheduled' && (v.e.scheduledUntil?.getTime() ?? Infinity) > t)
    .sort((a, b) => (a.e.scheduledFor?.getTime() ?? 0) - (b.e.scheduledFor?.getTime() ?? 0));
  const inProgress = maintenances.filter((v) => v.e.status === 'in_progress' || v.e.status === 'verifying');

  // Days in the page's time zone: each from its local midnight to the next (23 or 25 hours on a clock change).
  const today = DateTime.fromJSDate(now).setZone(timezone).startOf('day');
  const days = Array.from({ length: UPTIME_DAYS }, (_, i) => {
    const start = today.minus({ days: UPTIME_DAYS - 1 - i });
    return { date: start.toISODate()!, start: start.toJSDate(), end: start.plus({ days: 1 }).toJSDate() };
  });

  const components: ComponentView[] = sp.components.map((c, i) => {
    const row = rows.get(c.id);
    const mine = raw.periods.filter((p) => p.componentId === c.id);
    const dayViews = days.map((d) => dayOf(d, mine, row?.createdAt ?? null, t));
    return {
      id: c.id,
      name: c.name,
      description: c.description ?? null,
      groupId: c.group ? groupId(c.group) : null,
      group: c.group ?? null,
      position: i + 1,
      status: row?.status ?? 'operational',
      since: row?.since ?? null,
      createdAt: row?.createdAt ?? null,
      uptime: uptimeOf(dayViews, row?.createdAt ?? null, t),
      days: dayViews,
    };
  });

  const groups: GroupView[] = [];
  const layout: PageSnapshot['layout'] = [];
  for (const c of components) {
    if (!c.group) {
      layout.push({ component: c });
      continue;
    }
    let g = groups.find((x) => x.id === c.groupId);
    if (!g) {
      g = { id: c.groupId!, name: c.group, position: c.position, status: 'operational', components: [] };
      groups.push(g);
      layout.push({ group: g });
    }
    g.components.push(c);
  }
  for (const g of groups) g.status = worstOf(g.components.map((c) => c.status));

  const history = Array.from({ length: HISTORY_DAYS }, (_, i) => {
    const start = today.minus({ days: i });
    const end = start.plus({ days: 1 });
    const within = (d: Date | null) => !!d && d >= start.toJSDate() && d < end.toJSDate();
    const events = [...incidents, ...maintenances]
      .filter((v) =>
        v.e.kind === 'incident'
          ? within(v.e.createdAt)
          : v.e.status !== 'scheduled' && within(v.e.scheduledFor ?? v.e.createdAt),
      )
      .sort((a, b) => dateOf(b.e).getTime() - dateOf(a.e).getTime());
    return { date: start.toISODate()!, start: start.toJSDate(), events };
  });

  // Until when this picture holds: the next midnight, the next update or maintenance to come into
  // view, the end of an upcoming window, a minute while something is not operational.
  const later = [
    today.plus({ days: 1 }).toJSDate(),
    new Date(t + MAX_HOLD_MS),
    ...raw.events.flatMap((e) => (e.withdrawnAt ? [] : [e.visibleFrom, e.scheduledUntil])),
    ...raw.updates.map((u) => u.displayAt),
    ...(components.some((c) => c.status !== 'operational') ? [new Date(t + MOVING_MS)] : []),
  ].filter((d): d is Date => !!d && d.getTime() > t);
  const validUntil = new Date(Math.min(...later.map((d) => d.getTime())));

  const shownUpdates = raw.updates.filter((u) => u.displayAt.getTime() <= t).map((u) => u.displayAt.getTime());
  const lm = Math.max(raw.version.changedAt?.getTime() ?? 0, ...shownUpdates);

  return {
    version: raw.version.version,
    changedAt: raw.version.changedAt,
    now,
    validUntil,
    page: { id: pageId(sp.url), title: sp.title, url: sp.url, timezone },
    status: pageIndicator(
      components.map((c) => c.status),
      unresolved.map((v) => v.e),
    ),
    components,
    layout,
    groups,
    unresolved,
    incidents,
    upcoming,
    inProgress,
    maintenances,
    history,
    lastModified: lm > 0 ? new Date(lm) : null,
  };
}

const dateOf = (e: StatusEvent) => (e.kind === 'maintenance' ? (e.scheduledFor ?? e.createdAt) : e.createdAt);

function dayOf(
  d: { date: string; start: Date; end: Date },
  periods: readonly Period[],
  createdAt: Date | null,
  now: number,
): DayView {
  const from = d.start.getTime();
  const to = Math.min(d.end.getTime(), now);
  if (!createdAt || createdAt.getTime() >= d.end.getTime() || from > now)
    return { ...d, status: 'nodata', seconds: {} };
  const seconds: DayView['seconds'] = {};
  for (const p of periods) {
    const a = Math.max(from, p.startedAt.getTime());
    const b = Math.min(to, p.endedAt?.getTime() ?? now);
    if (b > a) seconds[p.status] = (seconds[p.status] ?? 0) + (b - a) / 1000;
  }
  return { ...d, status: worstOf(Object.keys(seconds) as NotOperational[]), seconds };
}

/** Uptime over the time covered (from when the component was known, or the first day, to now). */
function uptimeOf(days: readonly DayView[], createdAt: Date | null, now: number): number | null {
  if (!createdAt) return null;
  let covered = 0;
  let down = 0;
  for (const d of days) {
    if (d.status === 'nodata') continue;
    const from = Math.max(d.start.getTime(), createdAt.getTime());
    const to = Math.min(d.end.getTime(), now);
    if (to <= from) continue;
    covered += (to - from) / 1000;
    down += (d.seconds.major_outage ?? 0) + PARTIAL_WEIGHT * (d.seconds.partial_outage ?? 0);
  }
  return covered > 0 ? Math.max(0, 1 - down / covered) : null;
}
