// Paging on Discord end to end: Steward's real discord.js client against the fake gateway and
// REST API, with test/fixtures/paging.policy.yaml (2 s acknowledgement timeouts) and a manual clock
// the test moves (the escalation runner waits on it). /page service
// walks level 1 → level 2 → round 2 → "nobody acknowledged" in the team channel, checked at the
// wire (DM posts, edits, team-channel posts, interaction callbacks) and in the SQLite file (page,
// page_step). Acknowledge, Escalate now, /page person and /oncall from Discord are tested through
// the dispatcher in paging-chat.test.ts.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscordRestCall } from '../fakes/discord.js';
import {
  INCIDENTS_GUILD,
  INCIDENTS_GUILD_SEED,
  POLICY_DISCORD,
  customIds,
  field,
  startDiscordSteward,
  type DiscordSteward,
} from '../support/steward-discord.js';
import { until } from '../support/wait.js';
import { ManualClock } from '../support/clock.js';
import { ESCALATION_POLL_MS } from '../../src/core/paging/escalation.js';

type Json = Record<string, any>;

const POLICY_FILE = fileURLToPath(new URL('../fixtures/paging.policy.yaml', import.meta.url));
const { alice, bob, carol, dave } = POLICY_DISCORD;
const GENERAL = INCIDENTS_GUILD.general;
/** Team channels of paging.policy.yaml. */
const PAYMENTS_CHANNEL = '222222222222222222';
const PLATFORM_CHANNEL = '222222222222222223';
const ACK_TIMEOUT_MS = 2_000;

interface PageRow {
  number: number;
  status: string;
  step_seq: number;
  ack_by: string | null;
  notified: string;
  exhausted_at: string | number | null;
}
interface StepRow {
  seq: number;
  round: number;
  level: number;
  kind: string;
  state: string;
  due_at: string | number;
  fired_at: string | number | null;
  targets: string | null;
}

const ms = (v: string | number | null) => (v === null ? NaN : new Date(v).getTime());

