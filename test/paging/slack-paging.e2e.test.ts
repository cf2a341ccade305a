// Paging on Slack end to end: the real Bolt app inside Steward (SQLite, a manual clock the test
// moves, 2 s acknowledgement timeouts) against FakeSlack. A page walks level 1 → level 2 → repeat → the team
// channel; Acknowledge stops it and edits every copy; Escalate now; refusals; /oncall and overrides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_USERS } from '../fakes/slack.js';
import { ESCALATION_POLL_MS } from '../../src/core/paging/escalation.js';
import { ManualClock } from '../support/clock.js';
import {
  INCIDENT_CHANNELS,
  LIVE_MENTION,
  sample,
  settled,
  startStewardSlack,
  strings,
  textOf,
  until,
  type StewardSlack,
} from '../support/steward-slack.js';

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const CAROL = 'U0CAROL';
const DAVE = 'U0DAVE';
const PAYMENTS = 'C0PAYMENTS';
const policy = new URL('../fixtures/paging.policy.yaml', import.meta.url).pathname;

const buttonsOf = (blocks: unknown) =>
  (
    (blocks as {
      type: string;
      elements?: { type: string; action_id: string; value: string; text: { text: string } }[];
    }[]) ?? []
  )
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? [])
    .map((e) => ({ action_id: e.action_id, value: e.value, label: e.text.text }));

