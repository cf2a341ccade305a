// Checks the Alertmanager harness against the real binary: one group of two alerts reaches a local
// recording server as a webhook (version 4) and as a PagerDuty Events v2 trigger, and resolving them
// sends the resolved webhook and the PagerDuty resolve. Prints one real body of each kind.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeAlertmanager, startAlertmanager, type Alertmanager } from './alertmanager.js';
import { until } from './wait.js';

interface Recorded {
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

const TOKEN = 'selftest-webhook-token';
const ROUTING_KEY = 'selftest-routing-key-0123456789ab';

describeAlertmanager('Alertmanager harness (real prometheus-alertmanager)', () => {
  const received: Recorded[] = [];
  let server: Server;
  let am: Alertmanager;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (d) => (raw += d));
      req.on('end', () => {
        let body: unknown = raw;
        try {
          body = JSON.parse(raw);
        } catch {
          // Kept as text.
        }
        received.push({ path: req.url ?? '', headers: req.headers, body });
        if (req.url === '/v2/enqueue') {
          res.writeHead(202, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: 'success', message: 'Event processed' }));
        } else {
          res.writeHead(200).end();
        }
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    am = await startAlertmanager({
      webhookUrl: `${base}/alerts`,
      webhookToken: TOKEN,
      pagerduty: { url: `${base}/v2/enqueue`, routingKey: ROUTING_KEY },
    });
  });

  afterAll(async () => {
    await am?.stop();
    await new Promise((r) => server?.close(r));
  });

  const webhooks = (status: string) => received.filter((r) => r.path === '/alerts' && r.body?.status === status);
  const pages = (action: string) => received.filter((r) => r.path === '/v2/enqueue' && r.body?.event_action === action);
  const waitFor = (what: string, probe: () => Recorded[]) =>
    until(what, () => probe()[0], 10_000).catch((e: Error) => {
      throw new Error(`${e.message}\nreceived: ${JSON.stringify(received, null, 2)}\nalertmanager:\n${am.logs()}`);
    });

  const db = { alertname: 'DiskFull', service: 'db', severity: 'critical', instance: 'db-1' };
  const db2 = { ...db, instance: 'db-2' };

  it('sends one group as a webhook and a PagerDuty trigger, then their resolved forms', async () => {
    await am.fire([
      {
        labels: db,
        annotations: { summary: 'Disk on db-1 is 95% full', runbook_url: 'https://runbooks.example/disk' },
        generatorURL: 'http://prometheus.example/graph?g0.expr=disk',
      },
      { labels: db2, annotations: { summary: 'Disk on db-2 is 97% full' } },
    ]);

    const hook = await waitFor('a firing webhook', () => webhooks('firing'));
    const page = await waitFor('a PagerDuty trigger', () => pages('trigger'));
    console.log('Alertmanager webhook (firing):\n' + JSON.stringify(hook.body, null, 2));
    console.log('Alertmanager PagerDuty Events v2 (trigger):\n' + JSON.stringify(page.body, null, 2));

    expect(hook.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(hook.headers['content-type']).toBe('application/json');
    expect(hook.headers['user-agent']).toMatch(/^Alertmanager\//);
    expect(hook.body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'steward',
      groupLabels: { alertname: 'DiskFull', service: 'db' },
      commonLabels: { alertname: 'DiskFull', service: 'db', severity: 'critical' },
      externalURL: am.url,
      truncatedAlerts: 0,
    });
    expect(hook.body.groupKey).toBe('{}:{alertname="DiskFull", service="db"}');
    expect(hook.body.alerts).toHaveLength(2);
    const first = hook.body.alerts.find((a: any) => a.labels.instance === 'db-1');
    expect(first).toMatchObject({
      status: 'firing',
      labels: db,
      annotations: { summary: 'Disk on db-1 is 95% full' },
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example/graph?g0.expr=disk',
    });
    expect(first.fingerprint).toMatch(/^[0-9a-f]{16}$/);

    expect(page.headers.authorization).toBeUndefined();
    expect(page.body).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      client: 'Alertmanager',
      payload: { severity: 'error', source: 'Alertmanager' },
    });
    // The dedup key is the SHA-256 of the group key: the same group always pages the same incident.
    expect(page.body.dedup_key).toBe(createHash('sha256').update(hook.body.groupKey).digest('hex'));
    expect(page.body.client_url).toBe(`${am.url}/#/alerts?receiver=steward`);
    expect(page.body.payload.summary).toContain('DiskFull');
    expect(page.body.payload.custom_details).toMatchObject({ num_firing: '2', num_resolved: '0' });

    const before = received.length;
    await am.resolve([db, db2]);

    const resolved = await waitFor('a resolved webhook', () => webhooks('resolved'));
    const resolvePage = await waitFor('a PagerDuty resolve', () => pages('resolve'));
    expect(received.indexOf(resolved)).toBeGreaterThanOrEqual(before);
    expect(resolved.body).toMatchObject({ status: 'resolved', groupKey: hook.body.groupKey });
    expect(resolved.body.alerts.map((a: any) => a.status)).toEqual(['resolved', 'resolved']);
    expect(resolved.body.alerts.map((a: any) => a.fingerprint).sort()).toEqual(
      hook.body.alerts.map((a: any) => a.fingerprint).sort(),
    );
    for (const a of resolved.body.alerts) expect(Date.parse(a.endsAt)).toBeGreaterThan(0);
    expect(resolvePage.body).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: page.body.dedup_key,
    });
  });
});