describe('Discord paging end to end (real discord.js, fake gateway + REST, SQLite, 2 s timeouts)', () => {
  let s: DiscordSteward;
  // Monday noon: bob holds checkout-primary all week.
  const clock = new ManualClock('2026-11-23T12:00:00.000Z');

  beforeAll(async () => {
    s = await startDiscordSteward({
      clock,
      env: { STEWARD_CONFIG: POLICY_FILE },
      fake: {
        guild: {
          ...INCIDENTS_GUILD_SEED,
          channels: [
            ...INCIDENTS_GUILD_SEED.channels!,
            { id: PAYMENTS_CHANNEL, name: 'payments', type: 0, topic: 'Payments team' },
            { id: PLATFORM_CHANNEL, name: 'platform', type: 0, topic: 'Platform team' },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await s?.stop();
  });

  const dm = (user: string) => s.fake.dmChannelFor(user).id;
  const titleOf = (c: DiscordRestCall): string => c.body?.embeds?.[0]?.title ?? '';
  const aboutPage = (n: number) => new RegExp(`\\bPAGE-${n}\\b`);
  /** Messages Steward posted (successfully) in a channel about PAGE-n, in order. */
  const postsIn = (channelId: string, n: number) =>
    s.fake
      .restCallsOf('POST', `/channels/${channelId}/messages`)
      .filter((c) => c.status === 200 && aboutPage(n).test(titleOf(c)));
  const dmsTo = (user: string, n: number) => postsIn(dm(user), n);
  /** Waits until `user` has received `count` DMs about PAGE-n; returns them all. */
  const waitForDms = (user: string, n: number, count: number, timeoutMs = 5_000) =>
    until(
      `${count} DM(s) about PAGE-${n} to ${user} (got ${dmsTo(user, n).length})`,
      () => dmsTo(user, n).length >= count && dmsTo(user, n),
      timeoutMs,
    );

  const command = (user: string, name: string, subcommand: string, options: Json = {}) =>
    s.send(s.fake.chatInput({ name, subcommand, options, user, channelId: GENERAL }));
  const messageOf = (c: DiscordRestCall) => s.fake.message(c.path.split('/')[2]!, c.response.id)!;

  const page = (n: number) =>
    s.rows<PageRow>('select number, status, step_seq, ack_by, notified, exhausted_at from page where number = ?', n)[0];
  const steps = (n: number) =>
    s.rows<StepRow>(
      'select s.seq, s.round, s.level, s.kind, s.state, s.due_at, s.fired_at, s.targets from page_step s join page p on p.id = s.page_id where p.number = ? order by s.seq',
      n,
    );
  const settled = () => s.rowsWhen((r) => r.length === 0, "select key from outbox_item where state = 'pending'");
  /** The escalation runner has fired what was due and waits on the clock for its next poll. */
  const runnerWaiting = () =>
    until('the escalation runner to wait on the clock', () => clock.armedIn(ESCALATION_POLL_MS), 3_000);

  it('/page service checkout: bob (level 1), carol (level 2), bob and carol again (round 2), then the payments channel hears nobody acknowledged', async () => {
    const cb = await command(alice, 'page', 'service', {
      service: 'checkout',
      message: 'Checkout returns 502 for card payments',
    });
    expect(cb.body.type).toBe(4);
    const reply = cb.body.data;
    expect(reply.embeds[0].title).toBe('PAGE-1 · paging the on-call for Checkout');
    expect(reply.embeds[0].description).toBe('Checkout returns 502 for card payments');
    expect(reply.components ?? []).toEqual([]); // the confirmation carries no buttons
    expect(reply.allowed_mentions).toEqual({ parse: [] });
    const n = 1;

    // Level 1: bob, on call in checkout-primary, with Acknowledge and Escalate now.
    const [bob1] = await waitForDms(bob, n, 1);
    expect(titleOf(bob1!)).toBe('🔔 PAGE-1 · Checkout');
    expect(bob1!.body.embeds[0].description).toBe('Checkout returns 502 for card payments');
    expect(field(bob1!.body.embeds[0], 'Escalation')).toContain('level 1 of 2, round 1 of 2');
    expect(bob1!.body.components.flatMap((r: Json) => r.components.map((c: Json) => c.label))).toEqual([
      'Acknowledge',
      'Escalate now',
    ]);
    expect(customIds(bob1!.body)).toEqual([`st1|page.ack|${n}`, `st1|page.escalate|${n}|0`]);
    expect(bob1!.body.allowed_mentions).toEqual({ parse: [] });
    expect(dmsTo(carol, n)).toEqual([]);

    // Level 2 at the end of the 2 s timeout (not a millisecond before), then round 2, then the team channel.
    await runnerWaiting();
    await clock.advance(ACK_TIMEOUT_MS - 1);
    await settled();
    expect(dmsTo(carol, n)).toEqual([]);
    await clock.advance(1);
    const [carol1] = await waitForDms(carol, n, 1);
    await clock.advance(3 * ACK_TIMEOUT_MS);
    expect(field(carol1!.body.embeds[0], 'Escalation')).toContain('level 2 of 2, round 1 of 2');
    const [, bob2] = await waitForDms(bob, n, 2);
    expect(bob2!.response.id).not.toBe(bob1!.response.id); // a new message in the same DM channel
    expect(bob2!.path).toBe(bob1!.path);
    expect(field(bob2!.body.embeds[0], 'Escalation')).toContain('level 1 of 2, round 2 of 2');
    expect(customIds(bob2!.body)).toEqual([`st1|page.ack|${n}`, `st1|page.escalate|${n}|2`]);
    const [, carol2] = await waitForDms(carol, n, 2);
    // The last level of the last round has nowhere further to escalate to.
    expect(customIds(carol2!.body)).toEqual([`st1|page.ack|${n}`]);
    const [team] = await until(
      'the "nobody acknowledged" post in #payments',
      () => postsIn(PAYMENTS_CHANNEL, n).length > 0 && postsIn(PAYMENTS_CHANNEL, n),
      6_000,
    );
    expect(titleOf(team!)).toContain('nobody acknowledged');
    expect(titleOf(team!)).toBe('⚠️ PAGE-1 · nobody acknowledged · Checkout');
    expect(field(team!.body.embeds[0], 'Nobody acknowledged')).toMatch(
      /^every level was tried 2× \(last at <t:\d+:f>\)$/,
    );
    expect(customIds(team!.body)).toEqual([`st1|page.ack|${n}`]); // still open: the team may acknowledge

    // In order.
    const sent = [bob1, carol1, bob2, carol2, team];
    expect(sent.map((c) => c!.seq)).toEqual([...sent.map((c) => c!.seq)].sort((a, b) => a - b));

    // Every step fired exactly once, at its due instant, each 2 s after the previous one; nothing is left to run.
    await settled();
    const rows = steps(n);
    expect(rows.map((r) => [r.seq, r.round, r.level, r.kind, r.state])).toEqual([
      [0, 0, 0, 'notify', 'fired'],
      [1, 0, 1, 'notify', 'fired'],
      [2, 1, 0, 'notify', 'fired'],
      [3, 1, 1, 'notify', 'fired'],
      [4, 1, -1, 'exhausted', 'fired'],
    ]);
    expect(rows.map((r) => ms(r.fired_at) - ms(r.due_at))).toEqual([0, 0, 0, 0, 0]);
    for (let i = 1; i < rows.length; i++) expect(ms(rows[i]!.due_at) - ms(rows[i - 1]!.fired_at)).toBe(ACK_TIMEOUT_MS);
    expect(rows.map((r) => JSON.parse(r.targets!))).toEqual([
      { people: [{ person: 'bob', via: 'schedule:checkout-primary' }], teams: [], missed: [] },
      { people: [{ person: 'carol', via: 'person' }], teams: [], missed: [] },
      { people: [{ person: 'bob', via: 'schedule:checkout-primary' }], teams: [], missed: [] },
      { people: [{ person: 'carol', via: 'person' }], teams: [], missed: [] },
      { people: [], teams: ['payments'], missed: [] },
    ]);
    const p = page(n);
    expect(p).toMatchObject({ status: 'open', step_seq: 4 });
    expect(p!.exhausted_at).not.toBeNull();
    expect(JSON.parse(p!.notified).sort()).toEqual(['bob', 'carol']);

    expect(dmsTo(bob, n)).toHaveLength(2);
    expect(dmsTo(carol, n)).toHaveLength(2);
    expect(postsIn(PAYMENTS_CHANNEL, n)).toHaveLength(1);
    expect(dmsTo(alice, n)).toEqual([]); // the team channel was told, so the pager is not
    expect(dmsTo(dave, n)).toEqual([]);
    expect(postsIn(PLATFORM_CHANNEL, n)).toEqual([]);
    // Every copy was brought up to date in place: all say nobody acknowledged now.
    for (const c of [bob1, carol1, bob2, carol2])
      expect(messageOf(c!).embeds[0].title).toBe('⚠️ PAGE-1 · nobody acknowledged · Checkout');
  });

  it('nothing went wrong behind the scenes: no errors or warnings logged, no side effect left failing', async () => {
    await settled();
    expect(
      s.logs
        .entries()
        .filter((e) => e.level >= 40)
        .map((e) => `${e.msg} ${JSON.stringify(e.err ?? '')}`),
    ).toEqual([]);
    expect(s.rows('select key, last_error from outbox_item where last_error is not null')).toEqual([]);
  });
});
