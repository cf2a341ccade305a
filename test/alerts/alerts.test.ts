// Alerts through the real Steward core and store (SQLite and PostgreSQL), with the console as the
// chat platform and a clock the test moves: grouping and deduplication of every format, paging
// once, acknowledging from chat, the source and the page, silences, maintenance windows across a
// daylight-saving change, changes in progress, storms, heartbeats, concurrent deliveries, bad input.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ConsoleGateway } from '../../src/adapters/console/gateway.js';
import { loadPolicyFile } from '../../src/config/policy.js';
import { ALERTS_ACTIONS, ALERTS_HEARTBEATS, ALERTS_SERVICE } from '../../src/core/alerts/links.js';
import { type Reply, plain } from '../../src/core/card.js';
import type { Invocation } from '../../src/core/context.js';
import type { HttpAnswer } from '../../src/core/entry.js';
import type { Outcome } from '../../src/core/errors.js';
import { PAGING_ESCALATOR } from '../../src/core/paging/links.js';
import { Steward } from '../../src/core/steward.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { type OpenedStore, openStore } from '../../src/store/index.js';
import { ManualClock } from '../support/clock.js';
import { forEachDialect } from '../support/databases.js';
import { chatOf, replyText } from '../support/dispatch.js';
import { callRoute } from '../support/http-input.js';

const fixture = new URL('../fixtures/alerts.policy.yaml', import.meta.url).pathname;
const shared = new URL('../../../shared/fixtures/alerts/', import.meta.url).pathname;
const ROUTING_KEY = 'R0UT1NGKEY00000000000000000000AA';
const RECEIVE = 'POST /api/v1/alerts/:integration';
const ENQUEUE = 'POST /v2/enqueue';

const as = (user: string): Invocation => ({ platform: 'console', userId: user, requestId: `r-${Math.random()}` });
const title = (r: Outcome<Reply>) => (r.ok ? (r.value.cards[0]?.title ?? '') : `${r.error.code}: ${r.error.message}`);
const text = (r: Outcome<Reply>) => (r.ok ? r.value.cards.map((c) => plain(c.body ?? [])).join('\n') : r.error.message);

class Recorder extends ConsoleGateway {
  readonly log: string[] = [];
  readonly shown: Reply[] = [];
  constructor() {
    super(
      {
        show: (h, r) => {
          this.log.push(`${h} :: ${r.cards[0]?.title}`);
          this.shown.push(r);
        },
        note: (l) => this.log.push(l),
        enter: () => {},
      },
      'alice',
    );
  }
  /** Every edit of a message, with the card it was edited to. */
  readonly edited: { channelId: string; messageId: string; reply: Reply }[] = [];
  override async edit(channelId: string, messageId: string, reply: Reply) {
    this.edited.push({ channelId, messageId, reply });
    await super.edit(channelId, messageId, reply);
  }
  dms(person: string) {
    return this.log.filter((l) => l.startsWith(`[direct message to ${person}`));
  }
  posts(channel: string) {
    return this.log.filter((l) => l.startsWith(`[#${channel}]`));
  }
  edits(channel: string) {
    return this.log.filter((l) => l.startsWith(`↻ #${channel} `));
  }
}

/** An Alertmanager v4 notification of group `key` with `alerts` (instance → status). */
function am(key: string, alerts: Record<string, 'firing' | 'resolved'>, labels: Record<string, string> = {}) {
  return {
    version: '4',
    groupKey: key,
    status: Object.values(alerts).includes('firing') ? 'firing' : 'resolved',
    receiver: 'steward',
    groupLabels: { alertname: 'DiskFull', ...labels },
    commonLabels: { alertname: 'DiskFull', ...labels },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    truncatedAlerts: 0,
    alerts: Object.entries(alerts).map(([instance, status]) => ({
      status,
      labels: { alertname: 'DiskFull', instance, ...labels },
      annotations: { summary: `Disk on ${instance} is full` },
      startsAt: '2026-11-23T11:59:00Z',
      endsAt: status === 'resolved' ? '2026-11-23T12:30:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example/graph',
      fingerprint: `fp-${instance}`,
    })),
  };
}

const pd = (action: string, extra: Record<string, unknown> = {}) => ({
  routing_key: ROUTING_KEY,
  event_action: action,
  dedup_key: 'srv01/HTTP',
  ...(action === 'trigger'
    ? { payload: { summary: 'HTTP 500s on srv01', source: 'srv01', severity: 'critical' } }
    : {}),
  ...extra,
});

function policyWith(edit: (yaml: string) => string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'steward-policy-'));
  const file = path.join(dir, 'policy.yaml');
  writeFileSync(file, edit(readFileSync(fixture, 'utf8')));
  return loadPolicyFile(file);
}

