// Paging from Slack and Discord through the real dispatcher (commands as the platforms send them,
// buttons through the real action codec) in front of the real Steward core and store (SQLite and
// PostgreSQL), with the console carrying the page messages and a clock the test moves: acknowledge,
// escalate now, paging a person, /oncall and its overrides. The wire itself is tested in
// slack-paging.e2e.test.ts and discord-paging.e2e.test.ts.
import { afterEach, expect, it } from 'vitest';
import { loadPolicyFile } from '../../src/config/policy.js';
import { type Reply, type Rich, plain } from '../../src/core/card.js';
import { Steward } from '../../src/core/steward.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { openStore } from '../../src/store/index.js';
import { ManualClock } from '../support/clock.js';
import { forEachDialect } from '../support/databases.js';
import { ChatRecorder, chatOf, codeOf, replyText } from '../support/dispatch.js';
import { until } from '../support/wait.js';

const fixture = new URL('../fixtures/paging.policy.yaml', import.meta.url).pathname;
const SLACK = { alice: 'U0ALICE', bob: 'U0BOB', carol: 'U0CAROL', dave: 'U0DAVE' } as const;
const DISCORD = {
  alice: '111111111111111111',
  bob: '111111111111111112',
  carol: '111111111111111113',
  dave: '111111111111111114',
} as const;
const ACK_TIMEOUT_MS = 2_000;

/** The field `label` of a reply's first card. */
const fieldOf = (r: Reply, label: string): Rich => {
  const f = r.cards[0]?.fields?.find((x) => x.label === label);
  if (!f) throw new Error(`no field "${label}" in ${r.cards[0]?.title}`);
  return f.value;
};
/** The platform ids of the people a rich value mentions, in order. */
const mentioned = (r: Rich, platform: 'slack' | 'discord') =>
  r.flatMap((s) => (s.t === 'user' ? [s[platform] ?? `(${s.name})`] : []));
/** The instants a rich value shows, in order. */
const times = (r: Rich) => r.flatMap((s) => (s.t === 'time' ? [s.at.getTime()] : []));

