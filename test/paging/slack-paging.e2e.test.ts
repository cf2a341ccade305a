// Paging on Slack end to end: the real Bolt app inside Steward (SQLite, a manual clock the test
// moves, 2 s acknowledgement timeouts) against FakeSlack. A page walks level 1 → level 2 → repeat →
// the team channel, as Block Kit direct messages with their buttons, each copy edited in place.
// Acknowledge, Escalate now, paging a person and /oncall from Slack are tested through the
// dispatcher in paging-chat.test.ts.
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

describe('Slack paging: /page → level 1 → level 2 → repeat → team channel', () => {
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
});
