// Public incidents on the status page, from Slack and Discord through the real dispatcher, on both
// databases: /incident publish and its form, public updates, the public status following the
// incident's, resolving restoring the components, the announcements in the public channels edited
// in place, who may publish, bad input, and nothing of the war room ever reaching the public.
import { afterEach, describe, expect, it } from 'vitest';
import { plain } from '../../src/core/card.js';
import { forEachDialect } from '../support/databases.js';
import { codeOf } from '../support/dispatch.js';
import { API, DISCORD, MIN, PUBLIC, SLACK, type StatusTest, shown, statusSteward } from './support.js';

const T0 = Date.UTC(2025, 2, 3, 9, 0, 0); // 10:00 in Berlin, the page's time zone

await forEachDialect('status page: public incidents', ({ createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  async function setup(): Promise<StatusTest> {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    return statusSteward(db, T0, (fn) => cleanup.push(fn));
  }
  /** What the public announce channel holds for the event: its message as last edited. */
  const announced = (t: StatusTest, platform: 'slack' | 'discord') => {
    const msgs = (platform === 'slack' ? t.slack : t.discord).sentTo(PUBLIC[platform]);
    return msgs.map((m) => ({ versions: m.versions.length, now: shown(m.versions.at(-1)!) }));
  };

  it('publishes INC-n with the form: public title, components and their status, first message; a double submit publishes once', async () => {
    const t = await setup();
    await t.declare({ title: 'Primary database failover stuck', severity: 'SEV1', service: 'payments-api' });
    const opened = await t.chat.command('slack', SLACK.alice, 'incident', 'publish INC-1');
    const form = opened.form!;
    expect(form.target).toMatchObject({ kind: 'status.publish', number: 1 });
    const initial = Object.fromEntries(form.fields.map((f) => [f.id, f.initial]));
    // The policy maps SEV1 to major_outage and payments-api to the payments component.
    expect(initial).toEqual({
      title: 'Primary database failover stuck',
      components: 'payments: major_outage',
      status: 'investigating',
      message: 'We are currently investigating this issue.',
    });
    const values = {
      title: 'Card payments are failing',
      components: 'payments: major_outage\nledger = degraded-performance',
      status: 'identified',
      message: 'Card payments fail at checkout; we know why and are fixing it.',
    };
    const first = await t.chat.submit('slack', SLACK.alice, form, values);
    expect(first.reply.cards[0]!.title).toBe('INC-1 is on the status page');
    const again = await t.chat.submit('slack', SLACK.alice, form, values);
    expect(again.reply.cards[0]!.title).toBe('Already published');
    await t.settled();

    const summary = await t.api('summary.json');
    expect(summary.status).toEqual({ indicator: 'critical', description: 'Major System Outage' });
    expect(summary.incidents).toHaveLength(1);
    const inc = summary.incidents[0];
    expect(inc).toMatchObject({
      name: 'Card payments are failing',
      status: 'identified',
      impact: 'critical',
      created_at: '2025-03-03T10:00:00.000+01:00',
      resolved_at: null,
      shortlink: `https://status.acme.example/incidents/${inc.id}`,
    });
    expect(inc.id).toMatch(/^[a-z0-9]{12}$/);
    expect(inc.incident_updates.map((u: any) => [u.status, u.body])).toEqual([
      ['identified', 'Card payments fail at checkout; we know why and are fixing it.'],
    ]);
    const statuses = Object.fromEntries(summary.components.map((c: any) => [c.id, c.status]));
    expect(statuses).toEqual({
      'group-core': 'major_outage',
      payments: 'major_outage',
      ledger: 'degraded_performance',
      edge: 'operational',
    });
    // Announced once in each public channel.
    expect(announced(t, 'slack')).toHaveLength(1);
    expect(announced(t, 'discord')).toHaveLength(1);
    expect(announced(t, 'slack')[0]!.now).toContain('Card payments are failing');
    expect(announced(t, 'slack')[0]!.now).toContain('Payments: Major outage');
    // The timeline says what was published.
    const i = (await t.store.transaction((tx) => tx.incidents.byNumber(1)))!;
    const entries = await t.store.transaction((tx) => tx.incidents.timeline(i.id));
    expect(entries.filter((e) => e.kind === 'public').map((e) => e.text)).toEqual([
      'Published on the status page (identified): Card payments fail at checkout; we know why and are fixing it.',
    ]);
    // Publishing again is refused with where it is.
    const twice = await t.chat.command('slack', SLACK.alice, 'incident', 'publish INC-1');
    expect(codeOf(twice)).toBe('STATUS.PUBLISHED');
  });

  it('public updates from Slack and Discord, the public status following the incident, and resolving restoring the components', async () => {
    const t = await setup();
    await t.declare({ title: 'Checkout errors', severity: 'SEV2', service: 'payments-api' });
    await t.publish(1, { title: 'Checkout is slow or failing', message: 'Some payments fail.' });
    expect((await t.api('status.json')).status.indicator).toBe('major');
    await t.clock.advance(5 * MIN);
    // Slack: the flag before or after the reference; Discord: the public option.
    const s = await t.chat.command('slack', SLACK.alice, 'incident', 'update --public INC-1 A fix is being deployed.');
    expect(s.cards[0]!.title).toBe('Public update posted on INC-1');
    await t.clock.advance(5 * MIN);
    const d = await t.chat.discord(DISCORD.bob, 'incident', 'update', {
      text: 'Payments are recovering.',
      incident: 'INC-1',
      public: true,
    });
    expect(d.cards[0]!.title).toBe('Public update posted on INC-1');
    await t.clock.advance(5 * MIN);
    await t.chat.command('slack', SLACK.alice, 'incident', 'status INC-1 monitoring');
    await t.settled();
    let inc = (await t.api('incidents/unresolved.json')).incidents[0];
    expect(inc.status).toBe('monitoring');
    expect(inc.monitoring_at).toBe('2025-03-03T10:15:00.000+01:00');
    expect(inc.incident_updates.map((u: any) => [u.status, u.body, u.display_at])).toEqual([
      ['monitoring', 'A fix has been implemented and we are monitoring the results.', '2025-03-03T10:15:00.000+01:00'],
      ['investigating', 'Payments are recovering.', '2025-03-03T10:10:00.000+01:00'],
      ['investigating', 'A fix is being deployed.', '2025-03-03T10:05:00.000+01:00'],
      ['investigating', 'Some payments fail.', '2025-03-03T10:00:00.000+01:00'],
    ]);
    await t.clock.advance(10 * MIN);
    await t.chat.command('slack', SLACK.alice, 'incident', 'resolve INC-1 Rolled back');
    await t.settled();
    expect((await t.api('incidents/unresolved.json')).incidents).toEqual([]);
    inc = (await t.api('incidents.json')).incidents[0];
    expect(inc).toMatchObject({ status: 'resolved', resolved_at: '2025-03-03T10:25:00.000+01:00' });
    expect(inc.incident_updates[0]).toMatchObject({ status: 'resolved', body: 'This incident has been resolved.' });
    const summary = await t.api('summary.json');
    expect(summary.status).toEqual({ indicator: 'none', description: 'All Systems Operational' });
    expect(summary.components.every((c: any) => c.status === 'operational')).toBe(true);
    // The announcement was edited in place (one message per platform), now resolved.
    for (const p of ['slack', 'discord'] as const) {
      const [m, ...more] = announced(t, p);
      expect(more).toEqual([]);
      expect(m!.versions).toBeGreaterThan(1);
      expect(m!.now).toContain('Status\nResolved');
      expect(m!.now).toContain('This incident has been resolved.');
    }
    // Updates after resolution are refused.
    const late = await t.chat.command('slack', SLACK.alice, 'incident', 'update INC-1 --public more');
    expect(codeOf(late)).toBe('STATUS.RESOLVED');
  });

  it('nothing of the war room reaches the public: internal updates, summary, roles, names, channel and timeline stay inside', async () => {
    const t = await setup();
    const SECRET = {
      summary: 'db-03 replica lag after failover; ticket OPS-4242',
      update: 'Rolled back deploy 7f3a9c of payments-api on db-03',
      status: 'suspect the pgbouncer pool on db-03',
      pinned: 'root cause: stale DNS for db-03.internal',
      resolution: 'restarted pgbouncer on db-03',
    };
    await t.declare({
      title: 'db-03 failover stuck',
      severity: 'SEV1',
      service: 'payments-api',
      summary: SECRET.summary,
    });
    await t.chat.command('slack', SLACK.alice, 'incident', 'role scribe <@U0CAROL>', 'inc-1-db-03-failover-stuck');
    await t.chat.command('slack', SLACK.bob, 'incident', `update INC-1 ${SECRET.update}`);
    await t.steward.pinned('slack', 'inc-1-db-03-failover-stuck', {
      messageId: '1700000000.000100',
      authorId: SLACK.carol,
      authorName: 'carol',
      text: SECRET.pinned,
      at: t.clock.now(),
    });
    await t.publish(1, {
      title: 'Payments are failing <b>for some</b> & "others"',
      components: 'payments: major_outage',
      message: 'We are looking into failed payments. <script>alert(1)</script> @channel',
    });
    await t.chat.command('slack', SLACK.alice, 'incident', `status INC-1 identified ${SECRET.status}`);
    await t.chat.command('slack', SLACK.alice, 'incident', 'update INC-1 --public Payments are recovering.');
    await t.chat.command('slack', SLACK.alice, 'incident', `resolve INC-1 ${SECRET.resolution}`);
    await t.settled();

    const code = (await t.api('incidents.json')).incidents[0].id as string;
    const bodies: [string, string][] = [];
    for (const path of ['/', '/history', `/incidents/${code}`, '/history.rss', '/history.atom'])
      bodies.push([path, (await t.get(path)).text]);
    for (const path of API) bodies.push([path, (await t.get(`/api/v2/${path}`)).text]);
    for (const p of ['slack', 'discord'] as const)
      for (const m of announced(t, p)) bodies.push([`${p} announce`, m.now]);
    const forbidden = [
      ...Object.values(SECRET),
      'db-03',
      'OPS-4242',
      'Alice',
      'Bob',
      'Carol',
      'commander',
      'scribe',
      'inc-1-',
      'INC-1',
      'SEV1',
      'war room',
    ];
    for (const [where, body] of bodies) {
      for (const word of forbidden) {
        const re = new RegExp(`(^|[^A-Za-z0-9])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9])`, 'i');
        expect(re.test(body), `"${word}" in ${where}`).toBe(false);
      }
      // Public text is shown as text, never as markup (chat cards are neutral: their renderers escape).
      if (where.endsWith('announce')) continue;
      expect(body.includes('<script>'), `<script> in ${where}`).toBe(false);
      expect(body.includes('<b>for some</b>'), `<b> in ${where}`).toBe(false);
    }
    expect((await t.get('/')).text).toContain(
      'Payments are failing &lt;b&gt;for some&lt;/b&gt; &amp; &quot;others&quot;',
    );
    expect((await t.get(`/incidents/${code}`)).text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const atom = (await t.get('/history.atom')).text;
    expect(atom).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const json = (await t.get('/api/v2/incidents.json')).text;
    expect(json).toContain('\\u003cscript\\u003ealert(1)\\u003c/script\\u003e');
    expect(JSON.parse(json).incidents[0].incident_updates.at(-1).body).toBe(
      'We are looking into failed payments. <script>alert(1)</script> @channel',
    );
  });

  it('who may publish: statusPage.publishers, decided in the core whatever the platform', async () => {
    const t = await setup();
    await t.declare({ title: 'Ledger drift', severity: 'SEV3', service: 'ledger' });
    // erin holds no role, did not declare, is in no team and owns nothing.
    const form = await t.chat.command('slack', SLACK.erin, 'incident', 'publish INC-1');
    expect(codeOf(form)).toBe('AUTH.FORBIDDEN');
    expect(shown(form)).toContain('Only the commander, communications, declarer, requester');
    expect(codeOf(await t.chat.discord(DISCORD.erin, 'incident', 'publish', { incident: 'INC-1' }))).toBe(
      'AUTH.FORBIDDEN',
    );
    // A form opened by alice and submitted by erin is refused too.
    const opened = await t.chat.command('slack', SLACK.alice, 'incident', 'publish INC-1');
    const stolen = await t.chat.submit('slack', SLACK.erin, opened.form!, {
      title: 'Ledger totals wrong',
      components: 'ledger: degraded_performance',
      status: 'investigating',
      message: 'Looking.',
    });
    expect(codeOf(stolen.reply)).toBe('AUTH.FORBIDDEN');
    // bob is in the ledger's team: he may.
    await t.publish(1, { message: 'Some ledger totals are wrong.' }, SLACK.bob);
    expect((await t.api('incidents.json')).incidents).toHaveLength(1);
    const upd = await t.chat.command('slack', SLACK.erin, 'incident', 'update INC-1 --public hello');
    expect(codeOf(upd)).toBe('AUTH.FORBIDDEN');
    const set = await t.chat.command('slack', SLACK.erin, 'status', 'set ledger major_outage');
    expect(codeOf(set)).toBe('AUTH.FORBIDDEN');
    expect(shown(set)).toContain('may set the status of Ledger');
    // Someone not in the policy may read /status but change nothing.
    expect(codeOf(await t.chat.command('slack', 'U0STRANGER', 'status', 'set ledger major_outage'))).toBe(
      'AUTH.UNKNOWN_USER',
    );
    expect(shown(await t.chat.command('slack', 'U0STRANGER', 'status', ''))).toContain(
      'Acme Status: Minor Service Outage',
    );
    expect((await t.api('components.json')).components.find((c: any) => c.id === 'ledger').status).toBe(
      'degraded_performance',
    );
  });

  it('bad input gets a specific answer: the form inline, unknown components and statuses listed, updates before publishing', async () => {
    const t = await setup();
    await t.declare({ title: 'Edge 5xx', severity: 'SEV2', service: 'edge-gateway' });
    const notYet = await t.chat.command('slack', SLACK.alice, 'incident', 'update INC-1 --public hello');
    expect(codeOf(notYet)).toBe('STATUS.NOT_PUBLISHED');
    expect(shown(notYet)).toContain('Publish it first with /incident publish INC-1');
    const empty = await t.chat.command('slack', SLACK.alice, 'incident', 'update INC-1 --public');
    expect(shown(empty)).toContain('/incident update --public needs the text of the update.');
    const opened = await t.chat.command('slack', SLACK.alice, 'incident', 'publish INC-1');
    const base = { title: 'Edge errors', status: 'investigating', message: 'Looking.' };
    const cases: [string, string][] = [
      ['edgy: major_outage', 'Unknown component "edgy" (components: payments, ledger, edge)'],
      [
        'edge: down',
        '"down" is not a status for edge (statuses: operational, degraded_performance, partial_outage, major_outage)',
      ],
      ['edge', 'Give edge a status (operational, degraded_performance, partial_outage, major_outage)'],
      ['edge: under_maintenance', '"under_maintenance" is not a status for edge'],
      ['edge: major_outage, edge: partial_outage', 'edge is listed twice'],
    ];
    for (const [components, message] of cases) {
      const r = await t.chat.submit('slack', SLACK.alice, opened.form!, { ...base, components });
      expect(r.fieldErrors?.components, components).toContain(message);
    }
    const short = await t.chat.submit('slack', SLACK.alice, opened.form!, {
      ...base,
      components: 'edge: major_outage',
      title: 'x',
    });
    expect(short.fieldErrors).toEqual({ title: 'Use at least 3 characters' });
    expect((await t.api('incidents.json')).incidents).toEqual([]);
    // /status set: the component and the status are checked, what exists listed.
    const bad = await t.chat.command('slack', SLACK.alice, 'status', 'set edge broken');
    expect(shown(bad)).toContain('"broken" is not a component status.');
    expect(shown(bad)).toContain(
      'Statuses: operational, degraded_performance, partial_outage, major_outage, under_maintenance',
    );
    const unknown = await t.chat.command('slack', SLACK.alice, 'status', 'set edgy major_outage');
    expect(codeOf(unknown)).toBe('STATUS.UNKNOWN_COMPONENT');
    expect(shown(unknown)).toContain('Components: payments, ledger, edge');
    const missing = await t.chat.command('slack', SLACK.alice, 'status', 'set edge');
    expect(shown(missing)).toContain('/status set needs a component and a status');
    // Incidents that are closed cannot be published.
    await t.chat.command('slack', SLACK.alice, 'incident', 'resolve INC-1 fine');
    expect(codeOf(await t.chat.command('slack', SLACK.alice, 'incident', 'publish INC-1'))).toBe('INCIDENT.CLOSED');
  });

  describe('/status set', () => {
    it('sets a component by hand, or through the incidents affecting it (which restore it when resolved)', async () => {
      const t = await setup();
      const status = async () =>
        Object.fromEntries((await t.api('components.json')).components.map((c: any) => [c.id, c.status]));
      const set = await t.chat.command('slack', SLACK.carol, 'status', 'set edge Partial-Outage');
      expect(set.cards[0]!.title).toBe('Edge Network: Partial outage');
      expect(plain(set.cards[0]!.body!)).toContain('Set by hand');
      expect((await status()).edge).toBe('partial_outage');
      await t.chat.command('slack', SLACK.carol, 'status', 'set edge operational');
      expect((await status()).edge).toBe('operational');

      await t.declare({ title: 'Payments down', severity: 'SEV1', service: 'payments-api' });
      await t.publish(1);
      expect((await status()).payments).toBe('major_outage');
      const through = await t.chat.command('slack', SLACK.alice, 'status', 'set payments degraded_performance');
      expect(plain(through.cards[0]!.body!)).toContain('Set on the public incident of INC-1');
      expect(await status()).toMatchObject({ payments: 'degraded_performance', 'group-core': 'degraded_performance' });
      expect((await t.api('incidents/unresolved.json')).incidents[0]).toMatchObject({ impact: 'minor' });
      await t.chat.command('slack', SLACK.alice, 'incident', 'resolve INC-1 done');
      expect((await status()).payments).toBe('operational');
      // /status in chat shows the page as the public sees it.
      await t.chat.command('slack', SLACK.carol, 'status', 'set edge under_maintenance');
      const card = await t.chat.command('discord', DISCORD.dave, 'status', '');
      expect(card.cards[0]!.title).toBe('Acme Status: Service Under Maintenance');
      expect(shown(card)).toContain('Edge Network: Under maintenance');
    });
  });
});
