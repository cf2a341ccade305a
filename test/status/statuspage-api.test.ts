// The public API speaks Atlassian Statuspage's v2: every endpoint, the field names of each object
// as Statuspage documents them, its enums, and ISO 8601 times; so existing widgets and monitors
// read Steward unchanged. (test/conformance/statuspage.test.ts also compares with a captured sample.)
import { beforeAll, describe, expect, it } from 'vitest';
import { apiPicture } from './api-picture.js';
import type { API } from './support.js';

/** Statuspage's documented fields (page, component, incident, incident update, maintenance). */
const FIELDS = {
  page: ['id', 'name', 'url', 'time_zone', 'updated_at'],
  component: [
    'id',
    'name',
    'status',
    'created_at',
    'updated_at',
    'position',
    'description',
    'showcase',
    'group_id',
    'page_id',
    'group',
    'only_show_if_degraded',
  ],
  incident: [
    'id',
    'name',
    'status',
    'impact',
    'created_at',
    'updated_at',
    'monitoring_at',
    'resolved_at',
    'shortlink',
    'started_at',
    'page_id',
    'incident_updates',
  ],
  update: ['id', 'incident_id', 'status', 'body', 'created_at', 'updated_at', 'display_at'],
  maintenance: ['scheduled_for', 'scheduled_until'],
};
const ENUM = {
  component: ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'],
  incident: ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'],
  maintenance: ['scheduled', 'in_progress', 'verifying', 'completed'],
  indicator: ['none', 'minor', 'major', 'critical'],
  impact: ['none', 'minor', 'major', 'critical'],
};
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?(Z|[+-]\d{2}:\d{2})$/;

describe('Statuspage API v2', () => {
  let bodies: Record<(typeof API)[number], Record<string, any>>;
  beforeAll(async () => {
    bodies = await apiPicture();
  }, 60_000);

  const hasFields = (o: Record<string, unknown>, fields: string[], what: string) => {
    for (const f of fields) expect(o, `${what} has ${f}`).toHaveProperty(f);
  };

  it('answers every endpoint with the page and its own part', () => {
    const keys = Object.fromEntries(Object.entries(bodies).map(([p, b]) => [p, Object.keys(b).sort()]));
    expect(keys).toEqual({
      'summary.json': ['components', 'incidents', 'page', 'scheduled_maintenances', 'status'],
      'status.json': ['page', 'status'],
      'components.json': ['components', 'page'],
      'incidents.json': ['incidents', 'page'],
      'incidents/unresolved.json': ['incidents', 'page'],
      'scheduled-maintenances.json': ['page', 'scheduled_maintenances'],
      'scheduled-maintenances/upcoming.json': ['page', 'scheduled_maintenances'],
      'scheduled-maintenances/active.json': ['page', 'scheduled_maintenances'],
    });
    for (const b of Object.values(bodies)) hasFields(b.page, FIELDS.page, 'page');
    expect(bodies['summary.json'].page).toMatchObject({
      name: 'Acme Status',
      url: 'https://status.acme.example',
      time_zone: 'Europe/Berlin',
    });
  });

  it('components: Statuspage fields and statuses; groups list their members, members name their group', () => {
    const comps = bodies['components.json'].components as any[];
    expect(comps.map((c) => [c.id, c.group, c.group_id, c.status])).toEqual([
      ['group-core', true, null, 'major_outage'],
      ['payments', false, 'group-core', 'major_outage'],
      ['ledger', false, 'group-core', 'under_maintenance'],
      ['edge', false, null, 'partial_outage'],
    ]);
    expect(comps[0].components).toEqual(['payments', 'ledger']);
    for (const c of comps) {
      hasFields(c, FIELDS.component, `component ${c.id}`);
      expect(ENUM.component).toContain(c.status);
      expect(c.created_at).toMatch(ISO);
      expect(c.updated_at).toMatch(ISO);
      expect(c.page_id).toBe(bodies['summary.json'].page.id);
    }
    expect(bodies['summary.json'].components).toEqual(comps);
  });

  it('incidents and their updates: fields, enums, times, newest first, unresolved apart', () => {
    const all = bodies['incidents.json'].incidents as any[];
    expect(all.map((i) => [i.name, i.status, i.impact])).toEqual([
      ['Checkout is failing', 'monitoring', 'critical'],
      ['Ledger totals delayed', 'resolved', 'minor'],
    ]);
    expect((bodies['incidents/unresolved.json'].incidents as any[]).map((i) => i.name)).toEqual([
      'Checkout is failing',
    ]);
    expect(bodies['summary.json'].incidents).toEqual(bodies['incidents/unresolved.json'].incidents);
    for (const i of all) {
      hasFields(i, FIELDS.incident, `incident ${i.name}`);
      expect(ENUM.incident).toContain(i.status);
      expect(ENUM.impact).toContain(i.impact);
      for (const k of ['created_at', 'updated_at', 'started_at']) expect(i[k]).toMatch(ISO);
      expect(i.shortlink).toBe(`https://status.acme.example/incidents/${i.id}`);
      for (const u of i.incident_updates) {
        hasFields(u, FIELDS.update, 'incident update');
        expect(u.incident_id).toBe(i.id);
        expect(ENUM.incident).toContain(u.status);
        expect(u.display_at).toMatch(ISO);
      }
    }
    expect(all[0].incident_updates.map((u: any) => u.status)).toEqual(['monitoring', 'investigating', 'investigating']);
    expect(all[0].monitoring_at).toMatch(ISO);
    expect(all[1].resolved_at).toMatch(ISO);
  });

  it('scheduled maintenances: fields, enums, upcoming and active apart', () => {
    const all = bodies['scheduled-maintenances.json'].scheduled_maintenances as any[];
    expect(all.map((m) => [m.name, m.status])).toEqual([
      ['Scheduled maintenance of Edge Network', 'scheduled'],
      ['Scheduled maintenance of Ledger', 'in_progress'],
    ]);
    for (const m of all) {
      hasFields(m, [...FIELDS.incident, ...FIELDS.maintenance], `maintenance ${m.name}`);
      expect(ENUM.maintenance).toContain(m.status);
      expect(m.scheduled_for).toMatch(ISO);
      expect(m.scheduled_until).toMatch(ISO);
      for (const u of m.incident_updates) expect(ENUM.maintenance).toContain(u.status);
    }
    const names = (p: (typeof API)[number]) => (bodies[p].scheduled_maintenances as any[]).map((m) => m.name);
    expect(names('scheduled-maintenances/upcoming.json')).toEqual(['Scheduled maintenance of Edge Network']);
    expect(names('scheduled-maintenances/active.json')).toEqual(['Scheduled maintenance of Ledger']);
    expect(names('summary.json')).toEqual(['Scheduled maintenance of Ledger', 'Scheduled maintenance of Edge Network']);
  });

  it('status: the indicator and its description', () => {
    expect(bodies['status.json'].status).toEqual({ indicator: 'critical', description: 'Major System Outage' });
    expect(ENUM.indicator).toContain(bodies['summary.json'].status.indicator);
  });
});
