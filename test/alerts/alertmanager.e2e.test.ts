// The real Prometheus Alertmanager sending to a running Steward (real Bolt and discord.js against
// the fakes, one process serving both): alerts fired through Alertmanager's API page the on-call
// on Slack and Discord, are acknowledged from chat, and resolve from the source; a silence and a
// change in progress keep a firing alert from paging. One Alertmanager sends its webhook to
// /api/v1/alerts/<integration>; another uses its own PagerDuty sender pointed at /v2/enqueue.
import { startSlackAndDiscord } from '../support/steward-both.js';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FakeSlack, SlackClientSim } from '../fakes/slack.js';
import { type Alertmanager, describeAlertmanager, startAlertmanager } from '../support/alertmanager.js';
import { ManualClock } from '../support/clock.js';
import { POLICY_DISCORD, customIds, type DiscordSteward } from '../support/steward-discord.js';
import { strings } from '../support/steward-slack.js';
import { until } from '../support/wait.js';

const POLICY_FILE = fileURLToPath(new URL('../fixtures/alerts.policy.yaml', import.meta.url));
const ALERTS_TOKEN = 'alerts-token-0001';
const ROUTING_KEY = 'R0UT1NGKEY00000000000000000000AA';
const PAYMENTS_DISCORD = '222222222222222222';
type Json = Record<string, any>;

