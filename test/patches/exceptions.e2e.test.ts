// Risk exceptions end to end in one Steward serving Slack and Discord at once (real Bolt and
// discord.js against both fakes, a manual clock), with test/fixtures/changes-e2e.policy.yaml (no
// patches section: one owner of the service approves): bob, an owner of payments-api, asks for an
// exception on Slack; alice, the other owner, hears on both platforms and approves on Discord;
// both copies are edited to Accepted without buttons. The expiry 30 days later, told to both owners
// on both platforms, is tested through the dispatcher in exceptions-chat.test.ts.
import { startSlackAndDiscord } from '../support/steward-both.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importReport } from '../../src/core/patches/findings/importer.js';
import { openStore } from '../../src/store/index.js';
import { FakeSlack, SlackClientSim } from '../fakes/slack.js';
import { POLICY_DISCORD, customIds, field as embedField, type DiscordSteward } from '../support/steward-discord.js';
import { ManualClock, field, strings } from '../support/steward-slack.js';
import { generatedVulns, trivyReport } from '../support/reports.js';
import { until } from '../support/wait.js';
import { fixedClock } from '../support/clock.js';

type Json = Record<string, any>;
const POLICY = new URL('../fixtures/changes-e2e.policy.yaml', import.meta.url).pathname;
const DAY = 86_400_000;
const T0 = Date.parse('2026-12-01T12:00:00.000Z');

interface CopyRow {
  kind: string;
  person_id: string;
  platform: 'slack' | 'discord';
  channel_id: string;
  message_id: string;
}

