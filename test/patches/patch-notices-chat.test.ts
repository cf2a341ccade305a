// Patch deadline notices and breach pages for Slack and Discord at once, through the real Steward
// core and store (SQLite and PostgreSQL), with a recording chat platform standing for each and a
// clock the test moves; the page is acknowledged with a click through the real dispatcher and the
// finding's history read with /patch show. The digest cards and a restart on the wire are tested in
// patch-digests.e2e.test.ts.
import { afterEach, expect, it } from 'vitest';
import { loadPolicyFile } from '../../src/config/policy.js';
import { type Card, type Reply, type Rich, plain } from '../../src/core/card.js';
import { importReport } from '../../src/core/patches/findings/importer.js';
import { PATCH_NOTICES } from '../../src/core/patches/links.js';
import { Steward } from '../../src/core/steward.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { openStore } from '../../src/store/index.js';
import { ManualClock, fixedClock } from '../support/clock.js';
import { forEachDialect } from '../support/databases.js';
import { ChatRecorder, chatOf } from '../support/dispatch.js';
import { HISTORY_VULNS, scanHistory, trivyReport } from '../support/reports.js';
import { until } from '../support/wait.js';

const policy = new URL('../fixtures/digests-e2e.policy.yaml', import.meta.url).pathname;
const MIN = 60_000;
/** Tue 2026-12-01 13:00Z: 08:00 in New York. */
const T0 = Date.parse('2026-12-01T13:00:00.000Z');
const SLACK = { alice: 'U0ALICE', bob: 'U0BOB', carol: 'U0CAROL', dave: 'U0DAVE' } as const;
const DISCORD = {
  alice: '111111111111111111',
  bob: '111111111111111112',
  carol: '111111111111111113',
  dave: '111111111111111114',
} as const;

const V = HISTORY_VULNS;
const IMPORTS = scanHistory(T0);

const fieldOf = (c: Card, label: string): Rich => {
  const f = c.fields?.find((x) => x.label === label);
  if (!f) throw new Error(`no field "${label}" in ${c.title}`);
  return f.value;
};
const mentioned = (r: Rich, platform: 'slack' | 'discord') =>
  r.flatMap((s) => (s.t === 'user' ? [s[platform] ?? `(${s.name})`] : []));
/** A card as read: title, body, the other sections, buttons, small print. */
const read = (r: Reply) => {
  const c = r.cards[0]!;
  return {
    title: c.title,
    body: plain(c.body ?? []),
    sections: (c.sections ?? []).map((s) => `${s.heading ?? ''}\n${plain(s.body)}`),
    buttons: (c.buttons ?? []).map((b) => b.label),
    context: plain(c.context ?? []),
  };
};