describe('Slack paging: /page → level 1 → level 2 → repeat → team channel; acknowledge; escalate; /oncall', () => {
  let s: StewardSlack;
  // Monday noon: bob holds checkout-primary all week. Every wait of Steward's core is on this clock.
  const clock = new ManualClock('2026-11-23T12:00:00.000Z');

  beforeAll(async () => {
    s = await startStewardSlack({
      clock,
      env: { STEWARD_CONFIG: policy },
      fake: {
        users: [...Object.values(SLACK_USERS), { id: DAVE, name: 'dave', real_name: 'Dave Ops' }],
        channels: [...INCIDENT_CHANNELS, { id: PAYMENTS, name: 'payments' }],
      },
    });
  });
  afterAll(async () => {
    await s?.close();
  });

  const page = (text: string, user = ALICE) =>
    s.sim.slashCommand({ command: '/page', text, user_id: user, channel_id: 'C0GENERAL' });
  /** Page messages Steward posted to a user (their DM channel) or a channel, since `mark`. */
  const sentTo = (to: string, mark: number, n: number) =>
    s.fake
      .callsOf('chat.postMessage')
      .filter((c) => c.seq >= mark && c.body.channel === to && textOf(c).includes(`PAGE-${n}`));
  const reply = async (click: Awaited<ReturnType<StewardSlack['sim']['blockAction']>>) =>
    (await s.fake.waitForResponse((r) => click.sent.response_url.endsWith(r.id))).body;
  /** Steps of PAGE-n; `late`: how long after its due instant each fired (ms), null while not fired. */
  const steps = (n: number) =>
    s
      .query<{ seq: number; state: string; due_at: string; fired_at: string | null }>(
        'select seq, state, due_at, fired_at from page_step where page_id = (select id from page where number = ?) order by seq',
        n,
      )
      .map((x) => ({
        seq: x.seq,
        state: x.state,
        firedAt: x.fired_at === null ? null : Date.parse(x.fired_at),
        late: x.fired_at === null ? null : Date.parse(x.fired_at) - Date.parse(x.due_at),
      }));
  /** The escalation runner has fired what was due and waits on the clock for its next poll. */
  const runnerWaiting = () =>
    until('the escalation runner to wait on the clock', () => clock.armedIn(ESCALATION_POLL_MS), 3_000);

  it('walks level 1 (on call) → level 2 → round 2 → "nobody acknowledged" in the team channel, each step once, at its instant', async () => {
    const mark = s.fake.mark;
    const res = await page('checkout Checkout returns 502 @channel');
    expect(res.status).toBe(200);
    expect(textOf({ body: res.json ?? JSON.parse(res.body || '{}') })).toContain(
      'PAGE-1 · paging the on-call for Checkout',
    );
    const first = await until('bob paged at level 1', () => sentTo(BOB, mark, 1)[0], 3_000);
    expect(first.response.channel).toMatch(/^D/);
    expect(buttonsOf(first.body.blocks).map((b) => [b.label, b.value])).toEqual([
      ['Acknowledge', 'st1|page.ack|1'],
      ['Escalate now', 'st1|page.escalate|1|0'],
    ]);
    // The user's text cannot ping the channel.
    expect(textOf(first)).not.toMatch(LIVE_MENTION);
    await runnerWaiting();
    // A millisecond before level 2 is due, carol has nothing; at its instant she is paged.
    await clock.advance(1_999);
    await settled(s);
    expect(sentTo(CAROL, mark, 1)).toEqual([]);
    await clock.advance(1);
    await until('carol paged at level 2', () => sentTo(CAROL, mark, 1)[0], 4_000);
    await clock.advance(6_000);
    await until('round 2: bob again', () => sentTo(BOB, mark, 1).length === 2, 4_000);
    await until('round 2: carol again', () => sentTo(CAROL, mark, 1).length === 2, 4_000);
    const notice = await until('the team channel told', () => sentTo(PAYMENTS, mark, 1)[0], 4_000);
    expect(textOf(notice)).toContain('nobody acknowledged');
    await settled(s);
    expect(steps(1).map((x) => [x.seq, x.state])).toEqual([
      [0, 'fired'],
      [1, 'fired'],
      [2, 'fired'],
      [3, 'fired'],
      [4, 'fired'],
    ]);
    expect(steps(1).map((x) => x.late)).toEqual([0, 0, 0, 0, 0]);
    // Each step's lateness is exported for alerting.
    const metrics = await s.metrics();
    expect([
      sample(metrics, 'steward_page_step_lateness_seconds_count', { kind: 'notify' }),
      sample(metrics, 'steward_page_step_lateness_seconds_count', { kind: 'exhausted' }),
    ]).toEqual([4, 1]);
    expect(sample(metrics, 'steward_page_step_lateness_seconds_bucket', { kind: 'notify', le: '1' })).toBe(4);
    // Nothing more, ever: a minute passes without another page message.
    await clock.advance(60_000);
    await settled(s);
    expect([sentTo(BOB, mark, 1).length, sentTo(CAROL, mark, 1).length, sentTo(PAYMENTS, mark, 1).length]).toEqual([
      2, 2, 1,
    ]);
    // Every copy (4 DMs and the channel notice) now reads "nobody acknowledged".
    for (const m of [...sentTo(BOB, mark, 1), ...sentTo(CAROL, mark, 1)])
      expect(strings(s.fake.message(m.response.channel, m.response.ts)!.blocks).join('\n')).toContain(
        'nobody acknowledged',
      );
  });

  it('Acknowledge: a stranger is refused, bob stops the page, every copy is edited, a second click is told', async () => {
    const mark = s.fake.mark;
    await page('checkout Database pool exhausted');
    const dm = await until('bob paged', () => sentTo(BOB, mark, 2)[0], 3_000);
    const ack = buttonsOf(dm.body.blocks).find((b) => b.label === 'Acknowledge')!;

    const stranger = await s.sim.blockAction({
      action_id: ack.action_id,
      user: DAVE,
      channel: dm.response.channel,
      message_ts: dm.response.ts,
    });
    expect((await reply(stranger)).text).toMatch(
      /^Only the people it notified or its service team may acknowledge PAGE-2\./,
    );

    const click = await s.sim.blockAction({
      action_id: ack.action_id,
      user: BOB,
      channel: dm.response.channel,
      message_ts: dm.response.ts,
    });
    expect(click.status).toBe(200);
    expect((await reply(click)).text).toContain('You acknowledged PAGE-2');
    const edited = await s.fake.waitFor(
      'chat.update',
      (c) => c.seq >= mark && c.body.ts === dm.response.ts && textOf(c).includes('acknowledged by Bob Builder'),
    );
    expect(edited.body.channel).toBe(dm.response.channel);
    const stored = s.fake.message(dm.response.channel, dm.response.ts)!;
    expect(buttonsOf(stored.blocks).map((b) => b.label)).toEqual(['Resolve']);

    // Clicks on the button as it was before the edit (a client that has not refreshed yet).
    const asSent = {
      type: 'message',
      user: dm.response.message.user,
      ts: dm.response.ts,
      text: dm.body.text,
      blocks: dm.body.blocks,
    };
    const again = await s.sim.blockAction({
      action_id: ack.action_id,
      user: BOB,
      channel: dm.response.channel,
      message_ts: dm.response.ts,
      message: asSent,
    });
    expect((await reply(again)).text).toContain('You already acknowledged PAGE-2');
    const other = await s.sim.blockAction({
      action_id: ack.action_id,
      user: ALICE,
      channel: dm.response.channel,
      message_ts: dm.response.ts,
      message: asSent,
    });
    expect((await reply(other)).text).toContain('PAGE-2 was already acknowledged by Bob Builder');
    // Carol is never paged: the level-2 step was cancelled, and its instant passes without it.
    expect(steps(2).map((x) => x.state)).toEqual(['fired', 'cancelled']);
    await clock.advance(3_000);
    await settled(s);
    expect(sentTo(CAROL, mark, 2)).toEqual([]);
    const audit = s.query<{ action: string; actor_person_id: string | null; actor_platform: string }>(
      "select action, actor_person_id, actor_platform from audit_entry where subject = 'page:PAGE-2' order by seq",
    );
    expect(audit.map((a) => a.action)).toEqual(['page.created', 'page.escalated', 'page.acknowledged']);
    expect(audit[2]).toMatchObject({ actor_person_id: 'bob', actor_platform: 'slack' });
  });

  it('Escalate now notifies level 2 at once, and only once when clicked twice', async () => {
    const mark = s.fake.mark;
    await page('checkout Queue backing up');
    const dm = await until('bob paged', () => sentTo(BOB, mark, 3)[0], 3_000);
    const esc = buttonsOf(dm.body.blocks).find((b) => b.label === 'Escalate now')!;
    const at = clock.now().getTime();
    const [a, b] = await Promise.all([
      s.sim.blockAction({
        action_id: esc.action_id,
        user: BOB,
        channel: dm.response.channel,
        message_ts: dm.response.ts,
      }),
      s.sim.blockAction({
        action_id: esc.action_id,
        user: BOB,
        channel: dm.response.channel,
        message_ts: dm.response.ts,
      }),
    ]);
    const answers = [(await reply(a)).text, (await reply(b)).text];
    expect(answers.some((t: string) => t.includes('Escalating PAGE-3 now'))).toBe(true);
    await until('carol paged', () => sentTo(CAROL, mark, 3)[0], 3_000);
    // At once: the clock did not move, and level 2 fired at the click's instant.
    expect(clock.now().getTime()).toBe(at);
    expect(steps(3).map((x) => [x.seq, x.state, x.firedAt])).toEqual([
      [0, 'fired', at],
      [1, 'fired', at],
      [2, 'pending', null],
    ]);
    const asSent = {
      type: 'message',
      user: dm.response.message.user,
      ts: dm.response.ts,
      text: dm.body.text,
      blocks: dm.body.blocks,
    };
    const late = await s.sim.blockAction({
      action_id: esc.action_id,
      user: BOB,
      channel: dm.response.channel,
      message_ts: dm.response.ts,
      message: asSent,
    });
    expect((await reply(late)).text).toMatch(/PAGE-3 has already escalated/);
    // Resolve it so it stops walking.
    const carolDm = sentTo(CAROL, mark, 3)[0]!;
    const ack = buttonsOf(carolDm.body.blocks).find((x) => x.label === 'Acknowledge')!;
    await reply(
      await s.sim.blockAction({
        action_id: ack.action_id,
        user: CAROL,
        channel: carolDm.response.channel,
        message_ts: carolDm.response.ts,
      }),
    );
    expect(sentTo(CAROL, mark, 3)).toHaveLength(1);
  });

  it('/page @person pages that person alone; bad targets get a clear answer', async () => {
    const mark = s.fake.mark;
    const res = await page(`<@${CAROL}|carol> please call the bridge`);
    expect(res.status).toBe(200);
    await until('carol paged', () => sentTo(CAROL, mark, 4)[0], 3_000);
    expect(sentTo(BOB, mark, 4)).toEqual([]);
    const bad = await page('nosuch it broke');
    expect(bad.body).toContain('is neither a service nor a person');
    const empty = await page('checkout');
    expect(empty.body).toContain('say what is wrong');
    const carolDm = sentTo(CAROL, mark, 4)[0]!;
    const ack = buttonsOf(carolDm.body.blocks).find((x) => x.label === 'Acknowledge')!;
    expect(
      (
        await reply(
          await s.sim.blockAction({
            action_id: ack.action_id,
            user: CAROL,
            channel: carolDm.response.channel,
            message_ts: carolDm.response.ts,
          }),
        )
      ).text,
    ).toContain('You acknowledged PAGE-4');
  });

  it('/oncall shows who is on call now and next; /oncall override covers a shift, audited and visible', async () => {
    const now = await s.sim.slashCommand({
      command: '/oncall',
      text: 'checkout',
      user_id: ALICE,
      channel_id: 'C0GENERAL',
    });
    const text = now.body;
    expect(text).toContain('On call: checkout-primary');
    expect(text).toContain('<@U0BOB>');
    const refused = await s.sim.slashCommand({
      command: '/oncall',
      text: `override <@${DAVE}|dave> 2h checkout-primary`,
      user_id: DAVE,
      channel_id: 'C0GENERAL',
    });
    expect(refused.body).toContain('Only members of checkout-primary');
    const set = await s.sim.slashCommand({
      command: '/oncall',
      text: `override <@${ALICE}|alice> 2h`,
      user_id: BOB,
      channel_id: 'C0GENERAL',
    });
    expect(set.body).toContain('Alice Example is on call for checkout-primary for 2h');
    const after = await s.sim.slashCommand({
      command: '/oncall',
      text: 'checkout-primary',
      user_id: CAROL,
      channel_id: 'C0GENERAL',
    });
    expect(after.body).toMatch(/<@U0ALICE> \(override for <@U0BOB>, set by <@U0BOB>\)/);
    expect(s.query("select action, actor_person_id from audit_entry where action = 'oncall.override'")).toEqual([
      { action: 'oncall.override', actor_person_id: 'bob' },
    ]);
    // The next page of checkout wakes alice, not bob.
    const mark = s.fake.mark;
    await page('checkout after the override');
    await until('alice paged', () => sentTo(ALICE, mark, 5)[0], 3_000);
    expect(sentTo(BOB, mark, 5)).toEqual([]);
  });
});
