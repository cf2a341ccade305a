// One Steward serving Slack and Discord at once (real Bolt and discord.js against both fakes),
// with test/fixtures/changes-e2e.policy.yaml: bob requests a normal high-risk change on Slack; its
// card goes to the payments channel on both platforms and each approver (alice, carol, dave) hears
// on both. carol approves on Slack, dave on Discord, alice (the owner) on Slack: after each click
// every copy on both platforms is edited with the tally, then says Approved and has no buttons.
// Then a change requested on Discord and rejected on Slack, with a reason, says so everywhere.
import { startSlackAndDiscord } from '../support/steward-both.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack, SlackClientSim, type SlackApiCall } from '../fakes/slack.js';
import type { DiscordRestCall } from '../fakes/discord.js';
import {
  INCIDENTS_GUILD_SEED,
  POLICY_DISCORD,
  customIds,
  field as embedField,
  type DiscordSteward,
} from '../support/steward-discord.js';
import { field, strings, textOf } from '../support/steward-slack.js';
import { until } from '../support/wait.js';

type Json = Record<string, any>;
const POLICY = new URL('../fixtures/changes-e2e.policy.yaml', import.meta.url).pathname;
const SLACK_PAYMENTS = 'C0PAYMENTS';
const DISCORD_PAYMENTS = '222222222222222222';

interface CopyRow {
  kind: string;
  person_id: string | null;
  platform: 'slack' | 'discord';
  channel_id: string;
  message_id: string;
}