await forEachDialect('patch notices from chat', ({ createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup() {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    // Tue 15:05Z: the notices run after both digests of the day; the reports came in earlier.
    const clock = new ManualClock('2026-12-01T15:05:00.000Z');
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    const steward = new Steward({ store, clock, policy: loadPolicyFile(policy), modules: STANDARD_MODULES });
    const slack = new ChatRecorder('slack');
    const discord = new ChatRecorder('discord');
    steward.gateways.set('slack', slack);
    steward.gateways.set('discord', discord);
    for (const [when, vulns] of IMPORTS) {
      const r = await importReport(
        { store, clock: fixedClock(when), dir: steward.dir },
        { serviceId: 'payments-api', input: trivyReport(vulns), actor: { platform: 'cli' }, by: 'cli:test' },
      );
      if (!r.ok) throw new Error(r.reason);
    }
    const open = await store.transaction((tx) => tx.findings.listOpen({ serviceIds: ['payments-api'] }, 0, 100));
    const id = Object.fromEntries(
      Object.entries(V).map(([k, v]) => [k, open.findings.find((f) => f.vulnId === v.id)!.id]),
    ) as Record<keyof typeof V, number>;
    steward.start();
    cleanup.push(() => steward.stop());
    const chat = chatOf(steward);
    return { store, steward, slack, discord, chat, clock, id };
  }

  it('reminders: each owner hears once of both passed deadlines on both platforms; the critical pages dave, then carol, who acknowledges on Discord', async () => {
    const t = await setup();
    const { id } = t;
    const notices = t.steward.part(PATCH_NOTICES);
    // Nothing was told before this run.
    const first = await notices.run(t.clock.now());
    expect(first).toEqual({ ahead: 0, passed: 2, paged: 1, messages: 4 });
    await t.chat.dispatcher.settled();
    const passedTitle = '2 findings of yours passed their patch deadline';
    for (const [gw, people] of [
      [t.slack, [SLACK.alice, SLACK.bob]],
      [t.discord, [DISCORD.alice, DISCORD.bob]],
    ] as const)
      for (const user of people) {
        const dms = gw.dmReplies(user);
        expect(dms.map((r) => r.cards[0]!.title)).toEqual([passedTitle]);
        expect(dms[0]!.cards[0]!.tone).toBe('danger');
        expect(read(dms[0]!)).toEqual({
          title: passedTitle,
          body: `F-${id.oldHigh} high CVE-2026-1001 · left-pad 1.0.0 · payments-api · was due 2026-11-21T14:00:00.000Z\nF-${id.critical} critical CVE-2026-1005 · openssl-wrap 1.0.0 · payments-api · was due 2026-11-28T13:00:00.000Z`,
          sections: [],
          buttons: ['Show overdue'],
          context: 'Fix, or request a risk exception: /patch exception <finding>.',
        });
      }
    // A second run finds nothing to tell.
    expect(await notices.run(t.clock.now())).toEqual({ ahead: 0, passed: 0, paged: 0, messages: 0 });
    await t.chat.dispatcher.settled();
    expect([SLACK.alice, SLACK.bob].map((u) => t.slack.dmReplies(u).length)).toEqual([1, 1]);
    expect([DISCORD.alice, DISCORD.bob].map((u) => t.discord.dmReplies(u).length)).toEqual([1, 1]);

    // The page: dave, on call, by direct message on both platforms.
    const pageBody = `ALR-1: Overdue patches on Payments API: F-${id.critical} critical CVE-2026-1005 in openssl-wrap 1.0.0 on Payments API passed its patch deadline (Sat 28 Nov 2026 08:00 EST)`;
    for (const [gw, dave] of [
      [t.slack, SLACK.dave],
      [t.discord, DISCORD.dave],
    ] as const) {
      const page = await until(`dave paged on ${gw.platform}`, () => gw.dmReplies(dave, 'PAGE-1')[0]);
      expect(read(page)).toMatchObject({
        title: '🔔 PAGE-1 · Payments API',
        body: pageBody,
        buttons: ['Acknowledge', 'Escalate now'],
      });
      expect(page.cards[0]!.tone).toBe('danger');
      expect(plain(fieldOf(page.cards[0]!, 'Escalation'))).toMatch(/^level 1 of 2 · payments-breach/);
      expect(mentioned(fieldOf(page.cards[0]!, 'Notified'), gw.platform as 'slack' | 'discord')).toEqual([dave]);
    }
    const page = () => t.store.transaction((tx) => tx.pages.byNumber(1));
    expect(await page()).toMatchObject({ key: 'alert:1', status: 'open' });
    expect((await t.store.transaction((tx) => tx.alerts.alerts(1))).map((a) => a.fingerprint)).toEqual([
      `finding:${id.critical}:breach`,
    ]);
    expect(t.slack.dmReplies(SLACK.carol)).toEqual([]);

    // Nobody acknowledges within 5 minutes: level 2 (carol) is notified, on both platforms.
    await t.clock.advance(5 * MIN - 1);
    await t.chat.dispatcher.settled();
    expect(t.slack.dmReplies(SLACK.carol)).toEqual([]);
    await t.clock.advance(1);
    await t.chat.dispatcher.settled();
    const carolSlack = await until('carol paged on Slack', () => t.slack.dmReplies(SLACK.carol, 'PAGE-1')[0]);
    expect(plain(fieldOf(carolSlack.cards[0]!, 'Escalation'))).toMatch(/^level 2 of 2 · payments-breach/);
    const carolDiscord = await until('carol paged on Discord', () => t.discord.dmReplies(DISCORD.carol, 'PAGE-1')[0]);
    expect(t.chat.actionIds(carolDiscord)).toEqual(['st1|page.ack|1']);

    // carol acknowledges on Discord; the finding's history records it.
    const ack = await t.chat.click('discord', DISCORD.carol, carolDiscord, 'Acknowledge');
    expect(ack.cards[0]!.title).toBe('You acknowledged PAGE-1');
    await t.chat.dispatcher.settled();
    expect((await page())!.status).toBe('acknowledged');
    const events = await t.store.transaction((tx) => tx.findings.events(id.critical));
    expect(events.filter((e) => e.kind.startsWith('page')).map((e) => ({ kind: e.kind, detail: e.detail }))).toEqual([
      { kind: 'paged', detail: 'PAGE-1 opened: overdue critical on a tier-1 service' },
      { kind: 'page_acknowledged', detail: 'PAGE-1 acknowledged by Carol Danvers' },
    ]);
    const show = await t.chat.command('slack', SLACK.alice, 'patch', `show F-${id.critical}`);
    const history = read(show).sections.find((s) => s.startsWith('History'))!;
    expect(history).toContain('2026-12-01T15:05:00.000Z paged: PAGE-1 opened: overdue critical on a tier-1 service');
    expect(history).toContain('2026-12-01T15:10:00.000Z page_acknowledged: PAGE-1 acknowledged by Carol Danvers');
  });
});