await forEachDialect('paging from chat', ({ createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup() {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    // Monday noon: bob holds checkout-primary all week. Every wait of Steward's core is on this clock.
    const clock = new ManualClock('2026-11-23T12:00:00.000Z');
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    const steward = new Steward({ store, clock, policy: loadPolicyFile(fixture), modules: STANDARD_MODULES });
    const gw = new ChatRecorder();
    steward.gateways.set('console', gw);
    steward.start();
    cleanup.push(() => steward.stop());
    const chat = chatOf(steward);
    /** The escalation has done what was due and waits on the clock; every message due is sent. */
    const settled = async () => {
      await until('the escalation to wait on the clock', () => clock.pending().length > 0, 5_000);
      await chat.dispatcher.settled();
    };
    /** Time passes; whatever fell due has fired and been sent. */
    const advance = async (ms: number) => {
      await clock.advance(ms);
      await settled();
    };
    const page = (n = 1) => store.transaction((tx) => tx.pages.byNumber(n));
    const steps = (n = 1) => store.transaction(async (tx) => tx.pages.steps((await tx.pages.byNumber(n))!.id));
    const audit = async (subject: string) =>
      (await store.auditReader.page(0, 500)).filter((a) => a.subject === subject);
    return { store, steward, gw, chat, clock, settled, advance, page, steps, audit };
  }
  type T = Awaited<ReturnType<typeof setup>>;

  /** `/page` on Slack with `text`; waits until bob (level 1) has the page message and returns it. */
  async function slackPage(t: T, text: string) {
    const r = await t.chat.command('slack', SLACK.alice, 'page', text);
    expect(r.cards[0]!.title).toBe('PAGE-1 · paging the on-call for Checkout');
    await t.settled();
    return until('bob paged', () => t.gw.dmReplies('bob', 'PAGE-1')[0], 3_000);
  }

  /** `/page service` on Discord; waits until bob (level 1) has the page message and returns it. */
  async function discordPage(t: T, message: string) {
    const r = await t.chat.discord(DISCORD.alice, 'page', 'service', { service: 'checkout', message });
    expect(r.cards[0]!.title).toBe('PAGE-1 · paging the on-call for Checkout');
    expect(r.visibility).toBe('in_channel');
    await t.settled();
    return until('bob paged', () => t.gw.dmReplies('bob', 'PAGE-1')[0], 3_000);
  }

  it('Slack: Acknowledge: a stranger is refused, bob stops the page, every copy is edited, a second click is told', async () => {
    const t = await setup();
    const dm = await slackPage(t, 'checkout Database pool exhausted');

    const stranger = await t.chat.click('slack', SLACK.dave, dm, 'Acknowledge');
    expect(replyText(stranger)).toMatch(/^Only the people it notified or its service team may acknowledge PAGE-1\./);

    const click = await t.chat.click('slack', SLACK.bob, dm, 'Acknowledge');
    expect(replyText(click)).toContain('You acknowledged PAGE-1');
    await t.settled();
    const edited = await until('bob’s message edited', () =>
      t.gw.edited.find(
        (e) => e.channelId === '@bob' && e.reply.cards[0]!.title.includes('acknowledged by Bob Builder'),
      ),
    );
    expect(edited.messageId).toBe('1');
    expect(t.gw.current('@bob', '1')!.cards.flatMap((c) => (c.buttons ?? []).map((b) => b.label))).toEqual(['Resolve']);

    // Clicks on the button as it was before the edit (a client that has not refreshed yet).
    expect(replyText(await t.chat.click('slack', SLACK.bob, dm, 'Acknowledge'))).toContain(
      'You already acknowledged PAGE-1',
    );
    expect(replyText(await t.chat.click('slack', SLACK.alice, dm, 'Acknowledge'))).toContain(
      'PAGE-1 was already acknowledged by Bob Builder',
    );
    // Carol is never paged: the level-2 step was cancelled, and its instant passes without it.
    expect((await t.steps()).map((x) => x.state)).toEqual(['fired', 'cancelled']);
    await t.advance(3_000);
    expect(t.gw.dms('carol', 'PAGE-1')).toEqual([]);
    const audit = await t.audit('page:PAGE-1');
    expect(audit.map((a) => a.action)).toEqual(['page.created', 'page.escalated', 'page.acknowledged']);
    expect(audit[2]!.actor).toMatchObject({ personId: 'bob', platform: 'slack' });
  });

  it('Slack: Escalate now notifies level 2 at once, and only once when clicked twice', async () => {
    const t = await setup();
    const dm = await slackPage(t, 'checkout Queue backing up');
    const at = t.clock.now().getTime();
    const answers = (
      await Promise.all([
        t.chat.click('slack', SLACK.bob, dm, 'Escalate now'),
        t.chat.click('slack', SLACK.bob, dm, 'Escalate now'),
      ])
    ).map(replyText);
    expect(answers.some((x) => x.includes('Escalating PAGE-1 now'))).toBe(true);
    await t.settled();
    await until('carol paged', () => t.gw.dmReplies('carol', 'PAGE-1')[0], 3_000);
    // At once: the clock did not move, and level 2 fired at the click's instant.
    expect(t.clock.now().getTime()).toBe(at);
    expect((await t.steps()).map((x) => [x.seq, x.state, x.firedAt?.getTime() ?? null])).toEqual([
      [0, 'fired', at],
      [1, 'fired', at],
      [2, 'pending', null],
    ]);
    // The button as it was sent, clicked again.
    expect(replyText(await t.chat.click('slack', SLACK.bob, dm, 'Escalate now'))).toMatch(
      /PAGE-1 has already escalated/,
    );
    // Resolve it so it stops walking.
    const carolDm = t.gw.dmReplies('carol', 'PAGE-1')[0]!;
    expect(replyText(await t.chat.click('slack', SLACK.carol, carolDm, 'Acknowledge'))).toContain(
      'You acknowledged PAGE-1',
    );
    await t.settled();
    expect(t.gw.dms('carol', 'PAGE-1')).toHaveLength(1);
  });

  it('Slack: /page @person pages that person alone; bad targets get a clear answer', async () => {
    const t = await setup();
    const r = await t.chat.command('slack', SLACK.alice, 'page', `<@${SLACK.carol}|carol> please call the bridge`);
    expect(r.cards[0]!.title).toBe('PAGE-1 · paging Carol Danvers');
    await t.settled();
    const carolDm = await until('carol paged', () => t.gw.dmReplies('carol', 'PAGE-1')[0], 3_000);
    expect(t.gw.dms('bob', 'PAGE-1')).toEqual([]);
    expect(replyText(await t.chat.command('slack', SLACK.alice, 'page', 'nosuch it broke'))).toContain(
      'is neither a service nor a person',
    );
    expect(replyText(await t.chat.command('slack', SLACK.alice, 'page', 'checkout'))).toContain('say what is wrong');
    expect(replyText(await t.chat.click('slack', SLACK.carol, carolDm, 'Acknowledge'))).toContain(
      'You acknowledged PAGE-1',
    );
    expect(await t.store.transaction((tx) => tx.pages.list({ limit: 10 }))).toHaveLength(1);
  });

  it('Slack: /oncall shows who is on call now and next; /oncall override covers a shift, audited and visible', async () => {
    const t = await setup();
    const now = await t.chat.command('slack', SLACK.alice, 'oncall', 'checkout');
    expect(replyText(now)).toContain('On call: checkout-primary');
    expect(mentioned(fieldOf(now, 'Now'), 'slack')).toEqual([SLACK.bob]);
    const refused = await t.chat.command(
      'slack',
      SLACK.dave,
      'oncall',
      `override <@${SLACK.dave}|dave> 2h checkout-primary`,
    );
    expect(replyText(refused)).toContain('Only members of checkout-primary');
    const set = await t.chat.command('slack', SLACK.bob, 'oncall', `override <@${SLACK.alice}|alice> 2h`);
    expect(replyText(set)).toContain('Alice Example is on call for checkout-primary for 2h');
    const after = await t.chat.command('slack', SLACK.carol, 'oncall', 'checkout-primary');
    const nowField = fieldOf(after, 'Now');
    expect(plain(nowField)).toMatch(/^@Alice Example \(override for @Bob Builder, set by @Bob Builder\)/);
    expect(mentioned(nowField, 'slack')).toEqual([SLACK.alice, SLACK.bob, SLACK.bob]);
    const overrides = (await t.store.auditReader.page(0, 500)).filter((a) => a.action === 'oncall.override');
    expect(overrides.map((a) => [a.action, a.actor.personId])).toEqual([['oncall.override', 'bob']]);
    // The next page of checkout wakes alice, not bob.
    await t.chat.command('slack', SLACK.alice, 'page', 'checkout after the override');
    await t.settled();
    await until('alice paged', () => t.gw.dms('alice', 'PAGE-1')[0], 3_000);
    expect(t.gw.dms('bob', 'PAGE-1')).toEqual([]);
  });

  it('Discord: Acknowledge on the DM: dave is refused, bob acknowledges (once), every copy is edited and carol is never paged', async () => {
    const t = await setup();
    const dm = await discordPage(t, 'Refunds are stuck');
    expect(t.chat.actionIds(dm)).toContain('st1|page.ack|1');

    // dave (platform team, never notified) may not.
    const refused = await t.chat.click('discord', DISCORD.dave, dm, 'Acknowledge');
    expect(refused.visibility).toBe('ephemeral');
    expect(refused.cards[0]!.title).toBe('Only the people it notified or its service team may acknowledge PAGE-1.');
    expect(codeOf(refused)).toBe('AUTH.FORBIDDEN');
    expect(await t.page()).toMatchObject({ status: 'open', ackBy: null });

    const acked = await t.chat.click('discord', DISCORD.bob, dm, 'Acknowledge');
    expect(acked.visibility).toBe('ephemeral');
    expect(acked.cards[0]!.title).toBe('You acknowledged PAGE-1');
    expect(t.clock.now().getTime()).toBeLessThan((await t.steps())[1]!.dueAt.getTime()); // before level 2 was due

    const again = await t.chat.click('discord', DISCORD.bob, dm, 'Acknowledge');
    expect(again.visibility).toBe('ephemeral');
    expect(again.cards[0]!.title).toBe('You already acknowledged PAGE-1');

    // bob's DM is edited in place: acknowledged, no Acknowledge button (Resolve instead).
    await t.settled();
    const edit = await until('bob’s message edited', () =>
      t.gw.edited.find(
        (e) => e.channelId === '@bob' && e.reply.cards[0]!.title.includes('acknowledged by Bob Builder'),
      ),
    );
    expect(edit.messageId).toBe('1');
    expect(edit.reply.cards[0]!.title).toBe('✅ PAGE-1 acknowledged by Bob Builder · Checkout');
    expect(t.chat.actionIds(edit.reply)).toEqual(['st1|page.resolve|1']);
    expect(t.gw.current('@bob', '1')!.cards[0]!.title).toContain('acknowledged by Bob Builder');

    // Level 2 would have been due 2 s after bob's DM: 3 s past that, carol got nothing.
    await t.advance(ACK_TIMEOUT_MS + 3_000);
    expect(t.gw.dms('carol', 'PAGE-1')).toEqual([]);
    expect(t.gw.dms('bob', 'PAGE-1')).toHaveLength(1); // edited, never posted again
    expect(t.gw.posts('payments', 'PAGE-1')).toEqual([]);
    expect(await t.page()).toMatchObject({ status: 'acknowledged', ackBy: 'bob', stepSeq: 0 });
    expect((await t.steps()).map((r) => [r.seq, r.state])).toEqual([
      [0, 'fired'],
      [1, 'cancelled'],
    ]);
  });

  it('Discord: Escalate now: carol is paged at once; the old button then answers that it already escalated', async () => {
    const t = await setup();
    const dm = await discordPage(t, 'Card authorisations time out');

    const clicked = await t.chat.click('discord', DISCORD.bob, dm, 'Escalate now');
    expect(clicked.visibility).toBe('ephemeral');
    expect(clicked.cards[0]!.title).toBe('Escalating PAGE-1 now');
    await t.settled();
    const toCarol = await until('carol paged', () => t.gw.dmReplies('carol', 'PAGE-1')[0], 3_000);
    // At once: the clock has not moved since level 1 fired.
    const fired = (await t.steps()).map((s) => s.firedAt?.getTime());
    expect(fired[1]).toBe(fired[0]);
    expect(plain(fieldOf(toCarol, 'Escalation'))).toContain('level 2 of 2, round 1 of 2');

    const second = await t.chat.click('discord', DISCORD.bob, dm, 'Escalate now');
    expect(second.visibility).toBe('ephemeral');
    expect(second.cards[0]!.title).toContain('already escalated');
    expect(codeOf(second)).toBe('PAGE.UNCHANGED');

    // A millisecond before level 2's timeout ends: one level-2 DM, and round 2 has not started early.
    await t.advance(ACK_TIMEOUT_MS - 1);
    expect(t.gw.dms('carol', 'PAGE-1')).toHaveLength(1);
    expect(t.gw.dms('bob', 'PAGE-1')).toHaveLength(1);
    expect(await t.page()).toMatchObject({ status: 'open', stepSeq: 1 });
    expect((await t.steps()).map((r) => [r.seq, r.state])).toEqual([
      [0, 'fired'],
      [1, 'fired'],
      [2, 'pending'],
    ]);

    const acked = await t.chat.click('discord', DISCORD.carol, toCarol, 'Acknowledge');
    expect(acked.cards[0]!.title).toBe('You acknowledged PAGE-1');
    await t.settled();
    expect(t.gw.dms('carol', 'PAGE-1')).toHaveLength(1);
  });

  it('Discord: /page person user:@carol pages carol alone', async () => {
    const t = await setup();
    const r = await t.chat.discord(DISCORD.alice, 'page', 'person', {
      user: { type: 6, value: DISCORD.carol },
      message: 'Can you look at the edge gateway?',
    });
    expect(r.cards[0]!.title).toBe('PAGE-1 · paging Carol Danvers');
    await t.settled();
    const toCarol = await until('carol paged', () => t.gw.dmReplies('carol', 'PAGE-1')[0], 3_000);
    expect(toCarol.cards[0]!.title).toBe('🔔 PAGE-1 · paging Carol Danvers');
    expect(plain(toCarol.cards[0]!.body!)).toBe('Can you look at the edge gateway?');
    expect(t.chat.actionIds(toCarol)).toContain('st1|page.ack|1');
    const steps = await t.steps();
    expect(steps.map((s) => [s.seq, s.kind, s.state])).toEqual([
      [0, 'notify', 'fired'],
      [1, 'notify', 'pending'],
    ]);
    expect(steps[0]!.targets).toEqual({ people: [{ person: 'carol', via: 'person' }], teams: [], missed: [] });
    expect(t.gw.dms('bob')).toEqual([]);
    for (const ch of ['payments', 'platform']) expect(t.gw.posts(ch)).toEqual([]);

    const acked = await t.chat.click('discord', DISCORD.carol, toCarol, 'Acknowledge');
    expect(acked.cards[0]!.title).toBe('You acknowledged PAGE-1');
  });

  it('Discord: /oncall show and /oncall override: bob on call for checkout; bob hands over to alice; dave may not', async () => {
    const t = await setup();
    const show = await t.chat.discord(DISCORD.alice, 'oncall', 'show', { target: 'checkout' });
    expect(show.visibility).toBe('ephemeral');
    expect(show.cards[0]!.title).toBe('On call: checkout-primary');
    // On Discord a person is shown as a mention, which Discord displays as "Bob Builder".
    expect(mentioned(fieldOf(show, 'Now'), 'discord')).toEqual([DISCORD.bob]);
    expect(plain(fieldOf(show, 'Now'))).toMatch(/^@Bob Builder until \S+$/);

    const over = await t.chat.discord(DISCORD.bob, 'oncall', 'override', {
      user: { type: 6, value: DISCORD.alice },
      duration: '2h',
      schedule: 'checkout-primary',
    });
    expect(over.visibility).toBe('in_channel');
    expect(over.cards[0]!.title).toBe('Alice Example is on call for checkout-primary for 2h');
    expect(plain(over.cards[0]!.body!)).toContain('instead of @Bob Builder');
    expect(mentioned(over.cards[0]!.body!, 'discord')).toContain(DISCORD.bob);
    const rows = () =>
      t.store.transaction((tx) =>
        tx.overrides.active(['checkout-primary'], t.clock.now(), new Date(t.clock.now().getTime() + 1)),
      );
    expect((await rows()).map((r) => [r.scheduleId, r.personId, r.covers, r.createdBy])).toEqual([
      ['checkout-primary', 'alice', 'bob', 'bob'],
    ]);

    const after = await t.chat.discord(DISCORD.carol, 'oncall', 'show', { target: 'checkout-primary' });
    expect(after.cards[0]!.title).toBe('On call: checkout-primary');
    expect(plain(fieldOf(after, 'Now'))).toMatch(
      /^@Alice Example \(override for @Bob Builder, set by @Bob Builder\) until \S+$/,
    );
    expect(mentioned(fieldOf(after, 'Now'), 'discord')).toEqual([DISCORD.alice, DISCORD.bob, DISCORD.bob]);
    expect(plain(fieldOf(after, 'Next'))).toMatch(/^@Bob Builder from /);
    expect(mentioned(fieldOf(after, 'Next'), 'discord')[0]).toBe(DISCORD.bob);
    const overridesField = fieldOf(after, 'Overrides');
    expect(plain(overridesField)).toMatch(/^@Alice Example \S+ → \S+ · by @Bob Builder · #\d+$/);
    expect(mentioned(overridesField, 'discord')).toEqual([DISCORD.alice, DISCORD.bob]);
    const [from, to] = times(overridesField);
    expect(to! - from!).toBe(2 * 3_600_000);

    const refused = await t.chat.discord(DISCORD.dave, 'oncall', 'override', {
      user: { type: 6, value: DISCORD.dave },
      duration: '1h',
      schedule: 'checkout-primary',
    });
    expect(refused.visibility).toBe('ephemeral');
    expect(refused.cards[0]!.title).toBe(
      'Only members of checkout-primary and of the teams it pages for may set up cover in it.',
    );
    expect(codeOf(refused)).toBe('AUTH.FORBIDDEN');
    expect(await rows()).toHaveLength(1);
  });
});
