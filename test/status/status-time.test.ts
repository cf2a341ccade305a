// The page's picture worked out from what is stored (no database: buildSnapshot is pure): days in
// the page's time zone, exact on daylight-saving days (23 and 25 hours), each coloured by its worst
// status; uptime with partial outages weighted; the API's times in ISO 8601 with the zone's offset
// on either side of a clock change; and until when a picture holds.
import { describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../../src/config/policy.js';
import type { ComponentState, Period, StatusEvent, StatusUpdate } from '../../src/core/status/model.js';
import { componentStatus, pageIndicator, worstOf } from '../../src/core/status/model.js';
import { type SnapshotInput, PARTIAL_WEIGHT, buildSnapshot } from '../../src/core/status/page.js';
import { apiBody } from '../../src/core/status/web/api.js';
import { STATUS_POLICY } from './support.js';

const sp = loadPolicyFile(STATUS_POLICY).policy.statusPage!;
const ZONE = 'Europe/Berlin';
const at = (iso: string) => new Date(iso);
const CREATED = at('2025-01-31T23:00:00Z'); // Feb 1, 00:00 in Berlin

const components = (): ComponentState[] =>
  sp.components.map((c) => ({ id: c.id, manual: null, status: 'operational', since: CREATED, createdAt: CREATED }));

function input(over: Partial<SnapshotInput> = {}): SnapshotInput {
  return {
    version: { version: 7, changedAt: at('2025-03-01T08:00:00Z') },
    components: components(),
    events: [],
    updates: [],
    periods: [],
    ...over,
  };
}

const day = (s: ReturnType<typeof buildSnapshot>, id: string, date: string) =>
  s.components.find((c) => c.id === id)!.days.find((d) => d.date === date)!;

describe('status page picture', () => {
  it('a daylight-saving day in spring lasts 23 hours: a whole-day outage counts 23 h against uptime', () => {
    // Berlin moves from +01:00 to +02:00 on March 30, 2025.
    const periods: Period[] = [
      {
        componentId: 'payments',
        status: 'major_outage',
        startedAt: at('2025-03-29T23:00:00Z'),
        endedAt: at('2025-03-30T22:00:00Z'),
      },
    ];
    const now = at('2025-03-31T10:00:00Z');
    const s = buildSnapshot(sp, ZONE, now, input({ periods }));
    const sunday = day(s, 'payments', '2025-03-30');
    expect(sunday.start).toEqual(at('2025-03-29T23:00:00Z'));
    expect(sunday.end).toEqual(at('2025-03-30T22:00:00Z'));
    expect(sunday).toMatchObject({ status: 'major_outage', seconds: { major_outage: 23 * 3600 } });
    expect(day(s, 'payments', '2025-03-29')).toMatchObject({ status: 'operational', seconds: {} });
    expect(day(s, 'payments', '2025-03-31')).toMatchObject({ status: 'operational', seconds: {} });
    const covered = (now.getTime() - CREATED.getTime()) / 1000;
    expect(s.components.find((c) => c.id === 'payments')!.uptime).toBe(1 - (23 * 3600) / covered);
    // Days before the component was known have no data; the last bar is today.
    const days = s.components[0]!.days;
    expect(days).toHaveLength(90);
    expect(days.at(-1)!.date).toBe('2025-03-31');
    expect(days[0]!.date).toBe('2025-01-01');
    expect(day(s, 'payments', '2025-01-31').status).toBe('nodata');
    expect(day(s, 'payments', '2025-02-01').status).toBe('operational');
  });

  it('a daylight-saving day in autumn lasts 25 hours; partial outages count 30 %, degraded and maintenance not at all', () => {
    // Berlin moves back from +02:00 to +01:00 on October 26, 2025.
    const created = at('2025-10-01T00:00:00Z');
    const periods: Period[] = [
      {
        componentId: 'ledger',
        status: 'partial_outage',
        startedAt: at('2025-10-25T22:00:00Z'),
        endedAt: at('2025-10-26T23:00:00Z'),
      },
      {
        componentId: 'ledger',
        status: 'degraded_performance',
        startedAt: at('2025-10-27T10:00:00Z'),
        endedAt: at('2025-10-27T11:00:00Z'),
      },
      {
        componentId: 'ledger',
        status: 'under_maintenance',
        startedAt: at('2025-10-27T11:00:00Z'),
        endedAt: at('2025-10-27T11:30:00Z'),
      },
    ];
    const now = at('2025-10-28T12:00:00Z');
    const rows = components().map((c) => ({ ...c, createdAt: created }));
    const s = buildSnapshot(sp, ZONE, now, input({ periods, components: rows }));
    const sunday = day(s, 'ledger', '2025-10-26');
    expect(sunday.end.getTime() - sunday.start.getTime()).toBe(25 * 3600_000);
    expect(sunday).toMatchObject({ status: 'partial_outage', seconds: { partial_outage: 25 * 3600 } });
    // Worst of the day: degraded beats maintenance.
    expect(day(s, 'ledger', '2025-10-27')).toMatchObject({
      status: 'degraded_performance',
      seconds: { degraded_performance: 3600, under_maintenance: 1800 },
    });
    const covered = (now.getTime() - created.getTime()) / 1000;
    expect(s.components.find((c) => c.id === 'ledger')!.uptime).toBe(1 - (PARTIAL_WEIGHT * 25 * 3600) / covered);
    // The group shows its worst member; the page the worst of everything.
    expect(s.groups[0]).toMatchObject({ name: 'Core', status: 'operational' });
  });

  it('times in the API are ISO 8601 with the page zone’s offset, on either side of the clock change', () => {
    const e = (id: number, code: string, created: string): StatusEvent => ({
      id,
      code,
      kind: 'incident',
      incidentNumber: id,
      changeNumber: null,
      name: `Incident ${id}`,
      status: 'investigating',
      impact: 'major',
      components: { payments: 'partial_outage' },
      createdAt: at(created),
      updatedAt: at(created),
      monitoringAt: null,
      resolvedAt: null,
      scheduledFor: null,
      scheduledUntil: null,
      visibleFrom: at(created),
      withdrawnAt: null,
      version: 1,
    });
    const u = (id: number, eventId: number, t: string): StatusUpdate => ({
      id,
      code: `update${String(id).padStart(6, '0')}`,
      eventId,
      status: 'investigating',
      body: 'Looking.',
      createdAt: at(t),
      displayAt: at(t),
    });
    const events = [e(1, 'aaaaaaaaaaaa', '2025-03-30T00:30:00Z'), e(2, 'bbbbbbbbbbbb', '2025-03-30T01:30:00Z')];
    const s = buildSnapshot(
      sp,
      ZONE,
      at('2025-03-30T02:00:00Z'),
      input({ events, updates: [u(1, 1, '2025-03-30T00:30:00Z'), u(2, 2, '2025-03-30T01:30:00Z')] }),
    );
    const body = apiBody(s, 'incidents.json') as { incidents: { id: string; created_at: string }[] };
    expect(body.incidents.map((i) => [i.id, i.created_at])).toEqual([
      ['bbbbbbbbbbbb', '2025-03-30T03:30:00.000+02:00'],
      ['aaaaaaaaaaaa', '2025-03-30T01:30:00.000+01:00'],
    ]);
    expect(s.status).toEqual({ indicator: 'major', description: 'Partial System Outage' });
  });

  it('a picture holds until the next thing shows: a notice, the end of a window, midnight, a minute while down', () => {
    const now = at('2025-03-03T09:00:00Z');
    // Nothing coming: redrawn every 10 minutes all the same, and at midnight in the page's zone.
    expect(buildSnapshot(sp, ZONE, now, input()).validUntil).toEqual(at('2025-03-03T09:10:00Z'));
    expect(buildSnapshot(sp, ZONE, at('2025-03-03T22:55:00Z'), input()).validUntil).toEqual(at('2025-03-03T23:00:00Z'));
    const maintenance: StatusEvent = {
      id: 1,
      code: 'mmmmmmmmmmmm',
      kind: 'maintenance',
      incidentNumber: null,
      changeNumber: 1,
      name: 'Scheduled maintenance of Payments',
      status: 'scheduled',
      impact: 'none',
      components: { payments: 'under_maintenance' },
      createdAt: now,
      updatedAt: now,
      monitoringAt: null,
      resolvedAt: null,
      scheduledFor: at('2025-03-05T12:00:00Z'),
      scheduledUntil: at('2025-03-05T13:00:00Z'),
      visibleFrom: at('2025-03-03T12:00:00Z'),
      withdrawnAt: null,
      version: 1,
    };
    const s = buildSnapshot(sp, ZONE, at('2025-03-03T11:55:00Z'), input({ events: [maintenance] }));
    expect(s.upcoming).toEqual([]);
    expect(s.validUntil).toEqual(at('2025-03-03T12:00:00Z'));
    const later = buildSnapshot(sp, ZONE, at('2025-03-05T12:30:00Z'), input({ events: [maintenance] }));
    expect(later.upcoming.map((v) => v.e.code)).toEqual(['mmmmmmmmmmmm']);
    expect(buildSnapshot(sp, ZONE, at('2025-03-05T12:55:00Z'), input({ events: [maintenance] })).validUntil).toEqual(
      at('2025-03-05T13:00:00Z'),
    );
    expect(later.validUntil).toEqual(at('2025-03-05T12:40:00Z'));
    const down = components().map((c) => (c.id === 'edge' ? { ...c, status: 'major_outage' as const } : c));
    expect(buildSnapshot(sp, ZONE, now, input({ components: down })).validUntil).toEqual(at('2025-03-03T09:01:00Z'));
  });

  it('component status: the worst incident, else maintenance, else what was set by hand', () => {
    const inc = (s: 'partial_outage' | 'degraded_performance', status: StatusEvent['status'] = 'identified') => ({
      kind: 'incident' as const,
      status,
      withdrawnAt: null,
      components: { payments: s },
    });
    const mnt = {
      kind: 'maintenance' as const,
      status: 'in_progress' as const,
      withdrawnAt: null,
      components: { payments: 'under_maintenance' as const },
    };
    expect(componentStatus('payments', null, [])).toBe('operational');
    expect(componentStatus('payments', null, [mnt])).toBe('under_maintenance');
    expect(componentStatus('payments', null, [mnt, inc('degraded_performance')])).toBe('degraded_performance');
    expect(componentStatus('payments', 'major_outage', [inc('partial_outage')])).toBe('major_outage');
    expect(componentStatus('payments', null, [inc('partial_outage', 'resolved')])).toBe('operational');
    expect(componentStatus('payments', null, [{ ...mnt, withdrawnAt: new Date() }])).toBe('operational');
    expect(worstOf(['under_maintenance', 'operational'])).toBe('under_maintenance');
    expect(pageIndicator(['operational', 'under_maintenance'], [])).toEqual({
      indicator: 'none',
      description: 'Service Under Maintenance',
    });
    expect(pageIndicator(['degraded_performance'], [{ impact: 'critical' }]).indicator).toBe('critical');
  });
});