await forEachDialect('alerts core', ({ dialect, createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup(opts: { start?: string; policy?: ReturnType<typeof loadPolicyFile> } = {}) {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const clock = new ManualClock(opts.start ?? '2026-11-23T12:00:00.000Z');
    // A second replica on SQLite shares the first one's store: two clients of one file in one
    // process would block each other in the database's busy wait (replicas are processes).
    const open = async (holder: string, sharedStore?: OpenedStore) => {
      const store = sharedStore ?? (await openStore({ url: db.url, migrate: true }));
      if (!sharedStore) cleanup.push(() => store.close());
      const steward = new Steward({
        store,
        clock,
        policy: opts.policy ?? loadPolicyFile(fixture),
        modules: STANDARD_MODULES,
        holder,
      });
      cleanup.push(() => steward.outbox.stop());
      const gw = new Recorder();
      steward.gateways.set('console', gw);
      return { store, steward, gw };
    };
    const first = await open('replica-a');
    const { steward, store } = first;
    /** Fires due steps and side effects, as the runners do. */
    const run = async () => {
      for (let i = 0; i < 20; i++) {
        await steward.part(PAGING_ESCALATOR).pass();
        await steward.outbox.kick();
        const due = await store.transaction((tx) => tx.pages.pendingSteps(clock.now(), 10));
        if (!due.length) return;
      }
    };
    const post = async (body: unknown, integration = 'prod-alertmanager', token = 'monitoring') => {
      const r = await callRoute(steward, { route: RECEIVE, params: { integration }, token, body });
      await run();
      return r;
    };
    const enqueue = async (body: unknown) => {
      const r = await callRoute(steward, { route: ENQUEUE, body });
      await run();
      return r;
    };
    const group = (n: number) => store.transaction((tx) => tx.alerts.byNumber(n));
    const page = (n: number) => store.transaction((tx) => tx.pages.byNumber(n));
    const pages = () => store.transaction((tx) => tx.pages.list({ limit: 100 }));
    return { ...first, open, run, clock, post, enqueue, group, page, pages };
  }

  const groups = (a: HttpAnswer) => (a.body as { groups: unknown[] }).groups;

  it('an Alertmanager group pages once, a resent notification changes nothing, and it resolves alert by alert', async () => {
    const t = await setup();
    const first = await t.post(am('{}:{alertname="DiskFull"}', { 'db-1': 'firing', 'db-2': 'firing' }));
    expect(first).toEqual({
      status: 202,
      body: { status: 'success', groups: [{ id: 'ALR-1', state: 'firing', firing: 2, resolved: 0 }] },
    });
    const g = (await t.group(1))!;
    expect(g).toMatchObject({ serviceId: 'checkout', pageNumber: 1, state: 'firing' });
    expect((await t.page(1))!.message).toBe('ALR-1: Disk on db-1 is full');
    // The on-call (bob) is paged; the card is in the payments channel.
    expect(t.gw.dms('bob')).toHaveLength(1);
    expect(t.gw.posts('payments')).toEqual(['[#payments] message 1 :: 🔥 ALR-1 · Checkout · Disk on db-1 is full']);

    // Alertmanager resends the whole group every group_interval: nothing changes twice.
    const events = () => t.store.transaction((tx) => tx.alerts.events(g.id, 100));
    const eventsBefore = await events();
    const log = t.gw.log.length;
    const again = await t.post(am('{}:{alertname="DiskFull"}', { 'db-1': 'firing', 'db-2': 'firing' }));
    expect(groups(again)).toEqual([{ id: 'ALR-1', state: 'firing', firing: 2, resolved: 0 }]);
    expect((await t.group(1))!.version).toBe(g.version);
    expect(await t.pages()).toHaveLength(1);
    expect(t.gw.dms('bob')).toHaveLength(1);
    expect(await events()).toEqual(eventsBefore);
    expect(t.gw.log.length).toBe(log);

    // A third alert joins; one resolves: "1 of 3 resolved" on the card, the page still open.
    await t.post(am('{}:{alertname="DiskFull"}', { 'db-1': 'resolved', 'db-2': 'firing', 'db-3': 'firing' }));
    expect(await t.group(1)).toMatchObject({ firing: 2, resolved: 1, state: 'firing' });
    expect(t.gw.edits('payments').at(-1)).toContain('🔥 ALR-1');
    const show = await t.steward.execute(as('alice'), { kind: 'alert.show', alert: 'ALR-1' });
    expect(show.ok && show.value.cards[0]!.fields!.find((f) => f.label === 'Alerts')!.value).toEqual([
      { t: 'text', v: '1 of 3 resolved (2 firing)' },
    ]);
    expect((await t.page(1))!.status).toBe('open');
    // Bob's page message follows the group too.
    const pageCopy = t.gw.edited.filter((e) => e.channelId === '@bob').at(-1)!.reply.cards[0]!;
    expect(plain(pageCopy.fields!.find((f) => f.label === 'Alerts')!.value)).toBe('ALR-1 · firing · 1 of 3 resolved');

    // Every alert resolved at the source: the group resolves, and so does its page.
    const done = await t.post(
      am('{}:{alertname="DiskFull"}', { 'db-1': 'resolved', 'db-2': 'resolved', 'db-3': 'resolved' }),
    );
    expect(groups(done)).toEqual([{ id: 'ALR-1', state: 'resolved', firing: 0, resolved: 3 }]);
    expect((await t.page(1))!.status).toBe('resolved');
    expect(t.gw.edits('payments').at(-1)).toContain('☑️ ALR-1');

    // The same key firing again after the group resolved opens a new group and pages again.
    const reopened = await t.post(am('{}:{alertname="DiskFull"}', { 'db-1': 'firing' }));
    expect(groups(reopened)).toEqual([{ id: 'ALR-2', state: 'firing', firing: 1, resolved: 0 }]);
    expect(await t.pages()).toHaveLength(2);
    // A resolve for a key with no open group changes nothing and says so.
    const stray = await t.post(am('{}:{alertname="Other"}', { x: 'resolved' }));
    expect(stray.body).toMatchObject({ groups: [], message: expect.stringContaining('nothing changed') });
  });

  it('reads an older Alertmanager body: no fingerprint, no per-alert status, no truncatedAlerts', async () => {
    const t = await setup();
    const old = (endsAt: string) => ({
      version: '3',
      groupKey: '{}:{alertname="Old"}',
      status: 'firing',
      commonLabels: { alertname: 'Old' },
      alerts: [
        { labels: { alertname: 'Old', instance: 'a' }, annotations: {}, startsAt: '', endsAt: '' },
        { labels: { alertname: 'Old', instance: 'b' }, annotations: {}, startsAt: '2026-11-23T11:00:00Z', endsAt },
      ],
    });
    // b's endsAt is in the future: still firing (Alertmanager sets it ahead while an alert fires).
    expect(groups(await t.post(old('2026-11-23T12:05:00Z')))).toEqual([
      { id: 'ALR-1', state: 'firing', firing: 2, resolved: 0 },
    ]);
    // The same alerts, b's endsAt now passed: resolved; the label-set fingerprint matches it.
    await t.clock.advance(10 * 60_000);
    expect(groups(await t.post(old('2026-11-23T12:05:00Z')))).toEqual([
      { id: 'ALR-1', state: 'firing', firing: 1, resolved: 1 },
    ]);
    const fps = (await t.store.transaction((tx) => tx.alerts.alerts(1))).map((a) => a.fingerprint);
    expect(fps).toHaveLength(2);
    for (const f of fps) expect(f).toMatch(/^[0-9a-f]{16}$/);
  });

  it('routes by the integration’s routes, then a service label naming a known service, then the integration', async () => {
    const t = await setup();
    await t.post(am('k1', { a: 'firing' }, { team: 'platform' }));
    await t.post(am('k2', { a: 'firing' }, { service: 'edge-gateway' }));
    await t.post(am('k3', { a: 'firing' }, { service: 'no-such-service' }));
    expect((await t.group(1))!.serviceId).toBe('edge-gateway');
    expect((await t.group(2))!.serviceId).toBe('edge-gateway');
    expect((await t.group(3))!.serviceId).toBe('checkout');
    expect(t.gw.posts('platform')).toHaveLength(2);
  });

  it('the PagerDuty drop-in: trigger, acknowledge (the escalation stops), resolve, answered as PagerDuty answers', async () => {
    const t = await setup();
    const trig = await t.enqueue(pd('trigger'));
    expect(trig).toEqual({
      status: 202,
      body: { status: 'success', message: 'Event processed', dedup_key: 'srv01/HTTP' },
    });
    expect(await t.group(1)).toMatchObject({ integration: 'legacy-pagerduty', source: 'pagerduty', state: 'firing' });
    // A second trigger with the same key joins the open alert: no second page.
    await t.enqueue(pd('trigger'));
    expect(await t.pages()).toHaveLength(1);
    await t.enqueue(pd('acknowledge'));
    expect(await t.group(1)).toMatchObject({ state: 'acknowledged' });
    expect((await t.page(1))!.status).toBe('acknowledged');
    const steps = await t.store.transaction((tx) => tx.pages.steps(1));
    expect(steps.filter((s) => s.state === 'pending')).toEqual([]);
    // While acknowledged, triggers notify nobody.
    await t.clock.advance(10_000);
    await t.enqueue(pd('trigger'));
    await t.run();
    expect(t.gw.dms('carol')).toHaveLength(0);
    await t.enqueue(pd('resolve'));
    expect(await t.group(1)).toMatchObject({ state: 'resolved' });
    expect((await t.page(1))!.status).toBe('resolved');
    // Acknowledge or resolve for nothing open: accepted, nothing changes.
    const late = await t.enqueue(pd('acknowledge'));
    expect(late.status).toBe(202);
    expect(await t.pages()).toHaveLength(1);

    // PagerDuty's refusals.
    expect(await t.enqueue({ ...pd('trigger'), routing_key: 'short' })).toEqual({
      status: 400,
      body: {
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: ['Routing key is the wrong length (should be 32 characters)'],
      },
    });
    expect((await t.enqueue({ ...pd('trigger'), routing_key: 'X'.repeat(32) })).body).toMatchObject({
      errors: ['Invalid routing key'],
    });
    expect(
      (await t.enqueue({ routing_key: ROUTING_KEY, event_action: 'trigger', payload: { severity: 'loud' } })).body,
    ).toEqual({
      status: 'invalid event',
      message: 'Event object is invalid',
      errors: [
        "'payload.summary' is missing or blank",
        "'payload.source' is missing or blank",
        "'payload.severity' must be one of critical, error, warning, info",
      ],
    });
    expect((await callRoute(t.steward, { route: ENQUEUE, body: '{not json' })).body).toEqual({
      status: 'invalid event',
      message: 'Event object format is unrecognized',
      errors: ['JSON parse error'],
    });
    expect(await t.pages()).toHaveLength(1);
  });

  it('reads every captured payload to its groups and states', async () => {
    const t = await setup();
    const file = (name: string) => JSON.parse(readFileSync(path.join(shared, name), 'utf8')) as Record<string, unknown>;
    const names = readdirSync(shared).filter((n) => /\.(enqueue|trigger|acknowledge|resolve|json)$/.test(n));
    expect(names.length).toBeGreaterThan(10);
    const am2 = await t.post(file('alertmanager.webhook-v4.firing-2-alerts.grafana-oncall-example.json'));
    expect(groups(am2)).toEqual([{ id: 'ALR-1', state: 'firing', firing: 2, resolved: 0 }]);
    // The three-alert example is the same group with one more alert.
    const am3 = await t.post(
      file('alertmanager.webhook-v4.firing-3-alerts.grafana-oncall-grafana-alerting-example.json'),
    );
    expect(groups(am3)).toEqual([{ id: 'ALR-1', state: 'firing', firing: 3, resolved: 0 }]);
    // Empty startsAt/endsAt, and a resolve of a group never seen firing: nothing changes.
    const restored = await t.post(
      file('alertmanager.webhook-v4.resolved-1-alert.grafana-oncall-heartbeat-restored.json'),
    );
    expect(restored.body).toMatchObject({ status: 'success', groups: [] });
    const grafana = await t.post(file('grafana.webhook-v1.firing-1-alert.grafana-alerting-webhook_test.json'));
    expect(groups(grafana)).toEqual([{ id: 'ALR-2', state: 'firing', firing: 1, resolved: 0 }]);
    expect((await t.group(2))!.source).toBe('grafana');
    const formatted = await t.post(file('oncall.formatted-webhook.alerting.grafana-oncall-example.json'));
    expect(groups(formatted)).toEqual([{ id: 'ALR-3', state: 'firing', firing: 1, resolved: 0 }]);
    expect(await t.group(3)).toMatchObject({
      source: 'webhook',
      title: 'TestAlert: The whole system is down',
      links: [{ href: 'https://en.wikipedia.org/wiki/Downtime', text: 'Details' }],
    });
    // PagerDuty events posted to the integration's own route (the token authenticates; the routing key is not read).
    const trigger = await t.post(file('pagerduty.events-v2.trigger.developer-docs.json'));
    expect(groups(trigger)).toEqual([{ id: 'ALR-4', state: 'firing', firing: 1, resolved: 0 }]);
    expect((await t.group(4))!.labels).toMatchObject({
      severity: 'info',
      component: 'postgres',
      group: 'prod-datapipe',
    });
    // The acknowledge and resolve examples name another dedup key: no open group, nothing changes.
    expect(groups(await t.post(file('pagerduty.events-v2.acknowledge.developer-docs.json')))).toEqual([]);
    expect(groups(await t.post(file('pagerduty.events-v2.resolve.developer-docs.json')))).toEqual([]);
    // With the trigger's key they act on ALR-4.
    const ack = { ...file('pagerduty.events-v2.acknowledge.developer-docs.json'), dedup_key: 'samplekeyhere' };
    expect(groups(await t.post(ack))).toEqual([{ id: 'ALR-4', state: 'acknowledged', firing: 1, resolved: 0 }]);
    const res = { ...file('pagerduty.events-v2.resolve.developer-docs.json'), dedup_key: 'samplekeyhere' };
    expect(groups(await t.post(res))).toEqual([{ id: 'ALR-4', state: 'resolved', firing: 0, resolved: 1 }]);
    // Change events: recorded on the integration's service, once.
    for (const f of [
      'pagerduty.change-events-v2.enqueue.developer-docs.json',
      'pagerduty.change-events-v2.enqueue.go-pagerduty-test.json',
    ]) {
      const body = { ...file(f), routing_key: ROUTING_KEY };
      const r = await callRoute(t.steward, { route: 'POST /v2/change/enqueue', body });
      expect(r).toEqual({ status: 202, body: file('pagerduty.change-events-v2.response-202.go-pagerduty-test.json') });
      await callRoute(t.steward, { route: 'POST /v2/change/enqueue', body });
    }
    const changes = await t.steward.part(ALERTS_SERVICE).changesSince('checkout', new Date('2020-01-01'));
    expect(changes.map((c) => [c.title, c.startedAt.toISOString()])).toEqual([
      ["Summary can't be blank", '2020-10-09T22:53:40.000Z'],
      ['Build Success: Increase snapshot create timeout to 30 seconds', '2020-07-17T08:42:58.315Z'],
    ]);
  });

  it('PagerDuty change events appear under "What changed?" of an incident on their service, beside Steward’s own changes', async () => {
    const t = await setup();
    const change = (summary: string, timestamp: string) =>
      callRoute(t.steward, {
        route: 'POST /v2/change/enqueue',
        body: { routing_key: ROUTING_KEY, payload: { summary, source: 'deploy-bot', timestamp } },
      });
    expect((await change('Deploy checkout v2.3.1', '2026-11-23T11:40:00Z')).status).toBe(202);
    // Older than the incident's look-back: not listed.
    await change('Deploy checkout v2.2.0', '2026-11-20T09:00:00Z');
    const declared = await t.steward.submit(
      as('alice'),
      { kind: 'incident.declare', nonce: 'd1' },
      { title: 'Checkout down', severity: 'SEV2', service: 'checkout' },
    );
    expect(declared.ok, JSON.stringify(declared)).toBe(true);
    await t.run();
    const summary = t.gw.shown.flatMap((r) => r.cards).find((c) => c.fields?.some((f) => f.label === 'What changed?'));
    expect(plain(summary!.fields!.find((f) => f.label === 'What changed?')!.value)).toBe(
      'deploy-bot Deploy checkout v2.3.1 · started 2026-11-23T11:40:00.000Z',
    );
  });

  it('acknowledging from chat stops the escalation; acknowledging the page acknowledges the group', async () => {
    const t = await setup();
    await t.post(am('g1', { a: 'firing' }));
    await t.post(am('g2', { b: 'firing' }));
    // Mallory is in no team: refused, nothing changes.
    const refused = await t.steward.execute(as('dave'), { kind: 'alert.ack', alert: 'ALR-1' });
    expect(title(refused)).toMatch(/^AUTH.FORBIDDEN: You may not act on ALR-1/);
    const r = await t.steward.execute(as('bob'), { kind: 'alert.ack', alert: 'ALR-1' });
    expect(title(r)).toBe('You acknowledged ALR-1');
    await t.run();
    expect((await t.page(1))!).toMatchObject({ status: 'acknowledged', ackBy: 'bob' });
    // Past the level-1 timeout nothing escalates to carol for ALR-1's page.
    await t.clock.advance(2_000);
    await t.run();
    expect(t.gw.dms('carol').filter((l) => l.includes('ALR-1'))).toHaveLength(0);
    expect(title(await t.steward.execute(as('bob'), { kind: 'alert.ack', alert: 'ALR-1' }))).toBe(
      'ALERT.UNCHANGED: ALR-1 is already acknowledged.',
    );
    // The page of ALR-2 acknowledged from its own button: the group follows.
    expect(title(await t.steward.execute(as('bob'), { kind: 'page.ack', page: 2 }))).toBe('You acknowledged PAGE-2');
    await t.run();
    expect(await t.group(2)).toMatchObject({ state: 'acknowledged', ackBy: 'bob' });
    // Resolving the page resolves the group; the next notification of its key opens a new group.
    expect(title(await t.steward.execute(as('bob'), { kind: 'page.resolve', page: 2 }))).toBe('You resolved PAGE-2');
    await t.run();
    expect(await t.group(2)).toMatchObject({ state: 'resolved', resolvedBy: 'bob' });
    expect(groups(await t.post(am('g2', { b: 'firing' })))).toEqual([
      { id: 'ALR-3', state: 'firing', firing: 1, resolved: 0 },
    ]);
    // Declare incident: the declare form, filled from the group.
    const declare = await t.steward.execute(as('bob'), { kind: 'alert.declare', alert: 'ALR-3' });
    expect(declare.ok && declare.value.form?.fields.map((f) => [f.id, f.initial])).toEqual(
      expect.arrayContaining([
        ['title', 'Disk on b is full'],
        ['service', 'checkout'],
      ]),
    );
    // The page card shows the group's progress.
    expect(t.gw.dms('bob').at(-1)).toContain('PAGE-3');
    const list = await t.steward.execute(as('alice'), { kind: 'alert.list' });
    expect(
      text(list)
        .split('\n')
        .map((l) => l.split(' · ')[0]),
    ).toEqual(['🔥 ALR-3 Checkout', '✅ ALR-1 Checkout']);
  });

  it('through the dispatcher: the card’s buttons, a Slack mention in a silence reason, the declare form filled from the group', async () => {
    const t = await setup();
    const chat = chatOf(t.steward);
    await t.post(am('g1', { a: 'firing' }));
    const card = t.gw.shown.find((r) => r.cards[0]?.title.startsWith('🔥 ALR-1'))!;
    expect(card.cards[0]!.buttons!.map((b) => b.label)).toEqual([
      'Acknowledge',
      'Resolve',
      'Silence 1h',
      'Declare incident',
    ]);
    // Someone the policy does not know clicks: refused, nothing changes.
    const stranger = await chat.click('slack', 'U0STRANGER', card, 'Acknowledge');
    expect(replyText(stranger)).toContain('Only people listed in the policy may do this.');
    expect((await t.group(1))!.state).toBe('firing');
    // Bob, on Slack: acknowledged; the page stops.
    expect((await chat.click('slack', 'U0BOB', card, 'Acknowledge')).cards[0]!.title).toBe('You acknowledged ALR-1');
    await t.run();
    expect((await t.page(1))!.status).toBe('acknowledged');
    // A second click (a double click, another platform) changes nothing and says so.
    expect(replyText(await chat.click('discord', '111111111111111112', card, 'Acknowledge'))).toContain(
      'ALR-1 is already acknowledged.',
    );
    // Declare incident, on Discord: the declare form opens with the group's title and service;
    // submitted, it declares INC-1 on that service.
    const opened = await chat.click('discord', '111111111111111112', card, 'Declare incident');
    const initial = Object.fromEntries(opened.form!.fields.map((f) => [f.id, f.initial]));
    expect(initial).toMatchObject({ title: 'Disk on a is full', service: 'checkout' });
    const declared = await chat.submit('discord', '111111111111111112', opened.form!, {
      title: initial.title!,
      severity: 'SEV2',
      service: 'checkout',
    });
    expect(declared.reply.cards.map((c) => c.title).join(' ')).toMatch(/INC-1/);
    // A silence typed on Slack, a mention in its reason: stored and shown with the person's name.
    const silenced = await chat.command(
      'slack',
      'U0ALICE',
      'alert',
      'silence checkout 1h disk cleanup by <@U0BOB|bob>',
    );
    expect(silenced.cards[0]!.title).toBe('🔕 SIL-1: alerts matching service=checkout page nobody');
    expect((await t.store.transaction((tx) => tx.alerts.silence(1)))!.reason).toBe('disk cleanup by @Bob Builder');
    // A grammar error names what is missing.
    expect(replyText(await chat.command('slack', 'U0ALICE', 'alert', 'silence checkout'))).toContain(
      '/alert silence needs how long, e.g. 30m, 2h or 1d.',
    );
  });

  it('a silence keeps matching alerts from paging, outlives flapping, and ending it pages what still fires', async () => {
    const t = await setup();
    const parsed = t.steward.registry.commands
      .get('alert')!
      .parse('silence checkout alertname=DiskFull 2h disk cleanup running');
    expect(parsed).toEqual({
      ok: true,
      command: {
        kind: 'alert.silence',
        matchers: { service: 'checkout', alertname: 'DiskFull' },
        minutes: 120,
        reason: 'disk cleanup running',
      },
    });
    if (!parsed.ok) return;
    // Outsiders may not silence a team's alerts.
    expect(title(await t.steward.execute(as('dave'), parsed.command))).toMatch(
      /^AUTH.FORBIDDEN: Not silenced: only the checkout team/,
    );
    const s = await t.steward.execute(as('alice'), parsed.command);
    expect(title(s)).toBe('🔕 SIL-1: alerts matching service=checkout alertname=DiskFull page nobody');
    const r = await t.post(am('flappy', { a: 'firing' }));
    expect(groups(r)).toEqual([{ id: 'ALR-1', state: 'silenced', firing: 1, resolved: 0 }]);
    expect(await t.pages()).toHaveLength(0);
    // It resolves and fires again (a new group): still silenced, the silence matches labels.
    await t.post(am('flappy', { a: 'resolved' }));
    expect(groups(await t.post(am('flappy', { a: 'firing' })))).toEqual([
      { id: 'ALR-2', state: 'silenced', firing: 1, resolved: 0 },
    ]);
    // Another alert name is not covered.
    const other = await t.post(am('other', { a: 'firing' }, { alertname: 'CPUHigh' }));
    expect(groups(other)).toMatchObject([{ state: 'firing' }]);
    // Stored, listed and counted.
    const listed = await t.steward.execute(as('alice'), { kind: 'alert.list', state: 'silenced' });
    expect(title(listed)).toBe('Silenced alert groups (1)');
    expect(text(listed)).toContain('silenced by SIL-1');
    expect(listed.ok && plain(listed.value.cards[0]!.context!)).toBe(
      'All groups: 1 firing · 0 acknowledged · 1 silenced · 1 resolved',
    );
    // Only its creator and the teams it covers may end it.
    expect(title(await t.steward.execute(as('dave'), { kind: 'alert.unsilence', silence: 'SIL-1' }))).toBe(
      'AUTH.FORBIDDEN: Only its creator and the teams it covers may end SIL-1.',
    );
    expect(title(await t.steward.execute(as('bob'), { kind: 'alert.unsilence', silence: 'SIL-9' }))).toBe(
      'SILENCE.NOT_FOUND: There is no silence SIL-9.',
    );
    // Ending the silence pages ALR-2 now.
    const u = await t.steward.execute(as('bob'), { kind: 'alert.unsilence', silence: 'SIL-1' });
    expect(text(u)).toBe('Paging now: ALR-2.');
    await t.run();
    expect(await t.group(2)).toMatchObject({ state: 'firing', suppressed: null, pageNumber: 2 });
    // The card's Silence 1h: the group and alerts like it page nobody for an hour; the page stops.
    const one = await t.steward.execute(as('bob'), { kind: 'alert.silence_group', alert: 'ALR-2' });
    expect(title(one)).toBe('🔕 SIL-2: ALR-2 and alerts like it page nobody for 1h');
    await t.run();
    expect(await t.group(2)).toMatchObject({ state: 'silenced' });
    expect((await t.page(2))!.status).toBe('acknowledged');
    // An hour later the periodic check sees the silence over: the still-firing group pages again.
    await t.clock.advance(3_600_000);
    expect(await t.steward.part(ALERTS_ACTIONS).tick(t.clock.now())).toEqual(['ALR-2']);
  });

  it('a maintenance window is exact to the second across Berlin’s spring-forward', async () => {
    // 2027-03-28: 02:00 Berlin does not exist; the window runs 03:00 CEST (01:00Z) for two hours.
    const t = await setup({ start: '2027-03-28T00:59:59.000Z' });
    const fire = (key: string) => t.post(am(key, { a: 'firing' }, { service: 'edge-gateway' }));
    expect(groups(await fire('w1'))).toMatchObject([{ state: 'firing' }]);
    await t.clock.set('2027-03-28T01:00:00.000Z');
    expect(groups(await fire('w2'))).toMatchObject([{ state: 'silenced' }]);
    expect((await t.group(2))!.suppressed).toEqual({
      kind: 'maintenance',
      ref: 'sunday-patching',
      until: new Date('2027-03-28T03:00:00.000Z'),
    });
    await t.clock.set('2027-03-28T02:59:59.000Z');
    expect(groups(await fire('w3'))).toMatchObject([{ state: 'silenced' }]);
    await t.clock.set('2027-03-28T03:00:00.000Z');
    expect(groups(await fire('w4'))).toMatchObject([{ state: 'firing' }]);
    // The silenced groups page once the window is over.
    expect(await t.steward.part(ALERTS_ACTIONS).tick(t.clock.now())).toEqual(['ALR-3', 'ALR-2']);
    // A week earlier (standard time) the window is 02:00–04:00 CET = 01:00–03:00Z too.
    const before = await setup({ start: '2027-03-21T00:59:59.000Z' });
    expect(groups(await before.post(am('v', { a: 'firing' }, { service: 'edge-gateway' })))).toMatchObject([
      { state: 'firing' },
    ]);
    await before.clock.set('2027-03-21T01:00:00.000Z');
    expect(groups(await before.post(am('w', { a: 'firing' }, { service: 'edge-gateway' })))).toMatchObject([
      { state: 'silenced' },
    ]);
  });

  it('an approved change in progress silences its service’s alerts for its window', async () => {
    const t = await setup();
    const opened = await callRoute(t.steward, {
      route: 'POST /api/v1/changes',
      token: 'monitoring',
      body: {
        title: 'Rotate certificates',
        service: 'checkout',
        kind: 'standard',
        window: 'now +1h',
        details: 'Rotate the TLS certificates; roll back by restoring the old ones.',
      },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    expect(groups(await t.post(am('before-start', { a: 'firing' })))).toMatchObject([{ state: 'firing' }]);
    expect(title(await t.steward.execute(as('alice'), { kind: 'change.start', change: 1 }))).toMatch(/CHG-1/);
    expect(groups(await t.post(am('during', { a: 'firing' })))).toMatchObject([{ state: 'silenced' }]);
    expect((await t.group(2))!.suppressed).toMatchObject({ kind: 'change', ref: 'CHG-1' });
    // Another service is not silenced.
    expect(groups(await t.post(am('elsewhere', { a: 'firing' }, { team: 'platform' })))).toMatchObject([
      { state: 'firing' },
    ]);
    // Past the window's end the change silences nothing more.
    await t.clock.advance(3_600_000);
    expect(groups(await t.post(am('after', { a: 'firing' })))).toMatchObject([{ state: 'firing' }]);
  });

  it('past an integration’s rate limit new groups are stored and listed but page nobody: one storm notice per window', async () => {
    const t = await setup();
    for (let i = 1; i <= 6; i++) {
      const r = await t.post(am(`storm-${i}`, { [`h${i}`]: 'firing' }), 'storm-source');
      expect(r.status).toBe(202);
    }
    const all = await t.store.transaction((tx) => tx.alerts.list({ limit: 10 }));
    expect(all.map((g) => [g.number, g.pageNumber !== null, g.suppressed?.kind ?? null]).reverse()).toEqual([
      [1, true, null],
      [2, true, null],
      [3, true, null],
      [4, false, 'storm'],
      [5, false, 'storm'],
      [6, false, 'storm'],
    ]);
    await t.clock.advance(5_000);
    await t.run();
    const notices = t.gw.posts('platform').filter((l) => l.includes('Alert storm'));
    expect(notices).toEqual([
      '[#platform] message 4 :: ⛈️ Alert storm on storm-source: new groups page nobody until the window ends (3)',
    ]);
    // The next window pages again.
    await t.clock.advance(5 * 60_000);
    expect(groups(await t.post(am('storm-7', { h7: 'firing' }), 'storm-source'))).toMatchObject([{ state: 'firing' }]);
    expect((await t.group(7))!.pageNumber).not.toBeNull();
  });

  it('heartbeats: armed by the first ping, late, then down (a group that pages), resolved by the next good ping', async () => {
    const t = await setup();
    const hb = t.steward.part(ALERTS_HEARTBEATS);
    const ping = async (id: string, signal?: string) => {
      const r = await callRoute(t.steward, {
        route: signal ? 'GET /api/v1/heartbeats/:id/:signal' : 'GET /api/v1/heartbeats/:id',
        params: { id, ...(signal ? { signal } : {}) },
        token: 'cron-jobs',
      });
      await t.run();
      return r;
    };
    // Not armed: nothing is late.
    await t.clock.advance(3_600_000);
    expect(await hb.check(t.clock.now())).toEqual([]);
    expect(await ping('queue-worker')).toEqual({
      status: 200,
      body: { id: 'queue-worker', state: 'up', next: '2026-11-23T13:05:00.000Z' },
    });
    await t.clock.advance(5 * 60_000 + 1);
    await hb.check(t.clock.now());
    expect((await hb.list()).find((h) => h.id === 'queue-worker')!.state).toBe('late');
    await t.clock.advance(2 * 60_000 - 1);
    expect(await hb.check(t.clock.now())).toEqual([]);
    await t.clock.advance(1);
    expect(await hb.check(t.clock.now())).toEqual(['queue-worker']);
    await t.run();
    expect(await t.group(1)).toMatchObject({
      integration: 'heartbeat:queue-worker',
      serviceId: 'checkout',
      state: 'firing',
      pageNumber: 1,
    });
    expect((await t.group(1))!.title).toBe(
      'Heartbeat queue-worker missed: no ping by 2026-11-23T13:07:00.000Z (last ping 2026-11-23T13:00:00.000Z)',
    );
    // The next check does not open another.
    expect(await hb.check(t.clock.now())).toEqual([]);
    expect((await ping('queue-worker')).body).toMatchObject({ state: 'up' });
    expect(await t.group(1)).toMatchObject({ state: 'resolved' });
    // A failure ping (exit code 3) is down at once.
    expect((await ping('queue-worker', '3')).body).toMatchObject({ state: 'down' });
    expect((await t.group(2))!.title).toBe('Heartbeat queue-worker exited with code 3');
    expect((await ping('queue-worker', '0')).body).toMatchObject({ state: 'up' });
    expect((await ping('queue-worker', 'nope')).status).toBe(400);
    expect((await ping('no-such')).status).toBe(404);
    // Paused: missing pings open nothing.
    expect(title(await t.steward.execute(as('alice'), { kind: 'alert.pause', heartbeat: 'queue-worker' }))).toBe(
      '⏸️ Heartbeat queue-worker paused',
    );
    await t.clock.advance(3_600_000);
    expect(await hb.check(t.clock.now())).toEqual([]);
    const card = await t.steward.execute(as('alice'), { kind: 'alert.heartbeats' });
    expect(text(card)).toContain('queue-worker paused');
    expect(text(card)).toContain('nightly-backup new');
    // Outsiders may not pause or resume a team's heartbeat.
    expect(title(await t.steward.execute(as('dave'), { kind: 'alert.resume', heartbeat: 'queue-worker' }))).toMatch(
      /^AUTH.FORBIDDEN: Only the checkout team and its owners may resume queue-worker/,
    );
    // Resumed: due a whole period from now, and missed again after period and grace.
    const resumed = await t.steward.execute(as('alice'), { kind: 'alert.resume', heartbeat: 'queue-worker' });
    expect(text(resumed)).toBe(
      `The next ping is due by ${new Date(t.clock.now().getTime() + 5 * 60_000).toISOString()}.`,
    );
    // /start begins a run: it changes nothing of the schedule, and the run's ok ping arms the next one.
    const started = await ping('queue-worker', 'start');
    expect(started.body).toMatchObject({ state: 'up' });
    await t.clock.advance(60_000);
    expect((await ping('queue-worker')).body).toEqual({
      id: 'queue-worker',
      state: 'up',
      next: new Date(t.clock.now().getTime() + 5 * 60_000).toISOString(),
    });
    await t.clock.advance(7 * 60_000 + 1);
    expect(await hb.check(t.clock.now())).toEqual(['queue-worker']);
  });

  it('a cron heartbeat is due at its next occurrence in its zone, across New York’s spring-forward', async () => {
    // 02:30 New York does not exist on 2027-03-14: the occurrence runs at 03:30 EDT (07:30Z).
    const t = await setup({ start: '2027-03-13T07:30:00.000Z' });
    const hb = t.steward.part(ALERTS_HEARTBEATS);
    const r = await callRoute(t.steward, {
      route: 'POST /api/v1/heartbeats/:id',
      params: { id: 'nightly-backup' },
      token: 'cron-jobs',
    });
    expect(r.body).toEqual({ id: 'nightly-backup', state: 'up', next: '2027-03-14T07:30:00.000Z' });
    await t.clock.set('2027-03-14T08:00:00.000Z');
    expect(await hb.check(t.clock.now())).toEqual([]);
    await t.clock.set('2027-03-14T08:00:00.001Z');
    expect(await hb.check(t.clock.now())).toEqual(['nightly-backup']);
    expect(await t.group(1)).toMatchObject({ serviceId: 'edge-gateway' });
  });

  it('concurrent deliveries of one new group, on two replicas, open one group and one page', async () => {
    const t = await setup();
    const other = await t.open('replica-b', dialect === 'sqlite' ? t.store : undefined);
    const body = am('race', { a: 'firing', b: 'firing' });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        callRoute(i % 2 ? other.steward : t.steward, {
          route: RECEIVE,
          params: { integration: 'prod-alertmanager' },
          token: 'monitoring',
          body,
        }),
      ),
    );
    expect(new Set(results.map((r) => JSON.stringify(r)))).toEqual(
      new Set([
        JSON.stringify({
          status: 202,
          body: { status: 'success', groups: [{ id: 'ALR-1', state: 'firing', firing: 2, resolved: 0 }] },
        }),
      ]),
    );
    expect(await t.pages()).toHaveLength(1);
    expect(await t.store.transaction((tx) => tx.alerts.list({ limit: 10 }))).toHaveLength(1);
  });

  it('refuses bad input whole and says why: nothing is stored', async () => {
    const t = await setup();
    const refused = await t.post({ version: '4', groupKey: 'x', alerts: [{ labels: {}, status: 'burning' }] });
    expect(refused).toEqual({
      status: 400,
      body: {
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: ["'alerts[0].status' must be firing or resolved"],
      },
    });
    expect((await t.post({ hello: 'world' })).body).toMatchObject({
      errors: [expect.stringMatching(/^unrecognised alert format/)],
    });
    expect((await t.post('[1,2')).body).toMatchObject({ errors: ['JSON parse error'] });
    expect((await t.post(am('k', { a: 'firing' }), 'nope')).status).toBe(404);
    // A token limited to edge-gateway may not post to an integration of checkout.
    expect((await t.post(am('k', { a: 'firing' }), 'prod-alertmanager', 'edge-monitoring')).status).toBe(403);
    // Nor page checkout through a `service` label on an integration it may post to.
    expect(
      (await t.post(am('k', { a: 'firing' }, { service: 'checkout' }), 'storm-source', 'edge-monitoring')).status,
    ).toBe(403);
    // A token without alerts:write is refused by the core.
    expect((await t.post(am('k', { a: 'firing' }), 'prod-alertmanager', 'reader')).status).toBe(403);
    // Hostile labels: prototype keys dropped, long values cut, never a crash.
    const hostile = am('h', { a: 'firing' });
    hostile.alerts[0]!.labels = { ...hostile.alerts[0]!.labels, ['__proto__']: 'x', long: 'y'.repeat(5_000) } as never;
    expect((await t.post(hostile)).status).toBe(202);
    const stored = (await t.store.transaction((tx) => tx.alerts.alerts(1)))[0]!;
    expect(Object.keys(stored.labels)).not.toContain('__proto__');
    expect(stored.labels.long!.length).toBe(1024);
    expect(
      (await t.post(am('k', { a: 'firing' }, { service: 'edge-gateway' }), 'storm-source', 'edge-monitoring')).status,
    ).toBe(202);
    expect(await t.store.transaction((tx) => tx.alerts.list({ limit: 10 }))).toHaveLength(2);
  });

  it('a policy that names unknown services or bad windows is refused with the path', () => {
    expect(() =>
      policyWith((y) =>
        y
          .replace('service: checkout\n      routes:', 'service: nowhere\n      routes:')
          .replace('duration: 2h', 'duration: 2x'),
      ),
    ).toThrow(/alerts\.integrations\[0\]\.service: unknown service "nowhere"|alerts\.maintenance\[0\]\.duration/);
    expect(() => policyWith((y) => y.replace('- id: storm-source', '- id: findings'))).toThrow(
      /"findings" is reserved for patch SLA breach groups/,
    );
  });
});
