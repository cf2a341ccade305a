// Risk exceptions for Slack and Discord at once through the real dispatcher (commands, forms and
// clicks as the platforms hand them over) in front of the real Steward core and store (SQLite and
// PostgreSQL), with a recording chat platform standing for each and a clock the test moves, with
// test/fixtures/changes-e2e.policy.yaml (one owner of the service approves): bob asks on Slack,
// alice approves on Discord, and 30 days later the exception expires once. Asking and approving on
// the real wire is tested in exceptions.e2e.test.ts.
import { afterEach, expect, it } from 'vitest';
import { loadPolicyFile } from '../../src/config/policy.js';
import { type Reply, plain } from '../../src/core/card.js';
import { importReport } from '../../src/core/patches/findings/importer.js';
import { Steward } from '../../src/core/steward.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { openStore } from '../../src/store/index.js';
import { ManualClock, fixedClock } from '../support/clock.js';
import { forEachDialect } from '../support/databases.js';
import { type Recorded, ChatRecorder, chatOf } from '../support/dispatch.js';
import { generatedVulns, trivyReport } from '../support/reports.js';

const policy = new URL('../fixtures/changes-e2e.policy.yaml', import.meta.url).pathname;
const DAY = 86_400_000;
const T0 = Date.parse('2026-12-01T12:00:00.000Z');
const SLACK = { alice: 'U0ALICE', bob: 'U0BOB' } as const;
const DISCORD = { alice: '111111111111111111', bob: '111111111111111112', dave: '111111111111111114' } as const;

/** What a copy holds now: its title, State and buttons. */
const held = (m: Recorded) => {
  const c = m.versions.at(-1)!.cards[0]!;
  const state = c.fields?.find((f) => f.label === 'State');
  return { title: c.title, state: state ? plain(state.value) : '', buttons: (c.buttons ?? []).map((b) => b.label) };
};

await forEachDialect('risk exceptions from chat', ({ createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup() {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const clock = new ManualClock(T0);
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    const steward = new Steward({ store, clock, policy: loadPolicyFile(policy), modules: STANDARD_MODULES });
    cleanup.push(() => steward.outbox.stop());
    const slack = new ChatRecorder('slack');
    const discord = new ChatRecorder('discord');
    steward.gateways.set('slack', slack);
    steward.gateways.set('discord', discord);
    // Findings first seen 20 days ago: the critical ones (7 days) are overdue.
    const r = await importReport(
      { store, clock: fixedClock(T0 - 20 * DAY), dir: steward.dir },
      { serviceId: 'payments-api', input: trivyReport(generatedVulns(4)), actor: { platform: 'cli' }, by: 'cli:test' },
    );
    if (!r.ok) throw new Error(r.reason);
    const open = await store.transaction((tx) => tx.findings.listOpen({ serviceIds: ['payments-api'] }, 0, 100));
    const finding = Math.min(...open.findings.filter((f) => f.severity === 'critical').map((f) => f.id));
    const chat = chatOf(steward);
    /** `/patch list overdue:overdue` on Discord: the findings listed (`F-1 · CRITICAL · CVE-…`). */
    const overdue = async () => {
      const list: Reply = await chat.discord(DISCORD.dave, 'patch', 'list', { overdue: 'overdue' });
      return (list.cards[0]!.sections ?? []).map((x) => x.heading ?? '');
    };
    return { store, steward, slack, discord, chat, clock, finding, overdue };
  }

  it('30 days later it expires once: the finding is overdue again, both owners are told on both platforms', async () => {
    const t = await setup();
    const { finding } = t;
    expect((await t.overdue()).some((n) => n.startsWith(`F-${finding} `))).toBe(true);
    // bob asks on Slack; alice approves on Discord.
    const form = (await t.chat.command('slack', SLACK.bob, 'patch', `exception F-${finding}`)).form!;
    expect(form.title).toBe(`Risk exception for F-${finding}`);
    const asked = await t.chat.submit('slack', SLACK.bob, form, {
      justification: 'The vulnerable parser only reads our own signed files.',
      until: '30d',
    });
    expect(asked.fieldErrors).toBeUndefined();
    await t.chat.dispatcher.settled();
    const approverCopies = () => [...t.slack.copies('EXC-1 · '), ...t.discord.copies('EXC-1 · ')];
    expect(approverCopies().map((m) => m.channelId)).toEqual([`@${SLACK.alice}`, `@${DISCORD.alice}`]);
    const onDiscord = t.discord.copies('EXC-1 · ')[0]!.versions[0]!;
    expect((await t.chat.click('discord', DISCORD.alice, onDiscord, 'Approve')).cards[0]!.title).toBe(
      'You approved EXC-1',
    );
    await t.chat.dispatcher.settled();
    expect((await t.overdue()).some((n) => n.startsWith(`F-${finding} `))).toBe(false);

    const expire = t.steward.jobs().interval.find((j) => j.name === 'exceptions-expire')!;
    await t.clock.advance(30 * DAY - 1);
    await expire.run(t.clock.now());
    const exception = () => t.store.transaction((tx) => tx.exceptions.byNumber(1));
    expect((await exception())!.state).toBe('accepted');
    await t.clock.advance(1);
    await Promise.all([expire.run(t.clock.now()), expire.run(t.clock.now())]);
    expect(await exception()).toMatchObject({ state: 'expired', expiredAt: new Date('2026-12-31T12:00:00.000Z') });
    await t.chat.dispatcher.settled();
    const expired = [
      ...t.slack.messages.filter((m) => m.versions[0]!.cards[0]!.title.includes('expired')),
      ...t.discord.messages.filter((m) => m.versions[0]!.cards[0]!.title.includes('expired')),
    ];
    expect(expired.map((m) => m.channelId).sort()).toEqual(
      [`@${SLACK.alice}`, `@${SLACK.bob}`, `@${DISCORD.alice}`, `@${DISCORD.bob}`].sort(),
    );
    for (const m of expired) expect(held(m).title).toContain(`EXC-1 expired: F-${finding} is active again`);
    for (const c of approverCopies()) expect(held(c).state, c.channelId).toBe('Expired');
    expect((await t.overdue()).some((n) => n.startsWith(`F-${finding} `))).toBe(true);
    expect(
      (await t.store.auditReader.page(0, 10_000)).filter((a) => a.action.startsWith('exception.')).map((a) => a.action),
    ).toEqual(['exception.requested', 'exception.approval_given', 'exception.accepted', 'exception.expired']);
  });
});