describeAlertmanager('the real Alertmanager pages through Steward on Slack and Discord', () => {
  let slack: FakeSlack;
  let s: DiscordSteward;
  let sim: SlackClientSim;
  let webhook: Alertmanager;
  let pagerduty: Alertmanager;
  // Monday noon: bob holds checkout-primary. Steward's waits run on this clock; Alertmanager on real time.
  const clock = new ManualClock('2026-11-23T12:00:00.000Z');

  beforeAll(async () => {
    ({ slack, s, sim } = await startSlackAndDiscord({
      policyFile: POLICY_FILE,
      clock,
      slackChannels: [{ id: 'C0PAYMENTS', name: 'payments' }],
      discordChannels: [{ id: PAYMENTS_DISCORD, name: 'payments' }],
    }));
    webhook = await startAlertmanager({
      webhookUrl: `${s.base}/api/v1/alerts/prod-alertmanager`,
      webhookToken: ALERTS_TOKEN,
    });
    pagerduty = await startAlertmanager({ pagerduty: { url: `${s.base}/v2/enqueue`, routingKey: ROUTING_KEY } });
  });
  afterAll(async () => {
    await webhook?.stop();
    await pagerduty?.stop();
    await s?.stop();
  });

  const slackPosts = (channel: string, ref: string) =>
    slack
      .callsOf('chat.postMessage')
      .filter((c) => c.body.channel === channel && String(c.body.text ?? '').includes(ref));
  const discordDms = (user: string, ref: string) =>
    s.fake
      .restCallsOf('POST', `/channels/${s.fake.dmChannelFor(user).id}/messages`)
      .filter((c) => c.status === 200 && String(c.body?.embeds?.[0]?.title ?? '').includes(ref));
  const group = (n: number) =>
    s.rows<{ state: string; page_number: number | null; suppressed: string | null; firing: number; resolved: number }>(
      'select state, page_number, suppressed, firing, resolved from alert_group where number = ?',
      n,
    )[0];
  const pageStatus = (n: number) =>
    s.rows<{ status: string }>('select status from page where number = ?', n)[0]?.status;
  const groupWhen = (n: number, what: string, ok: (g: NonNullable<ReturnType<typeof group>>) => boolean) =>
    until(
      `ALR-${n} ${what}`,
      () => {
        const g = group(n);
        return g && ok(g) ? g : undefined;
      },
      15_000,
    );

  const diskFull = (instance: string) => ({
    labels: { alertname: 'DiskFull', service: 'checkout', instance, severity: 'critical' },
    annotations: { summary: `Disk on ${instance} is 95% full` },
  });

  it('fired through Alertmanager: one group, the on-call paged on both platforms, the card in the team channel', async () => {
    await webhook.fire([diskFull('db-1'), diskFull('db-2')]);
    const g = await groupWhen(1, 'paged', (x) => x.page_number !== null);
    expect(g).toMatchObject({ state: 'firing', firing: 2, resolved: 0, page_number: 1 });
    await until('bob paged on Slack', () => slackPosts('U0BOB', 'PAGE-1')[0], 5_000);
    const dm = await until('bob paged on Discord', () => discordDms(POLICY_DISCORD.bob, 'PAGE-1')[0], 5_000);
    expect(customIds(dm.body)).toEqual(['st1|page.ack|1', 'st1|page.escalate|1|0']);
    const card = await until('the alert card on Slack', () => slackPosts('C0PAYMENTS', 'ALR-1')[0], 5_000);
    expect(strings(card.body.blocks).join('\n')).toContain('Disk on db-1 is 95% full');
    await until(
      'the alert card on Discord',
      () =>
        s.fake
          .restCallsOf('POST', `/channels/${PAYMENTS_DISCORD}/messages`)
          .find((c) => String(c.body?.embeds?.[0]?.title ?? '').includes('ALR-1')),
      5_000,
    );
  });

  it('acknowledged from the Slack card: the escalation stops; resolved at the source: the group and its page resolve', async () => {
    const card = slackPosts('C0PAYMENTS', 'ALR-1')[0]!;
    const ack = (card.body.blocks as Json[])
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements as Json[])
      .find((e) => e.text.text === 'Acknowledge')!;
    const click = await sim.blockAction({
      action_id: ack.action_id,
      user: 'U0BOB',
      channel: 'C0PAYMENTS',
      message_ts: card.response.ts,
    });
    expect(click.status).toBe(200);
    await groupWhen(1, 'acknowledged', (x) => x.state === 'acknowledged');
    await until('PAGE-1 acknowledged', () => pageStatus(1) === 'acknowledged', 5_000);
    // Past level 1's timeout nobody else is paged.
    await clock.advance(2_500);
    expect(slackPosts('U0CAROL', 'PAGE-1')).toEqual([]);

    await webhook.resolve([diskFull('db-1').labels, diskFull('db-2').labels]);
    await groupWhen(1, 'resolved', (x) => x.state === 'resolved');
    await until('PAGE-1 resolved', () => pageStatus(1) === 'resolved', 5_000);
    await until(
      'the Slack card edited to resolved',
      () =>
        strings(slack.message('C0PAYMENTS', card.response.ts)!.blocks)
          .join('\n')
          .includes('ALR-1 · Checkout · Disk on db-1 is 95% full · resolved'),
      5_000,
    );
  });

  it('a silence from Slack and a change in progress keep firing alerts from paging', async () => {
    const silenced = await sim.slashCommand({
      command: '/alert',
      text: 'silence checkout alertname=CPUHigh 1h load test running',
      user_id: 'U0ALICE',
      channel_id: 'C0GENERAL',
    });
    expect(silenced.status).toBe(200);
    await until('SIL-1 stored', () => s.rows('select 1 from alert_silence where number = 1')[0], 5_000);
    await webhook.fire([{ labels: { alertname: 'CPUHigh', service: 'checkout', instance: 'api-1' } }]);
    const g2 = await groupWhen(2, 'stored', () => true);
    expect(g2).toMatchObject({ state: 'silenced', page_number: null });
    expect(JSON.parse(g2.suppressed!)).toMatchObject({ kind: 'silence', ref: 'SIL-1' });

    // A standard change of checkout, approved at once, started by its owner.
    const opened = await fetch(`${s.base}/api/v1/changes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ALERTS_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        title: 'Rotate the checkout TLS certificate',
        service: 'checkout',
        kind: 'standard',
        window: 'now +1h',
        details: 'Swap the certificate; roll back by restoring the previous one.',
      }),
    });
    expect(opened.status).toBe(201);
    await sim.slashCommand({ command: '/change', text: 'start CHG-1', user_id: 'U0ALICE', channel_id: 'C0GENERAL' });
    await until(
      'CHG-1 in progress',
      () => s.rows("select 1 from change where number = 1 and phase = 'in_progress'")[0],
      5_000,
    );
    await webhook.fire([{ labels: { alertname: 'LatencyHigh', service: 'checkout', instance: 'api-1' } }]);
    const g3 = await groupWhen(3, 'stored', () => true);
    expect(g3).toMatchObject({ state: 'silenced', page_number: null });
    expect(JSON.parse(g3.suppressed!)).toMatchObject({ kind: 'change', ref: 'CHG-1' });
    expect(s.rows('select number from page')).toHaveLength(1);
    // The change completes: checkout's alerts page again.
    // (The completion form, submitted as Slack would after /change complete CHG-1.)
    const done = await s.running.steward.submit(
      { platform: 'slack', userId: 'U0ALICE', requestId: 'complete-1' },
      { kind: 'change.complete', number: 1, nonce: 'complete-1' },
      { outcome: 'successful' },
    );
    expect(done.ok, JSON.stringify(done)).toBe(true);
    await until(
      'CHG-1 completed',
      () => s.rows("select 1 from change where number = 1 and phase = 'completed'")[0],
      5_000,
    );
  });

  it('Alertmanager’s own PagerDuty sender: paged, acknowledged from the Discord page, resolved from the source', async () => {
    await pagerduty.fire([{ labels: { alertname: 'QueueStuck', service: 'ledger', instance: 'worker-1' } }]);
    const g = await groupWhen(4, 'paged', (x) => x.page_number !== null);
    expect(g).toMatchObject({ state: 'firing', page_number: 2 });
    expect(s.rows('select integration, source from alert_group where number = 4')).toEqual([
      { integration: 'legacy-pagerduty', source: 'pagerduty' },
    ]);
    const dm = await until('bob paged on Discord', () => discordDms(POLICY_DISCORD.bob, 'PAGE-2')[0], 5_000);
    const message = s.fake.message(dm.path.split('/')[2]!, dm.response.id)!;
    const cb = await s.send(
      s.fake.button({
        customId: 'st1|page.ack|2',
        message: JSON.parse(JSON.stringify(message)) as Json,
        user: POLICY_DISCORD.bob,
        guildId: null,
        channelId: s.fake.dmChannelFor(POLICY_DISCORD.bob).id,
      }),
    );
    expect(JSON.stringify(cb.body)).toContain('You acknowledged PAGE-2');
    await groupWhen(4, 'acknowledged with its page', (x) => x.state === 'acknowledged');
    await pagerduty.resolve([{ alertname: 'QueueStuck', service: 'ledger', instance: 'worker-1' }]);
    await groupWhen(4, 'resolved', (x) => x.state === 'resolved');
    await until('PAGE-2 resolved', () => pageStatus(2) === 'resolved', 5_000);
  });

  it('over HTTP: 401 without a token, 403 outside its scope, 413 over 512 KB, 400 with the reasons', async () => {
    const send = (body: string, token?: string) =>
      fetch(`${s.base}/api/v1/alerts/prod-alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body,
      });
    const groups = s.rows('select number from alert_group').length;
    expect((await send('{}')).status).toBe(401);
    expect((await send('{}', 'readonly-token-01')).status).toBe(403);
    expect((await send(`{"pad":"${'x'.repeat(600 * 1024)}"}`, ALERTS_TOKEN)).status).toBe(413);
    const bad = await send('{"version":"4","alerts":"nope"}', ALERTS_TOKEN);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      status: 'invalid event',
      message: 'Event object is invalid',
      errors: ["'alerts' must be a list", "'groupKey' is missing or blank"],
    });
    // PagerDuty's drop-in needs no token, only a routing key it knows.
    const pd = await fetch(`${s.base}/v2/enqueue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ routing_key: 'Z'.repeat(32), event_action: 'trigger' }),
    });
    expect(pd.status).toBe(400);
    expect(await pd.json()).toMatchObject({ errors: ['Invalid routing key'] });
    expect(s.rows('select number from alert_group')).toHaveLength(groups);
  });
});
