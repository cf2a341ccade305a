// One Steward serving Slack and Discord at once (real Bolt and discord.js against both fakes):
// a page started on Slack reaches bob on both platforms; bob acknowledges on Discord, and the
// Slack direct message is edited in place too. Then a page acknowledged on Slack edits Discord.
import { startSlackAndDiscord } from '../support/steward-both.js';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack, SlackClientSim } from '../fakes/slack.js';
import { INCIDENTS_GUILD, POLICY_DISCORD, customIds, type DiscordSteward } from '../support/steward-discord.js';
import { strings } from '../support/steward-slack.js';
import { until } from '../support/wait.js';
import { ManualClock } from '../support/clock.js';

const POLICY_FILE = fileURLToPath(new URL('../fixtures/paging.policy.yaml', import.meta.url));
type Json = Record<string, any>;

describe('paging across Slack and Discord in one Steward', () => {
  let slack: FakeSlack;
  let s: DiscordSteward;
  let sim: SlackClientSim;
  // Monday noon: bob holds checkout-primary all week. The escalation runner waits on this clock.
  const clock = new ManualClock('2026-11-23T12:00:00.000Z');

  beforeAll(async () => {
    ({ slack, s, sim } = await startSlackAndDiscord({
      policyFile: POLICY_FILE,
      clock,
      slackChannels: [{ id: 'C0PAYMENTS', name: 'payments' }],
      discordChannels: [{ id: '222222222222222222', name: 'payments' }],
    }));
  });
  afterAll(async () => {
    await s?.stop();
  });

  const slackDms = (user: string, n: number) =>
    slack
      .callsOf('chat.postMessage')
      .filter((c) => c.body.channel === user && String(c.body.text ?? '').includes(`PAGE-${n}`));
  const discordDms = (user: string, n: number) =>
    s.fake
      .restCallsOf('POST', `/channels/${s.fake.dmChannelFor(user).id}/messages`)
      .filter((c) => c.status === 200 && String(c.body?.embeds?.[0]?.title ?? '').includes(`PAGE-${n}`));

  it('acknowledged on Discord: the Slack copy is edited in place and the escalation stops on both', async () => {
    const res = await sim.slashCommand({
      command: '/page',
      text: 'checkout Checkout returns 502',
      user_id: 'U0ALICE',
      channel_id: 'C0GENERAL',
    });
    expect(res.status).toBe(200);
    const onSlack = await until('bob paged on Slack', () => slackDms('U0BOB', 1)[0], 3_000);
    const onDiscord = await until('bob paged on Discord', () => discordDms(POLICY_DISCORD.bob, 1)[0], 3_000);
    expect(customIds(onDiscord.body)).toEqual(['st1|page.ack|1', 'st1|page.escalate|1|0']);

    const message = s.fake.message(onDiscord.path.split('/')[2]!, onDiscord.response.id)!;
    const cb = await s.send(
      s.fake.button({
        customId: 'st1|page.ack|1',
        message: JSON.parse(JSON.stringify(message)) as Json,
        user: POLICY_DISCORD.bob,
        guildId: null,
        channelId: s.fake.dmChannelFor(POLICY_DISCORD.bob).id,
      }),
    );
    expect(JSON.stringify(cb.body)).toContain('You acknowledged PAGE-1');

    const edited = await slack.waitFor('chat.update', (c) => c.body.ts === onSlack.response.ts);
    expect(edited.body.channel).toBe(onSlack.response.channel);
    expect(strings(slack.message(onSlack.response.channel, onSlack.response.ts)!.blocks).join('\n')).toContain(
      'acknowledged by Bob Builder',
    );
    await until(
      'the Discord copy edited',
      () =>
        s.fake.restCallsOf(
          'PATCH',
          `/channels/${s.fake.dmChannelFor(POLICY_DISCORD.bob).id}/messages/${onDiscord.response.id}`,
        ).length > 0,
      3_000,
    );
    expect(
      s.rows<{ ack_platform: string; ack_by: string }>('select ack_platform, ack_by from page where number = 1'),
    ).toEqual([{ ack_platform: 'discord', ack_by: 'bob' }]);
    // Level 2 was cancelled and never comes, on either platform, when its instant passes.
    expect(
      s.rows<{ seq: number; state: string }>(
        'select seq, state from page_step where page_id = (select id from page where number = 1) order by seq',
      ),
    ).toEqual([
      { seq: 0, state: 'fired' },
      { seq: 1, state: 'cancelled' },
    ]);
    await clock.advance(2_500);
    await s.rowsWhen((r) => r.length === 0, "select key from outbox_item where state = 'pending'");
    expect([slackDms('U0CAROL', 1).length, discordDms(POLICY_DISCORD.carol, 1).length]).toEqual([0, 0]);
  });

  it('acknowledged on Slack: the Discord copy is edited in place', async () => {
    const cb = await s.send(
      s.fake.chatInput({
        name: 'page',
        subcommand: 'person',
        options: { user: POLICY_DISCORD.carol, message: 'join the bridge' },
        user: POLICY_DISCORD.alice,
        channelId: INCIDENTS_GUILD.general,
      }),
    );
    expect(cb.body.data.embeds[0].title).toBe('PAGE-2 · paging Carol Danvers');
    const onSlack = await until('carol paged on Slack', () => slackDms('U0CAROL', 2)[0], 3_000);
    const onDiscord = await until('carol paged on Discord', () => discordDms(POLICY_DISCORD.carol, 2)[0], 3_000);
    const click = await sim.blockAction({
      action_id: 'steward:0',
      user: 'U0CAROL',
      channel: onSlack.response.channel,
      message_ts: onSlack.response.ts,
    });
    expect(click.status).toBe(200);
    const patch = await until(
      'the Discord copy edited',
      () =>
        s.fake
          .restCallsOf(
            'PATCH',
            `/channels/${s.fake.dmChannelFor(POLICY_DISCORD.carol).id}/messages/${onDiscord.response.id}`,
          )
          .at(-1),
      3_000,
    );
    expect(patch.body.embeds[0].title).toBe('✅ PAGE-2 acknowledged by Carol Danvers · paging Carol Danvers');
    expect(customIds(patch.body)).toEqual(['st1|page.resolve|2']);
  });
});