describe('risk exceptions across Slack and Discord in one Steward', () => {
  const clock = new ManualClock(T0, { realTimers: true });
  let slack: FakeSlack;
  let s: DiscordSteward;
  let sim: SlackClientSim;
  let finding = 0;

  beforeAll(async () => {
    ({ slack, s, sim } = await startSlackAndDiscord({
      policyFile: POLICY,
      clock,
      slackUsers: [{ id: 'U0ERIN', name: 'erin', real_name: 'Erin Field' }],
      discordUsers: [{ id: '111111111111111115', username: 'erin', global_name: 'Erin Field' }],
    }));
    // Findings first seen 20 days ago: the critical ones (7 days) are overdue.
    const store = await openStore({ url: s.db.url });
    try {
      const r = await importReport(
        { store, clock: fixedClock(T0 - 20 * DAY), dir: s.running.steward.dir },
        {
          serviceId: 'payments-api',
          input: trivyReport(generatedVulns(4)),
          actor: { platform: 'cli' },
          by: 'cli:test',
        },
      );
      if (!r.ok) throw new Error(r.reason);
    } finally {
      await store.close();
    }
    finding = s.rows<{ id: number }>("select id from finding where severity = 'critical' order by id limit 1")[0]!.id;
  });
  afterAll(async () => {
    await s?.stop();
  });

  const settled = () => s.rowsWhen((r) => r.length === 0, "select key from outbox_item where state = 'pending'");
  const copies = (kind: string) =>
    s.rows<CopyRow>(
      'select kind, person_id, platform, channel_id, message_id from exception_message where kind = ? order by id',
      kind,
    );
  const overdue = async (): Promise<string[]> => {
    const r = await s.send(
      s.fake.chatInput({
        name: 'patch',
        subcommand: 'list',
        options: { overdue: 'overdue' },
        user: POLICY_DISCORD.dave,
      }),
    );
    return (r.body.data.embeds[0].fields ?? []).map((f: Json) => f.name as string) as string[];
  };
  /** What a copy holds now: its title, State and buttons. */
  function held(m: CopyRow): { title: string; state: string; buttons: string[] } {
    if (m.platform === 'slack') {
      const msg = slack.message(m.channel_id, m.message_id)!;
      const texts = strings(msg.blocks);
      return {
        title: ((msg.blocks as Json[])[0]!.text.text as string).replace(/^:[a-z_]+: /, ''),
        state: texts
          .find((t) => t.startsWith('*State*'))!
          .replace('*State*\n', '')
          .replace(/\*/g, ''),
        buttons: (msg.blocks as Json[])
          .filter((b) => b.type === 'actions')
          .flatMap((b) => b.elements.map((e: Json) => e.text.text)),
      };
    }
    const msg = s.fake.message(m.channel_id, m.message_id)!;
    return {
      title: msg.embeds[0].title,
      state: embedField(msg.embeds[0], 'State')!.replace(/\*/g, ''),
      buttons: msg.components.flatMap((r: Json) => r.components.map((c: Json) => c.label)),
    };
  }

  it('bob asks on Slack: a bad expiry is a field error, then alice hears by direct message on both platforms', async () => {
    expect((await overdue()).some((n) => n.startsWith(`F-${finding} `))).toBe(true);
    const mark = slack.mark;
    const res = await sim.slashCommand({
      command: '/patch',
      text: `exception F-${finding}`,
      user_id: 'U0BOB',
      channel_id: 'C0GENERAL',
    });
    expect(res.status).toBe(200);
    const open = await slack.waitFor('views.open', (c) => c.seq >= mark);
    expect(open.body.view.title.text).toBe(`Risk exception for F-${finding}`);
    const justification = field.text('The vulnerable parser only reads our own signed files.');
    const bad = await sim.viewSubmission({
      view_id: open.response.view.id,
      user: 'U0BOB',
      values: { justification, until: field.text('400d') },
    });
    expect(bad.json).toEqual({
      response_action: 'errors',
      errors: { until: 'At most 180d from now (patches.exceptions.maxDuration)' },
    });
    const ok = await sim.viewSubmission({
      view_id: open.response.view.id,
      user: 'U0BOB',
      values: { justification, until: field.text('30d') },
    });
    expect(ok.body).toBe('');
    await settled();
    const dm = (user: string) => s.fake.dmChannelFor(user).id;
    expect(
      copies('approver')
        .map((m) => [m.platform, m.person_id, m.channel_id])
        .sort(),
    ).toEqual(
      [
        ['slack', 'alice', slack.imChannelFor('U0ALICE')],
        ['discord', 'alice', dm(POLICY_DISCORD.alice)],
      ].sort(),
    );
    for (const m of copies('approver'))
      expect(held(m)).toEqual({
        title: `EXC-1 · risk exception for F-${finding}`,
        state: 'Waiting for approval',
        buttons: ['Approve', 'Reject'],
      });
  });

  it('alice approves on Discord: every copy says Accepted without buttons; the finding leaves the overdue list', async () => {
    const marks = { slack: slack.mark, discord: s.fake.mark };
    const m = copies('approver').find((c) => c.platform === 'discord')!;
    expect(customIds(s.fake.message(m.channel_id, m.message_id)!)).toEqual([
      'st1|exception.approve|1',
      'st1|exception.reject|1',
    ]);
    const cb = await s.send(
      s.fake.button({
        customId: 'st1|exception.approve|1',
        message: m.message_id,
        user: POLICY_DISCORD.alice,
        guildId: null,
        channelId: m.channel_id,
      }),
    );
    expect(cb.body.data.embeds[0]).toMatchObject({
      title: 'You approved EXC-1',
      description: 'EXC-1 is now accepted.',
    });
    for (const c of copies('approver')) {
      await until(
        `${c.platform} copy edited`,
        () =>
          c.platform === 'slack'
            ? slack
                .callsOf('chat.update')
                .some((x) => x.seq >= marks.slack && x.body.channel === c.channel_id && x.body.ts === c.message_id)
            : s.fake
                .restCallsOf('PATCH', `/channels/${c.channel_id}/messages/${c.message_id}`)
                .some((x) => x.seq >= marks.discord),
        5_000,
      );
    }
    await settled();
    for (const c of copies('approver'))
      expect(held(c)).toEqual({ title: `EXC-1 · risk exception for F-${finding}`, state: 'Accepted', buttons: [] });
    expect(s.rows('select state, until from exception')).toEqual([
      { state: 'accepted', until: '2026-12-31T12:00:00.000+00:00' },
    ]);
    expect((await overdue()).some((n) => n.startsWith(`F-${finding} `))).toBe(false);
    expect(s.rows('select person_id, decision, platform, platform_user_id from exception_decision')).toEqual([
      { person_id: 'alice', decision: 'approve', platform: 'discord', platform_user_id: POLICY_DISCORD.alice },
    ]);
  });
});