describe('change approvals across Slack and Discord in one Steward', () => {
  let slack: FakeSlack;
  let s: DiscordSteward;
  let sim: SlackClientSim;

  beforeAll(async () => {
    ({ slack, s, sim } = await startSlackAndDiscord({
      policyFile: POLICY,
      slackUsers: [{ id: 'U0ERIN', name: 'erin', real_name: 'Erin Field' }],
      slackChannels: [{ id: SLACK_PAYMENTS, name: 'payments' }],
      discordUsers: [{ id: '111111111111111115', username: 'erin', global_name: 'Erin Field' }],
      discordChannels: [{ id: DISCORD_PAYMENTS, name: 'payments' }],
    }));
  });
  afterAll(async () => {
    await s?.stop();
  });

  const settled = () => s.rowsWhen((r) => r.length === 0, "select key from outbox_item where state = 'pending'");
  const copies = (n = 1) =>
    s.rows<CopyRow>(
      'select m.kind, m.person_id, m.platform, m.channel_id, m.message_id from change_message m join "change" c on c.id = m.change_id where c.number = ? order by m.id',
      n,
    );
  const copy = (platform: CopyRow['platform'], person: string | null, n = 1) =>
    copies(n).find((m) => m.platform === platform && m.person_id === person)!;
  const label = (m: CopyRow) => `${m.platform} ${m.kind} ${m.person_id ?? ''}`;
  const slackEdits = (m: CopyRow, mark: number) =>
    slack
      .callsOf('chat.update')
      .filter((c: SlackApiCall) => c.seq >= mark && c.body.channel === m.channel_id && c.body.ts === m.message_id);
  const discordEdits = (m: CopyRow, mark: number) =>
    s.fake
      .restCallsOf('PATCH', `/channels/${m.channel_id}/messages/${m.message_id}`)
      .filter((c: DiscordRestCall) => c.seq >= mark);
  /** The Approvals and State of every copy as each platform now holds it. */
  function held(m: CopyRow): { approvals: string; state: string; buttons: string[] } {
    if (m.platform === 'slack') {
      const msg = slack.message(m.channel_id, m.message_id)!;
      const texts = strings(msg.blocks);
      return {
        approvals: texts.find((t) => t.startsWith('*Approvals*'))!.replace('*Approvals*\n', ''),
        state: texts.find((t) => t.startsWith('*State*'))!.replace('*State*\n', ''),
        buttons: (msg.blocks as Json[])
          .filter((b) => b.type === 'actions')
          .flatMap((b) => b.elements.map((e: Json) => e.text.text)),
      };
    }
    const msg = s.fake.message(m.channel_id, m.message_id)!;
    return {
      approvals: embedField(msg.embeds[0], 'Approvals')!,
      state: embedField(msg.embeds[0], 'State')!,
      buttons: msg.components.flatMap((r: Json) => r.components.map((c: Json) => c.label)),
    };
  }
  /** Waits until every copy on both platforms was edited since its platform's mark and holds `tally`, then checks what each holds. */
  async function everyCopyShowsSince(marks: { slack: number; discord: number }, tally: string, state: string) {
    // Slack and Discord number their calls apart: wait on each with its own mark.
    for (const m of copies()) {
      const mark = m.platform === 'slack' ? marks.slack : marks.discord;
      await until(
        `${label(m)} edited to "${tally}"`,
        () =>
          m.platform === 'slack'
            ? slackEdits(m, mark).some((c) => textOf(c).includes(`*Approvals*\n${tally}`))
            : discordEdits(m, mark).some((c) => embedField(c.body.embeds[0], 'Approvals')?.startsWith(tally)),
        5_000,
      );
    }
    await settled();
    for (const m of copies()) {
      const h = held(m);
      expect(h.approvals.split('\n')[0], label(m)).toBe(tally);
      expect(h.state.replace(/\*/g, ''), label(m)).toBe(state);
    }
  }

  it('a request on Slack reaches the team channel and every approver on both platforms', async () => {
    const mark = slack.mark;
    await sim.slashCommand({
      command: '/change',
      text: 'request Rotate the payments TLS certificate',
      user_id: 'U0BOB',
      channel_id: 'C0GENERAL',
    });
    const open = await slack.waitFor('views.open', (c) => c.seq >= mark);
    const res = await sim.viewSubmission({
      view_id: open.response.view.id,
      user: 'U0BOB',
      values: {
        title: field.text('Rotate the payments TLS certificate'),
        service: field.select('payments-api'),
        kind: field.select('normal-high'),
        window: field.text('now +2h'),
        details: field.text('Swap the certificate on both load balancers; roll back by restoring the old one.'),
      },
    });
    expect(res.body).toBe('');
    await settled();
    const dm = (user: string) => s.fake.dmChannelFor(user).id;
    expect(
      copies()
        .map((m) => [m.platform, m.kind, m.person_id, m.channel_id])
        .sort(),
    ).toEqual(
      [
        ['slack', 'card', null, SLACK_PAYMENTS],
        ['slack', 'approver', 'alice', slack.imChannelFor('U0ALICE')],
        ['slack', 'approver', 'carol', slack.imChannelFor('U0CAROL')],
        ['slack', 'approver', 'dave', slack.imChannelFor('U0DAVE')],
        ['discord', 'card', null, DISCORD_PAYMENTS],
        ['discord', 'approver', 'alice', dm(POLICY_DISCORD.alice)],
        ['discord', 'approver', 'carol', dm(POLICY_DISCORD.carol)],
        ['discord', 'approver', 'dave', dm(POLICY_DISCORD.dave)],
      ].sort(),
    );
    for (const m of copies()) {
      expect(held(m), label(m)).toEqual({
        approvals: '0 of 2 from Change Advisory Board · owners 0 of 1',
        state: m.platform === 'slack' ? '*Waiting for approval*' : '**Waiting for approval**',
        buttons: ['Approve', 'Reject'],
      });
    }
    // The same buttons on both: Slack's Approve asks to confirm, Discord's decides on the click.
    const slackApprove = (slack.message(SLACK_PAYMENTS, copy('slack', null).message_id)!.blocks as Json[]).find(
      (b) => b.type === 'actions',
    )!.elements[0];
    expect(slackApprove).toMatchObject({
      value: 'st1|change.approve|1',
      confirm: { title: { text: 'Approve CHG-1?' } },
    });
    expect(customIds(s.fake.message(DISCORD_PAYMENTS, copy('discord', null).message_id)!)).toEqual([
      'st1|change.approve|1',
      'st1|change.reject|1',
    ]);
  });

  it('carol approves on Slack: every copy on both platforms shows 1 of 2 from the CAB', async () => {
    const marks = { slack: slack.mark, discord: s.fake.mark };
    const dm = copy('slack', 'carol');
    const click = await sim.blockAction({
      action_id: 'steward:0',
      user: 'U0CAROL',
      channel: dm.channel_id,
      message_ts: dm.message_id,
    });
    expect(click.status).toBe(200);
    const answer = await slack.waitForResponse((r) => click.sent.response_url.endsWith(r.id));
    expect(answer.body.text).toBe('You approved CHG-1: Tally: 1 of 2 from Change Advisory Board · owners 0 of 1.');
    await everyCopyShowsSince(marks, '1 of 2 from Change Advisory Board · owners 0 of 1', 'Waiting for approval');
    for (const m of copies()) expect(held(m).buttons, label(m)).toEqual(['Approve', 'Reject']);
  });

  it('dave approves on Discord: every copy on both platforms shows the CAB met, the owner still awaited', async () => {
    const marks = { slack: slack.mark, discord: s.fake.mark };
    const dm = copy('discord', 'dave');
    const cb = await s.send(
      s.fake.button({
        customId: 'st1|change.approve|1',
        message: dm.message_id,
        user: POLICY_DISCORD.dave,
        guildId: null,
        channelId: dm.channel_id,
      }),
    );
    expect(cb.body.data.embeds[0]).toMatchObject({
      title: 'You approved CHG-1',
      description: 'Tally: 2 of 2 from Change Advisory Board ✓ · owners 0 of 1.',
    });
    await everyCopyShowsSince(marks, '2 of 2 from Change Advisory Board ✓ · owners 0 of 1', 'Waiting for approval');
    for (const m of copies()) expect(held(m).buttons, label(m)).toEqual(['Approve', 'Reject']);
  });

  it('alice, the owner, approves on Slack: CHG-1 is approved once; every copy on both platforms says Approved and has no buttons', async () => {
    const marks = { slack: slack.mark, discord: s.fake.mark };
    const dm = copy('slack', 'alice');
    const click = await sim.blockAction({
      action_id: 'steward:0',
      user: 'U0ALICE',
      channel: dm.channel_id,
      message_ts: dm.message_id,
    });
    const answer = await slack.waitForResponse((r) => click.sent.response_url.endsWith(r.id));
    expect(answer.body.text).toBe('You approved CHG-1: CHG-1 is now approved.');
    await everyCopyShowsSince(marks, '2 of 2 from Change Advisory Board ✓ · owners ✓', 'Approved');
    for (const m of copies()) expect(held(m).buttons, label(m)).toEqual([]);
    // Each decision kept where it was made; the outcome was decided once.
    expect(s.rows('select person_id, decision, platform from change_decision order by id')).toEqual([
      { person_id: 'carol', decision: 'approve', platform: 'slack' },
      { person_id: 'dave', decision: 'approve', platform: 'discord' },
      { person_id: 'alice', decision: 'approve', platform: 'slack' },
    ]);
    expect(
      s.rows("select action from audit_entry where subject = 'change:CHG-1' order by seq").map((r: Json) => r.action),
    ).toEqual([
      'change.requested',
      'change.approval_given',
      'change.approval_given',
      'change.approval_given',
      'change.approved',
    ]);
    expect(s.rows('select approval, phase from "change"')).toEqual([{ approval: 'approved', phase: 'requested' }]);
    // The approvers' names are on every copy, in each platform's own mentions.
    expect(held(copy('discord', null)).approvals).toMatch(
      new RegExp(`✓ <@${POLICY_DISCORD.carol}> .*\\n✓ <@${POLICY_DISCORD.dave}> .*\\n✓ <@${POLICY_DISCORD.alice}> `),
    );
    expect(held(copy('slack', null)).approvals).toMatch(/✓ <@U0CAROL> .*\n✓ <@U0DAVE> .*\n✓ <@U0ALICE> /);
  });

  it('requested on Discord, rejected on Slack with a reason: every copy on both platforms says Rejected, the reason in /change show', async () => {
    const opened = await s.send(
      s.fake.chatInput({
        name: 'change',
        subcommand: 'request',
        user: POLICY_DISCORD.bob,
        channelId: INCIDENTS_GUILD_SEED.channels![0]!.id!,
      }),
    );
    const done = await s.send(
      s.fake.modalSubmit({
        customId: opened.body.data.custom_id,
        fields: {
          title: 'Move the ledger to the new cluster',
          service: ['payments-api'],
          kind: ['normal-high'],
          window: 'now +4h',
          details: 'Replicate, switch reads, switch writes; switch back to roll back.',
        },
        user: POLICY_DISCORD.bob,
        shape: 'label',
      }),
    );
    expect(done.body.data.embeds[0].title).toBe('CHG-2 requested');
    await settled();
    expect(copies(2)).toHaveLength(8);
    const dm = copy('slack', 'carol', 2);
    const marks = { slack: slack.mark, discord: s.fake.mark };
    const click = await sim.blockAction({
      action_id: 'steward:1',
      user: 'U0CAROL',
      channel: dm.channel_id,
      message_ts: dm.message_id,
    });
    expect(click.status).toBe(200);
    const open = await slack.waitFor('views.open', (c) => c.seq >= marks.slack);
    expect(open.body.view.title.text).toBe('Reject CHG-2');
    const res = await sim.viewSubmission({
      view_id: open.response.view.id,
      user: 'U0CAROL',
      values: { reason: field.text('Not before the replication lag alert exists') },
    });
    expect(res.body).toBe('');
    for (const m of copies(2)) {
      const mark = m.platform === 'slack' ? marks.slack : marks.discord;
      await until(
        `${label(m)} rejected`,
        () =>
          m.platform === 'slack'
            ? slackEdits(m, mark).some((c) => textOf(c).includes('*State*\n*Rejected*'))
            : discordEdits(m, mark).some((c) => embedField(c.body.embeds[0], 'State') === '**Rejected**'),
        5_000,
      );
    }
    await settled();
    for (const m of copies(2)) expect(held(m).buttons, label(m)).toEqual([]);
    const show = await s.send(
      s.fake.chatInput({ name: 'change', subcommand: 'show', options: { change: 'CHG-2' }, user: POLICY_DISCORD.bob }),
    );
    expect(embedField(show.body.data.embeds[0], 'Approvals')).toMatch(
      new RegExp(`✗ <@${POLICY_DISCORD.carol}> <t:\\d+:f>: Not before the replication lag alert exists$`),
    );
    expect(s.rows('select approval from "change" where number = 2')).toEqual([{ approval: 'rejected' }]);
  });
});
