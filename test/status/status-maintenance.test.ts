// Scheduled maintenance from change approvals, on both databases, driven from chat with a manual
// clock: an approved change the policy selects appears `notice` ahead of its window (and is
// announced then), moves to in progress when it starts (its components under maintenance), and
// completes with it (a rollback says so); a cancelled change withdraws it; /change publish shows a
// change the policy does not select; who may, and what cannot be published.
import { afterEach, expect, it } from 'vitest';
import { forEachDialect } from '../support/databases.js';
import { codeOf } from '../support/dispatch.js';
import { DISCORD, HOUR, PUBLIC, SLACK, type StatusTest, shown, statusSteward } from './support.js';

const T0 = Date.UTC(2025, 2, 3, 9, 0, 0); // Monday 10:00 in Berlin

await forEachDialect('status page: scheduled maintenance', ({ createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  async function setup(): Promise<StatusTest> {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    return statusSteward(db, T0, (fn) => cleanup.push(fn));
  }
  const maintenances = async (t: StatusTest, path: 'upcoming' | 'active' | 'all') =>
    (await t.api(path === 'all' ? 'scheduled-maintenances.json' : `scheduled-maintenances/${path}.json`))
      .scheduled_maintenances as Record<string, any>[];
  const componentStatus = async (t: StatusTest, id: string) =>
    (await t.api('components.json')).components.find((c: any) => c.id === id).status as string;
  const posts = (t: StatusTest) => t.slack.sentTo(PUBLIC.slack);

  it('appears notice ahead of its window, starts and completes with the change, its components under maintenance meanwhile', async () => {
    const t = await setup();
    // bob's time zone is New York: 22:00 there on Friday is 04:00 on Saturday in Berlin.
    const n = await t.change(
      {
        title: 'Upgrade the card vault',
        service: 'payments-api',
        kind: 'normal-medium',
        window: '2025-03-07 22:00 +2h',
      },
      SLACK.bob,
      SLACK.alice,
    );
    expect(n).toBe(1);
    // Approved on Monday: two days' notice means it shows from Wednesday 04:00 Berlin.
    expect(await maintenances(t, 'all')).toEqual([]);
    expect(posts(t)).toEqual([]);
    await t.clock.jump(Date.UTC(2025, 2, 6, 2, 59) - t.clock.now().getTime());
    await t.settled();
    expect(await maintenances(t, 'upcoming')).toEqual([]);
    await t.clock.jump(60_000);
    await t.settled();
    const [m] = await maintenances(t, 'upcoming');
    expect(m).toMatchObject({
      name: 'Scheduled maintenance of Payments',
      status: 'scheduled',
      impact: 'none',
      scheduled_for: '2025-03-08T04:00:00.000+01:00',
      scheduled_until: '2025-03-08T06:00:00.000+01:00',
      created_at: '2025-03-06T04:00:00.000+01:00',
    });
    expect(m!.incident_updates.map((u: any) => [u.status, u.body, u.display_at])).toEqual([
      ['scheduled', 'Payments will be under maintenance during this window.', '2025-03-06T04:00:00.000+01:00'],
    ]);
    // Announced when it came into view, once per platform.
    expect(posts(t).map((p) => p.versions[0]!.cards[0]!.title)).toEqual(['Scheduled maintenance of Payments']);
    expect(t.discord.sentTo(PUBLIC.discord)).toHaveLength(1);
    expect(await componentStatus(t, 'payments')).toBe('operational');
    expect((await t.get('/')).text).toContain('Upcoming maintenance');

    await t.clock.jump(Date.UTC(2025, 2, 8, 3, 0) - t.clock.now().getTime());
    const started = await t.chat.command('slack', SLACK.bob, 'change', `start CHG-${n}`);
    expect(started.cards[0]!.title).toBe('CHG-1 started');
    await t.settled();
    expect(await maintenances(t, 'upcoming')).toEqual([]);
    const [active] = await maintenances(t, 'active');
    expect(active).toMatchObject({ status: 'in_progress' });
    expect(active!.incident_updates[0]).toMatchObject({
      status: 'in_progress',
      body: 'Scheduled maintenance is currently in progress. We will provide updates as necessary.',
    });
    expect(await componentStatus(t, 'payments')).toBe('under_maintenance');
    const summary = await t.api('summary.json');
    expect(summary.status).toEqual({ indicator: 'none', description: 'Service Under Maintenance' });
    expect(summary.scheduled_maintenances.map((x: any) => x.status)).toEqual(['in_progress']);

    await t.clock.jump(90 * 60_000);
    const form = await t.chat.command('slack', SLACK.bob, 'change', `complete CHG-${n}`);
    await t.chat.submit('slack', SLACK.bob, form.form!, { outcome: 'successful' });
    await t.settled();
    expect(await maintenances(t, 'active')).toEqual([]);
    const [done] = await maintenances(t, 'all');
    expect(done).toMatchObject({ status: 'completed', resolved_at: '2025-03-08T05:30:00.000+01:00' });
    expect(done!.incident_updates[0].body).toBe('The scheduled maintenance has been completed.');
    expect(await componentStatus(t, 'payments')).toBe('operational');
    // Saturday's bar shows the maintenance; the announcement followed it, edited in place.
    const payments = (await t.get('/')).text;
    expect(payments).toContain('2025-03-08: under maintenance 1h 30m');
    const [post] = posts(t);
    expect(shown(post!.versions.at(-1)!)).toContain('The scheduled maintenance has been completed.');
  });

  it('a rollback says so; a cancelled change is withdrawn and its announcement says it will not take place', async () => {
    const t = await setup();
    // Within the notice: it shows at once.
    const a = await t.change(
      { title: 'Reindex the ledger', service: 'ledger', kind: 'normal-high', window: '2025-03-03 12:00 +1h' },
      SLACK.alice,
      SLACK.bob,
    );
    const b = await t.change(
      { title: 'Rotate ledger keys', service: 'ledger', kind: 'normal-medium', window: '2025-03-04 12:00 +1h' },
      SLACK.alice,
      SLACK.bob,
    );
    expect((await maintenances(t, 'upcoming')).map((m) => m.scheduled_for)).toEqual([
      '2025-03-03T12:00:00.000+01:00',
      '2025-03-04T12:00:00.000+01:00',
    ]);
    await t.clock.jump(2 * HOUR + 60_000);
    await t.chat.command('slack', SLACK.alice, 'change', `start CHG-${a}`);
    await t.chat.command('slack', SLACK.alice, 'change', `rollback CHG-${a}`);
    await t.chat.command('slack', SLACK.alice, 'change', `cancel CHG-${b}`);
    await t.settled();
    const all = await maintenances(t, 'all');
    expect(all).toHaveLength(1);
    expect(all[0]!.incident_updates[0]).toMatchObject({
      status: 'completed',
      body: 'The maintenance was rolled back: its changes were undone and the service runs as it did before.',
    });
    expect(await maintenances(t, 'upcoming')).toEqual([]);
    const cancelled = posts(t).find((p) => shown(p.versions.at(-1)!).startsWith('Cancelled: '));
    expect(shown(cancelled!.versions.at(-1)!)).toContain(
      'This maintenance has been cancelled and will not take place.',
    );
    expect((await t.get('/history.atom')).text).not.toContain('Rotate');
  });

  it('the policy selects by kind and risk; /change publish shows any approved change, and refuses what it cannot', async () => {
    const t = await setup();
    // A standard change is pre-approved but not selected (kinds: [normal]).
    const std = await t.change({
      title: 'Renew the edge certificate',
      service: 'edge-gateway',
      kind: 'standard',
      window: '2025-03-10 09:00 +30m',
    });
    // A low-risk normal change is not selected either (risks: [medium, high]).
    const low = await t.change(
      { title: 'Tune payments pool', service: 'payments-api', kind: 'normal-low', window: '2025-03-04 09:00 +30m' },
      SLACK.bob,
      SLACK.alice,
    );
    expect(await maintenances(t, 'all')).toEqual([]);
    // erin may not; carol (owner of edge-gateway) may, from Discord; it shows at once, a week ahead.
    expect(codeOf(await t.chat.command('slack', SLACK.erin, 'change', `publish CHG-${std}`))).toBe('AUTH.FORBIDDEN');
    const published = await t.chat.discord(DISCORD.carol, 'change', 'publish', { change: `CHG-${std}` });
    expect(published.cards[0]!.title).toBe(`CHG-${std} is on the status page`);
    expect((await maintenances(t, 'upcoming')).map((m) => m.name)).toEqual(['Scheduled maintenance of Edge Network']);
    expect(codeOf(await t.chat.command('slack', SLACK.carol, 'change', `publish CHG-${std}`))).toBe('STATUS.PUBLISHED');
    // Waiting for approval, on a service without a component, or over: refused with the reason.
    const pending = await t.change({
      title: 'Move payments DNS',
      service: 'payments-api',
      kind: 'normal-medium',
      window: '2025-03-05 09:00 +30m',
    });
    const waiting = await t.chat.command('slack', SLACK.bob, 'change', `publish CHG-${pending}`);
    expect(codeOf(waiting)).toBe('CHANGE.NOT_APPROVED');
    const reports = await t.change(
      { title: 'Archive reports', service: 'reports', kind: 'normal-medium', window: '2025-03-05 09:00 +30m' },
      SLACK.carol,
      SLACK.dave,
    );
    const nowhere = await t.chat.command('slack', SLACK.dave, 'change', `publish CHG-${reports}`);
    expect(codeOf(nowhere)).toBe('STATUS.NO_COMPONENT');
    expect(shown(nowhere)).toContain('reports is on no component of the status page');
    // A rejected change never shows, and cannot be published afterwards.
    const ask = t.slack.dmReplies(SLACK.alice, `CHG-${pending}`).at(-1)!;
    const reject = await t.chat.click('slack', SLACK.alice, ask, 'Reject');
    await t.chat.submit('slack', SLACK.alice, reject.form!, { reason: 'Not this week' });
    expect(codeOf(await t.chat.command('slack', SLACK.bob, 'change', `publish CHG-${pending}`))).toBe('CHANGE.STATE');
    expect((await maintenances(t, 'all')).map((m) => m.name)).toEqual(['Scheduled maintenance of Edge Network']);
    expect(low).toBeGreaterThan(std);
  });
});
