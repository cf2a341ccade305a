// The Statuspage-compatible public API (v2): the same paths, field names and enums as Atlassian
// Statuspage, so existing widgets and monitors read Steward unchanged. Times are ISO 8601 in the
// page's time zone. JSON.stringify escapes what must be escaped; nothing but published text and
// component names goes in.
import type { StatusUpdate } from '../model.js';
import { eventUrl } from '../cards.js';
import type { ComponentView, EventView, GroupView, PageSnapshot } from '../page.js';
import { iso } from './format.js';

type Json = Record<string, unknown>;

function page(s: PageSnapshot): Json {
  return {
    id: s.page.id,
    name: s.page.title,
    url: s.page.url,
    time_zone: s.page.timezone,
    updated_at: iso(s.changedAt ?? s.now, s.page.timezone),
  };
}

function component(s: PageSnapshot, c: ComponentView): Json {
  const zone = s.page.timezone;
  const at = c.createdAt ?? s.changedAt ?? s.now;
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    created_at: iso(at, zone),
    updated_at: iso(c.since ?? at, zone),
    position: c.position,
    description: c.description,
    showcase: true,
    start_date: c.createdAt ? c.createdAt.toISOString().slice(0, 10) : null,
    group_id: c.groupId,
    page_id: s.page.id,
    group: false,
    only_show_if_degraded: false,
  };
}

function group(s: PageSnapshot, g: GroupView): Json {
  const zone = s.page.timezone;
  const created = g.components.map((c) => c.createdAt?.getTime() ?? Infinity);
  const updated = g.components.map((c) => c.since?.getTime() ?? 0);
  const first = Math.min(...created);
  const at = Number.isFinite(first) ? new Date(first) : (s.changedAt ?? s.now);
  const last = Math.max(...updated);
  return {
    id: g.id,
    name: g.name,
    status: g.status,
    created_at: iso(at, zone),
    updated_at: iso(last > 0 ? new Date(last) : at, zone),
    position: g.position,
    description: null,
    showcase: false,
    start_date: null,
    group_id: null,
    page_id: s.page.id,
    group: true,
    only_show_if_degraded: false,
    components: g.components.map((c) => c.id),
  };
}

/** Components in page order, each group before its members (as Statuspage lists them). */
function components(s: PageSnapshot): Json[] {
  return s.layout.flatMap((item) =>
    'group' in item
      ? [group(s, item.group), ...item.group.components.map((c) => component(s, c))]
      : [component(s, item.component)],
  );
}

function update(s: PageSnapshot, v: EventView, u: StatusUpdate): Json {
  const zone = s.page.timezone;
  return {
    id: u.code,
    incident_id: v.e.code,
    status: u.status,
    body: u.body,
    created_at: iso(u.createdAt, zone),
    updated_at: iso(u.createdAt, zone),
    display_at: iso(u.displayAt, zone),
  };
}

function event(s: PageSnapshot, v: EventView): Json {
  const zone = s.page.timezone;
  const e = v.e;
  const shown = v.updates[0]?.displayAt;
  const base: Json = {
    id: e.code,
    name: e.name,
    status: e.status,
    impact: e.impact,
    created_at: iso(e.kind === 'maintenance' ? e.visibleFrom : e.createdAt, zone),
    updated_at: iso(shown && shown > e.updatedAt ? shown : e.updatedAt, zone),
    monitoring_at: e.monitoringAt ? iso(e.monitoringAt, zone) : null,
    resolved_at: e.resolvedAt ? iso(e.resolvedAt, zone) : null,
    shortlink: eventUrl(s.page.url, e),
    started_at: iso(e.kind === 'maintenance' ? (e.scheduledFor ?? e.createdAt) : e.createdAt, zone),
    page_id: s.page.id,
    incident_updates: v.updates.map((u) => update(s, v, u)),
    components: v.components.map((c) => {
      const known = s.components.find((x) => x.id === c.id);
      return known ? component(s, known) : { id: c.id, name: c.name, status: c.status };
    }),
  };
  if (e.kind === 'maintenance') {
    base.scheduled_for = e.scheduledFor ? iso(e.scheduledFor, zone) : null;
    base.scheduled_until = e.scheduledUntil ? iso(e.scheduledUntil, zone) : null;
  }
  return base;
}

const status = (s: PageSnapshot) => ({ indicator: s.status.indicator, description: s.status.description });

/** The body of each path below `api/v2/`, or undefined for a path that is none of them. */
export function apiBody(s: PageSnapshot, path: string): Json | undefined {
  switch (path) {
    case 'summary.json':
      return {
        page: page(s),
        components: components(s),
        incidents: s.unresolved.map((v) => event(s, v)),
        scheduled_maintenances: [...s.inProgress, ...s.upcoming].map((v) => event(s, v)),
        status: status(s),
      };
    case 'status.json':
      return { page: page(s), status: status(s) };
    case 'components.json':
      return { page: page(s), components: components(s) };
    case 'incidents.json':
      return { page: page(s), incidents: s.incidents.map((v) => event(s, v)) };
    case 'incidents/unresolved.json':
      return { page: page(s), incidents: s.unresolved.map((v) => event(s, v)) };
    case 'scheduled-maintenances.json':
      return { page: page(s), scheduled_maintenances: s.maintenances.map((v) => event(s, v)) };
    case 'scheduled-maintenances/upcoming.json':
      return { page: page(s), scheduled_maintenances: s.upcoming.map((v) => event(s, v)) };
    case 'scheduled-maintenances/active.json':
      return { page: page(s), scheduled_maintenances: s.inProgress.map((v) => event(s, v)) };
    default:
      return undefined;
  }
}

export const API_PATHS = [
  'summary.json',
  'status.json',
  'components.json',
  'incidents.json',
  'incidents/unresolved.json',
  'scheduled-maintenances.json',
  'scheduled-maintenances/upcoming.json',
  'scheduled-maintenances/active.json',
] as const;
