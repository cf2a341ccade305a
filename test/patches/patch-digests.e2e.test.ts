// Patch SLA digests end to end, with a manual clock and test/fixtures/digests-e2e.policy.yaml. One
// Steward serves Slack (real Bolt) and Discord (real discord.js) against both fakes; it is stopped
// and started again on the same SQLite database, the two workspaces outliving it. Then the console,
// in-process. Interval jobs still tick on their own timers, but each test drives what it checks
// itself: calendar.runDue() and the expiry job, at instants the manual clock sets. Owner reminders
// and breach pages for both platforms are tested through the dispatcher in patch-notices-chat.test.ts.
//
// Findings of payments-api (Payments, 09:00 in New York = 14:00Z), imported at four past instants
// so that on Tue 2026-12-01 at 14:00Z two are overdue (a critical by 3 days, a high by 10) and two
// are due within 7 days (a critical and a high, on Sun 2026-12-06 13:00Z), six open in all.
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSteward, type RunningSteward } from '../../src/app.js';
import { loadSettings } from '../../src/config/env.js';
import { importReport } from '../../src/core/patches/findings/importer.js';
import type { Directory } from '../../src/core/directory.js';
import { sqlitePath } from '../../src/store/dialect.js';
import { openStore } from '../../src/store/index.js';
import { FakeDiscord } from '../fakes/discord.js';
import { FakeSlack, SLACK_USERS, SlackClientSim } from '../fakes/slack.js';
import { createSqliteDatabase } from '../support/databases.js';
import {
  DISCORD_TEST_TOKEN,
  INCIDENTS_GUILD_SEED,
  POLICY_DISCORD,
  POLICY_USERS,
  customIds,
} from '../support/steward-discord.js';
import {
  APP_TOKEN,
  BOT_TOKEN,
  LogCapture,
  ManualClock,
  SIGNING_SECRET,
  field,
  strings,
} from '../support/steward-slack.js';
import { HISTORY_VULNS, lockfileVuln, scanHistory, trivyReport, type TrivyVuln } from '../support/reports.js';
import { until } from '../support/wait.js';
import { fixedClock } from '../support/clock.js';

type Json = Record<string, any>;
const POLICY = new URL('../fixtures/digests-e2e.policy.yaml', import.meta.url).pathname;
const MIN = 60_000;
const HOUR = 3_600_000;
/** Tue 2026-12-01 13:00Z: 08:00 in New York, an hour before the Payments digest. */
const T0 = Date.parse('2026-12-01T13:00:00.000Z');
const at = (iso: string) => Date.parse(iso);

const PAYMENTS = { slack: 'C0PAYMENTS', discord: '222222222222222222' };
const PLATFORM = { slack: 'C0PLATFORM', discord: '222222222222222223' };
const SLACK = { alice: 'U0ALICE', bob: 'U0BOB', carol: 'U0CAROL', dave: 'U0DAVE' };

const V = { ...HISTORY_VULNS, fresh: lockfileVuln('CVE-2026-1007', 'debug', 'LOW') };
const IMPORTS = scanHistory(T0);

async function importAt(url: string, dir: Directory, when: number, vulns: TrivyVuln[]) {
  const store = await openStore({ url });
  try {
    const r = await importReport(
      { store, clock: fixedClock(when), dir },
      { serviceId: 'payments-api', input: trivyReport(vulns), actor: { platform: 'cli' }, by: 'cli:test' },
    );
    if (!r.ok) throw new Error(r.reason);
  } finally {
    await store.close();
  }
}

const buttonsOf = (blocks: unknown) =>
  ((blocks as Json[]) ?? [])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements as Json[])
    .map((e) => ({ action_id: e.action_id as string, value: e.value as string, label: e.text.text as string }));
const slackText = (m: { text?: string; blocks?: unknown }) => [m.text ?? '', ...strings(m.blocks)].join('\n');
const labels = (m: Json) =>
  ((m.components ?? []) as Json[]).flatMap((r) => r.components.map((c: Json) => c.label as string));

describe('patch digests on Slack and Discord, across a restart', () => {
  const clock = new ManualClock(T0, { realTimers: true });
  const db = createSqliteDatabase();
  let slack: FakeSlack;
  let discord: FakeDiscord;
  let running: RunningSteward | undefined;
  let sim: SlackClientSim;
  const id: Record<keyof typeof V, number> = {} as never;

  /** One Steward on Slack and Discord (the same two workspaces and database each time). */
  async function start(): Promise<RunningSteward> {
    const logs = new LogCapture();
    try {
      running = await startSteward(
        loadSettings({
          NODE_ENV: 'test',
          DATABASE_URL: db.url,
          PORT: '0',
          HOST: '127.0.0.1',
          STEWARD_CONSOLE: 'off',
          LOG_LEVEL: 'info',
          STEWARD_CONFIG: POLICY,
          SLACK_BOT_TOKEN: BOT_TOKEN,
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: slack.apiUrl,
          DISCORD_TOKEN: DISCORD_TEST_TOKEN,
          DISCORD_APPLICATION_ID: discord.applicationId,
          DISCORD_API_URL: discord.apiUrl,
        }),
        { clock, logDestination: logs },
      );
    } catch (err) {
      throw new Error(`Steward did not start: ${(err as Error).message}\nlogs:\n${logs.text}`, { cause: err });
    }
    sim = new SlackClientSim({ url: `http://127.0.0.1:${running.port}`, signingSecret: SIGNING_SECRET, fake: slack });
    return running;
  }
  function rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] {
    const conn = new Database(sqlitePath(db.url), { readonly: true, fileMustExist: true, timeout: 5_000 });
    try {
      return conn.prepare(sql).all(...params) as T[];
    } finally {
      conn.close();
    }
  }
  /** Every due side effect carried out. */
  const drained = () =>
    until(
      'the outbox to drain',
      () => rows<{ n: number }>("select count(*) as n from outbox_item where state = 'pending'")[0]!.n === 0,
    );
  const steward = () => running!.steward;

  beforeAll(async () => {
    slack = await FakeSlack.start({
      botToken: BOT_TOKEN,
      appToken: APP_TOKEN,
      users: [...Object.values(SLACK_USERS), { id: SLACK.dave, name: 'dave', real_name: 'Dave Ops' }],
      channels: [
        { id: 'C0GENERAL', name: 'general' },
        { id: PAYMENTS.slack, name: 'payments' },
        { id: PLATFORM.slack, name: 'platform' },
        { id: 'C0INCIDENTS', name: 'incidents' },
      ],
    });
    discord = await FakeDiscord.start({
      token: DISCORD_TEST_TOKEN,
      users: POLICY_USERS,
      guild: {
        ...INCIDENTS_GUILD_SEED,
        channels: [
          ...INCIDENTS_GUILD_SEED.channels!,
          { id: PAYMENTS.discord, name: 'payments', type: 0 },
          { id: PLATFORM.discord, name: 'platform', type: 0 },
        ],
      },
    });
    await start();
    // The reminders' first tick at start has run (before the findings exist).
    await until(
      'the first patch-notices tick',
      () => rows("select name from lease where name = 'job:patch-notices'").length === 1,
    );
    for (const [when, vulns] of IMPORTS) await importAt(db.url, steward().dir, when, vulns);
    for (const [k, v] of Object.entries(V)) {
      const row = rows<{ id: number }>('select id from finding where vuln_id = ?', v.id)[0];
      if (row) id[k as keyof typeof V] = row.id;
    }
  });
  afterAll(async () => {
    await running?.shutdown('test');
    await slack?.close();
    await discord?.close();
    await db.drop();
  });

  const slackCards = (channel: string) =>
    slack.channelMessages(channel).filter((m) => m.bot_id && slackText(m).includes('Patch SLA digest'));
  const discordCards = (channel: string) =>
    discord
      .messages(channel)
      .filter((m) => (m.embeds ?? []).some((e: Json) => String(e.title).startsWith('Patch SLA digest')));
  const reply = async (click: Awaited<ReturnType<SlackClientSim['blockAction']>>) =>
    (await slack.waitForResponse((r) => click.sent.response_url.endsWith(r.id))).body;
  /** A Slack card as read: header, first section, the other sections, buttons, context. */
  const slackCard = (m: { blocks?: unknown }) => {
    const blocks = (m.blocks ?? []) as Json[];
    const sections = blocks
      .filter((b) => b.type === 'section')
      .map((b) => (b.text ? (b.text.text as string) : (b.fields as Json[]).map((f) => f.text as string).join('\n')));
    return {
      title: blocks[0]!.text.text as string,
      body: sections[0],
      sections: sections.slice(1),
      buttons: buttonsOf(blocks).map((b) => b.label),
      context: blocks
        .filter((b) => b.type === 'context')
        .flatMap((b) => b.elements.map((e: Json) => e.text as string))
        .join(''),
    };
  };
  const discordCard = (m: Json) => {
    const e = m.embeds[0];
    return {
      title: e.title,
      body: e.description,
      sections: (e.fields ?? []).map((f: Json) => `${f.name}\n${f.value}`),
      buttons: labels(m),
      context: e.footer?.text ?? '',
    };
  };
  const slackDate = (iso: string) =>
    `<!date^${Date.parse(iso) / 1000}^{date_short_pretty} {time}|${new Date(iso).toISOString()}>`;
  const discordDate = (iso: string) => `<t:${Date.parse(iso) / 1000}:f>`;
  const dmMessages = (user: string) => discord.messages(discord.dmChannelFor(user).id);

  it('09:00 in New York: one digest card in the Payments channel on Slack and on Discord; its buttons; /patch digest shows the same counts', async () => {
    expect(Object.values(id)).toHaveLength(6);
    await clock.advance(HOUR - 1);
    expect(await running!.calendar.runDue()).toEqual([]);
    await clock.advance(1);
    const outcomes = await running!.calendar.runDue();
    expect(outcomes).toEqual([
      {
        job: 'patch-digest',
        scope: 'payments',
        key: 'patch-digest:payments',
        occurrence: new Date('2026-12-01T14:00:00.000Z'),
        late: false,
        result: 'done',
      },
    ]);
    await drained();

    const soon = '2026-12-06T13:00:00.000Z';
    const overdue = `Overdue: 1 critical · 1 high`;
    const slackCards1 = slackCards(PAYMENTS.slack);
    expect(slackCards1).toHaveLength(1);
    expect(slackCard(slackCards1[0]!)).toEqual({
      title: ':rotating_light: Patch SLA digest · Payments',
      body: '*2 overdue* · 2 due within 7 days · 6 open',
      sections: [
        `*${overdue}*\n*F-${id.critical}* critical CVE-2026-1005 · openssl-wrap 1.0.0 · payments-api · 3d overdue\n*F-${id.oldHigh}* high CVE-2026-1001 · left-pad 1.0.0 · payments-api · 10d overdue`,
        `*Due within 7 days: 1 critical · 1 high*\n*F-${id.soonHigh}* high CVE-2026-1004 · lodash 1.0.0 · payments-api · due ${slackDate(soon)}\n*F-${id.soonCritical}* critical CVE-2026-1006 · tar 1.0.0 · payments-api · due ${slackDate(soon)}`,
      ],
      buttons: ['Show all overdue', 'Request exception'],
      context: 'First digest for this team: nothing earlier to compare with.',
    });
    const discordCards1 = discordCards(PAYMENTS.discord);
    expect(discordCards1).toHaveLength(1);
    expect(discordCard(discordCards1[0]!)).toEqual({
      title: 'Patch SLA digest · Payments',
      body: '**2 overdue** · 2 due within 7 days · 6 open',
      sections: [
        `${overdue}\n**F-${id.critical}** critical CVE-2026-1005 · openssl-wrap 1.0.0 · payments-api · 3d overdue\n**F-${id.oldHigh}** high CVE-2026-1001 · left-pad 1.0.0 · payments-api · 10d overdue`,
        `Due within 7 days: 1 critical · 1 high\n**F-${id.soonHigh}** high CVE-2026-1004 · lodash 1.0.0 · payments-api · due ${discordDate(soon)}\n**F-${id.soonCritical}** critical CVE-2026-1006 · tar 1.0.0 · payments-api · due ${discordDate(soon)}`,
      ],
      buttons: ['Show all overdue', 'Request exception'],
      context: 'First digest for this team: nothing earlier to compare with.',
    });
    // Platform's 09:00 is in Chicago, an hour later: nothing in its channels yet.
    expect([slackCards(PLATFORM.slack).length, discordCards(PLATFORM.discord).length]).toEqual([0, 0]);
    expect(rows('select team, occurrence, late, overdue from patch_digest')).toEqual([
      { team: 'payments', occurrence: '2026-12-01T14:00:00.000+00:00', late: 0, overdue: 2 },
    ]);

    // Show all overdue: bob's own list, the channel's card left as it is.
    const card = slackCards1[0]!;
    const [show, request] = buttonsOf(card.blocks);
    const list = await reply(
      await sim.blockAction({
        action_id: show!.action_id,
        user: SLACK.bob,
        channel: PAYMENTS.slack,
        message_ts: card.ts,
      }),
    );
    expect(list.response_type).toBe('ephemeral');
    expect(list.replace_original).toBe(false);
    expect(slackCard(list)).toMatchObject({
      title: ':rotating_light: Overdue findings · team Payments',
      body: 'Showing 1–2 of 2, worst first.',
    });
    expect(slackCard(list).sections.map((t) => t.split('\n')[0])).toEqual([
      `*F-${id.oldHigh} · HIGH · CVE-2026-1001*`,
      `*F-${id.critical} · CRITICAL · CVE-2026-1005*`,
    ]);
    expect(slackCard(slack.message(PAYMENTS.slack, card.ts)!).buttons).toEqual([
      'Show all overdue',
      'Request exception',
    ]);

    // Request exception: a form that asks which finding (the worst overdue as the example).
    const mark = slack.mark;
    await sim.blockAction({
      action_id: request!.action_id,
      user: SLACK.bob,
      channel: PAYMENTS.slack,
      message_ts: card.ts,
    });
    const open = await slack.waitFor('views.open', (c) => c.seq >= mark);
    expect(open.body.view.title.text).toBe('Request a risk exception');
    expect(open.body.view.blocks.map((b: Json) => [b.block_id, b.label.text])).toEqual([
      ['finding', 'Finding'],
      ['justification', 'Justification'],
      ['until', 'Until'],
    ]);
    expect(open.body.view.blocks[0].element.placeholder.text).toBe(`F-${id.critical}`);

    // /patch digest, typed by bob (Payments): the same counts, to him alone, compared with the digest just posted.
    const typed = await sim.slashCommand({
      command: '/patch',
      text: 'digest',
      user_id: SLACK.bob,
      channel_id: 'C0GENERAL',
    });
    expect(typed.json.response_type).toBe('ephemeral');
    expect(slackCard(typed.json)).toEqual({
      ...slackCard(card),
      body: '*2 overdue* (unchanged since the last digest) · 2 due within 7 days · 6 open · 0 new, 0 fixed since the last digest',
      context: `Compared with the digest of ${slackDate('2026-12-01T14:00:00.000Z')}.`,
    });
    // On Discord, dave (Platform) names the team; the reply is ephemeral.
    const onDiscord = await discord.sendInteraction(
      discord.chatInput({
        name: 'patch',
        subcommand: 'digest',
        options: { team: 'payments' },
        user: POLICY_DISCORD.dave,
      }),
    );
    expect(onDiscord.body.data.flags).toBe(64);
    expect(discordCard(onDiscord.body.data)).toMatchObject({
      title: 'Patch SLA digest · Payments',
      body: '**2 overdue** (unchanged since the last digest) · 2 due within 7 days · 6 open · 0 new, 0 fixed since the last digest',
    });
    // Still one digest card per platform in the channel; the on-demand ones are recorded nowhere.
    expect([
      slackCards(PAYMENTS.slack).length,
      discordCards(PAYMENTS.discord).length,
      rows('select id from patch_digest').length,
    ]).toEqual([1, 1, 1]);
  });

  it('09:00 in Chicago: Platform, with no findings, gets its all-clear; Payments gets nothing more', async () => {
    await clock.advance(HOUR);
    expect(await running!.calendar.runDue()).toEqual([
      {
        job: 'patch-digest',
        scope: 'platform',
        key: 'patch-digest:platform',
        occurrence: new Date('2026-12-01T15:00:00.000Z'),
        late: false,
        result: 'done',
      },
    ]);
    await drained();
    const [sc] = slackCards(PLATFORM.slack);
    expect(slackCard(sc!)).toEqual({
      title: ':white_check_mark: Patch SLA digest · Platform',
      body: '*All clear:* no open findings.',
      sections: [],
      buttons: [],
      context: 'First digest for this team: nothing earlier to compare with.',
    });
    expect(discordCards(PLATFORM.discord).map(discordCard)).toEqual([
      {
        title: 'Patch SLA digest · Platform',
        body: '**All clear:** no open findings.',
        sections: [],
        buttons: [],
        context: 'First digest for this team: nothing earlier to compare with.',
      },
    ]);
    expect([slackCards(PAYMENTS.slack).length, discordCards(PAYMENTS.discord).length]).toEqual([1, 1]);
  });

  it("the digest's Request exception: bob names the finding in the form (an unknown one is a field error), alice approves on Discord", async () => {
    await clock.advance(15 * MIN); // Tue 15:15Z
    const card = slackCards(PAYMENTS.slack)[0]!;
    const request = buttonsOf(card.blocks).find((b) => b.label === 'Request exception')!;
    const mark = slack.mark;
    await sim.blockAction({
      action_id: request.action_id,
      user: SLACK.bob,
      channel: PAYMENTS.slack,
      message_ts: card.ts,
    });
    const open = await slack.waitFor('views.open', (c) => c.seq >= mark);
    const justification = field.text('Only reachable from the admin network; the upgrade ships next sprint.');
    const unknown = await sim.viewSubmission({
      view_id: open.response.view.id,
      user: SLACK.bob,
      values: { finding: field.text('F-999'), justification, until: field.text('2d') },
    });
    expect(unknown.json).toEqual({ response_action: 'errors', errors: { finding: 'There is no finding F-999.' } });
    expect(rows('select id from exception')).toEqual([]);
    const okSubmit = await sim.viewSubmission({
      view_id: open.response.view.id,
      user: SLACK.bob,
      values: { finding: field.text(`F-${id.oldHigh}`), justification, until: field.text('2d') },
    });
    expect(okSubmit.body).toBe('');
    await drained();
    const approver = await until('alice asked on Discord', () =>
      dmMessages(POLICY_DISCORD.alice).find((m) => customIds(m).includes('st1|exception.approve|1')),
    );
    const cb = await discord.sendInteraction(
      discord.button({
        customId: 'st1|exception.approve|1',
        message: approver.id,
        user: POLICY_DISCORD.alice,
        guildId: null,
        channelId: approver.channel_id,
      }),
    );
    expect(cb.body.data.embeds[0]).toMatchObject({
      title: 'You approved EXC-1',
      description: 'EXC-1 is now accepted.',
    });
    expect(rows('select number, finding_id, state, until from exception')).toEqual([
      { number: 1, finding_id: id.oldHigh, state: 'accepted', until: '2026-12-03T15:15:00.000+00:00' },
    ]);
  });

  it('a restart past the next 09:00: the missed digest is posted once, marked late, against the last one; runDue then posts nothing', async () => {
    await clock.advance(5 * MIN); // Tue 15:20Z
    const dir = steward().dir;
    await running!.shutdown('restart');
    running = undefined;
    const before = {
      slack: slackCards(PAYMENTS.slack).length,
      discord: discordCards(PAYMENTS.discord).length,
      platform: slackCards(PLATFORM.slack).length,
    };
    expect(before).toEqual({ slack: 1, discord: 1, platform: 1 });
    // While Steward is down (Wed 10:00Z) a new report: qs is fixed, debug is new.
    await clock.advance(at('2026-12-02T10:00:00.000Z') - clock.now().getTime());
    await importAt(db.url, dir, clock.now().getTime(), [
      V.oldHigh,
      V.low,
      V.soonHigh,
      V.critical,
      V.soonCritical,
      V.fresh,
    ]);
    // Back at Wed 16:00Z: Payments' 09:00 (14:00Z) and Platform's (15:00Z) passed while down.
    await clock.advance(6 * HOUR);
    await start();
    await drained();
    const late = slackCards(PAYMENTS.slack).slice(before.slack);
    expect(late).toHaveLength(1);
    const soon = '2026-12-06T13:00:00.000Z';
    expect(slackCard(late[0]!)).toEqual({
      title: ':rotating_light: Patch SLA digest · Payments',
      // bob's exception takes F-1 out of the overdue count; qs was fixed and debug is new.
      body: '*1 overdue* (▼ 1 since the last digest) · 2 due within 7 days · 6 open · 1 new, 1 fixed since the last digest · 1 under a risk exception',
      sections: [
        `*Overdue: 1 critical*\n*F-${id.critical}* critical CVE-2026-1005 · openssl-wrap 1.0.0 · payments-api · 4d overdue`,
        `*Due within 7 days: 1 critical · 1 high*\n*F-${id.soonHigh}* high CVE-2026-1004 · lodash 1.0.0 · payments-api · due ${slackDate(soon)}\n*F-${id.soonCritical}* critical CVE-2026-1006 · tar 1.0.0 · payments-api · due ${slackDate(soon)}`,
        `*Risk exceptions ending within 14 days: 1*\n*EXC-1* on F-${id.oldHigh} · payments-api · ends ${slackDate('2026-12-03T15:15:00.000Z')}`,
      ],
      buttons: ['Show all overdue', 'Request exception'],
      context: `Posted late: the digest of ${slackDate('2026-12-02T14:00:00.000Z')} was missed while Steward was down. Compared with the digest of ${slackDate('2026-12-01T14:00:00.000Z')}.`,
    });
    const dcards = discordCards(PAYMENTS.discord);
    expect(dcards).toHaveLength(before.discord + 1);
    expect(discordCard(dcards[dcards.length - 1]!)).toMatchObject({
      body: '**1 overdue** (▼ 1 since the last digest) · 2 due within 7 days · 6 open · 1 new, 1 fixed since the last digest · 1 under a risk exception',
      context:
        'Posted late: the digest of 2026-12-02 14:00 UTC was missed while Steward was down. Compared with the digest of 2026-12-01 14:00 UTC.',
    });
    expect(
      slackCards(PLATFORM.slack)
        .slice(before.platform)
        .map((m) => slackCard(m).body),
    ).toEqual(['*All clear:* no open findings. · 0 new, 0 fixed since the last digest']);
    expect(rows('select job, occurrence, late, state from job_run order by id')).toEqual([
      { job: 'patch-digest:payments', occurrence: '2026-12-01T14:00:00.000+00:00', late: 0, state: 'done' },
      { job: 'patch-digest:platform', occurrence: '2026-12-01T15:00:00.000+00:00', late: 0, state: 'done' },
      { job: 'patch-digest:payments', occurrence: '2026-12-02T14:00:00.000+00:00', late: 1, state: 'done' },
      { job: 'patch-digest:platform', occurrence: '2026-12-02T15:00:00.000+00:00', late: 1, state: 'done' },
    ]);
    expect(rows("select occurrence, late, overdue, at from patch_digest where team = 'payments' order by id")).toEqual([
      { occurrence: '2026-12-01T14:00:00.000+00:00', late: 0, overdue: 2, at: '2026-12-01T14:00:00.000+00:00' },
      { occurrence: '2026-12-02T14:00:00.000+00:00', late: 1, overdue: 1, at: '2026-12-02T16:00:00.000+00:00' },
    ]);
    expect(await running!.calendar.runDue()).toEqual([]);
    await drained();
    expect([
      slackCards(PAYMENTS.slack).length,
      discordCards(PAYMENTS.discord).length,
      slackCards(PLATFORM.slack).length,
    ]).toEqual([before.slack + 1, before.discord + 1, before.platform + 1]);
  });

  it('an accepted exception expires: the next digest counts it, and its finding is overdue again', async () => {
    // Thu 09:00 in New York, on time: the exception still holds.
    await clock.advance(at('2026-12-03T14:00:00.000Z') - clock.now().getTime());
    expect(await running!.calendar.runDue()).toEqual([
      {
        job: 'patch-digest',
        scope: 'payments',
        key: 'patch-digest:payments',
        occurrence: new Date('2026-12-03T14:00:00.000Z'),
        late: false,
        result: 'done',
      },
    ]);
    await drained();
    const thursday = slackCards(PAYMENTS.slack).at(-1)!;
    expect(slackCard(thursday).body).toBe(
      '*1 overdue* (unchanged since the last digest) · 2 due within 7 days · 6 open · 0 new, 0 fixed since the last digest · 1 under a risk exception',
    );
    expect(slackCard(thursday).context).toBe(`Compared with the digest of ${slackDate('2026-12-02T16:00:00.000Z')}.`);

    // Thu 15:15Z: EXC-1 ends.
    await clock.advance(at('2026-12-03T15:15:00.000Z') - clock.now().getTime());
    const expire = steward()
      .jobs()
      .interval.find((j) => j.name === 'exceptions-expire')!;
    await expire.run(clock.now());
    expect(rows('select state, expired_at from exception')).toEqual([
      { state: 'expired', expired_at: '2026-12-03T15:15:00.000+00:00' },
    ]);
    await drained();

    // Fri 09:00 in New York (Platform's Thursday 09:00 in Chicago runs in the same step).
    await clock.advance(at('2026-12-04T14:00:00.000Z') - clock.now().getTime());
    const outcomes = await running!.calendar.runDue();
    expect(outcomes.map((o) => [o.scope, o.occurrence.toISOString(), o.late, o.result]).sort()).toEqual([
      ['payments', '2026-12-04T14:00:00.000Z', false, 'done'],
      ['platform', '2026-12-03T15:00:00.000Z', false, 'done'],
    ]);
    await drained();
    const friday = slackCards(PAYMENTS.slack).at(-1)!;
    expect(slackCards(PAYMENTS.slack)).toHaveLength(4);
    expect(slackCard(friday)).toMatchObject({
      body: '*2 overdue* (▲ 1 since the last digest) · 2 due within 7 days · 6 open · 0 new, 0 fixed since the last digest\n1 risk exception expired since the last digest: its finding counts again.',
      sections: [
        `*Overdue: 1 critical · 1 high*\n*F-${id.critical}* critical CVE-2026-1005 · openssl-wrap 1.0.0 · payments-api · 6d overdue\n*F-${id.oldHigh}* high CVE-2026-1001 · left-pad 1.0.0 · payments-api · 13d overdue`,
        expect.stringMatching(/^\*Due within 7 days: 1 critical · 1 high\*/),
      ],
    });
    expect(discordCard(discordCards(PAYMENTS.discord).at(-1)!).body).toBe(
      '**2 overdue** (▲ 1 since the last digest) · 2 due within 7 days · 6 open · 0 new, 0 fixed since the last digest\n1 risk exception expired since the last digest: its finding counts again.',
    );
    // /patch list overdue on Discord: F-1 is back.
    const list = await discord.sendInteraction(
      discord.chatInput({
        name: 'patch',
        subcommand: 'list',
        options: { scope: 'payments', overdue: 'overdue' },
        user: POLICY_DISCORD.bob,
      }),
    );
    expect((list.body.data.embeds[0].fields as Json[]).map((f) => f.name.split(' ')[0])).toEqual([
      `F-${id.oldHigh}`,
      `F-${id.critical}`,
    ]);
  });
});

describe('patch digests on the console', () => {
  const db = createSqliteDatabase();
  const clock = new ManualClock(T0, { realTimers: true });
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  let running: RunningSteward | undefined;

  beforeAll(async () => {
    running = await startSteward(
      loadSettings({
        DATABASE_URL: db.url,
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        STEWARD_CONSOLE: 'on',
        STEWARD_CONSOLE_USER: 'bob',
        STEWARD_CONFIG: POLICY,
      }),
      { stdin, stdout, clock, logDestination: new LogCapture() },
    );
    await until(
      'the first patch-notices tick',
      () => rows("select name from lease where name = 'job:patch-notices'").length === 1,
    );
    for (const [when, vulns] of IMPORTS) await importAt(db.url, running.steward.dir, when, vulns);
  });
  function rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] {
    const conn = new Database(sqlitePath(db.url), { readonly: true, fileMustExist: true, timeout: 5_000 });
    try {
      return conn.prepare(sql).all(...params) as T[];
    } finally {
      conn.close();
    }
  }
  const id = (k: keyof typeof V) => rows<{ id: number }>('select id from finding where vuln_id = ?', V[k].id)[0]!.id;
  afterAll(async () => {
    stdin.end();
    await running?.shutdown('test');
    await db.drop();
  });

  /** Types `line`; resolves with what is printed after it once `expected` appears. */
  async function type(line: string, expected: string | RegExp): Promise<string> {
    const from = out.length;
    stdin.write(`${line}\n`);
    const seen = () => {
      const after = out.slice(from);
      return (typeof expected === 'string' ? after.includes(expected) : expected.test(after)) && after;
    };
    return until(`${JSON.stringify(expected)} after typing ${JSON.stringify(line)}\n--- output ---\n${out}`, seen);
  }

  it('/patch digest <team> prints the counts; at 09:00 in New York the digest is posted in #payments, its button pressed by number', async () => {
    const shown = await type('/patch digest payments', /└─+\n/);
    expect(shown).toContain('┌─ !! Patch SLA digest · Payments ─');
    expect(shown).toContain('│ 2 overdue · 2 due within 7 days · 6 open\n│ ▸ Overdue: 1 critical · 1 high\n');
    expect(shown).toContain(
      `│   F-${id('critical')} critical CVE-2026-1005 · openssl-wrap 1.0.0 · payments-api · 3d overdue\n│   F-${id('oldHigh')} high CVE-2026-1001 · left-pad 1.0.0 · payments-api · 9d overdue\n`,
    );
    expect(shown).toContain('│ ▸ Due within 7 days: 1 critical · 1 high\n');
    expect(shown).toContain('│ [1] Show all overdue  [2] Request exception\n');
    // Without a team: bob's own (Payments).
    expect(await type('/patch digest', /└─+\n/)).toContain('│ 2 overdue · 2 due within 7 days · 6 open\n');
    const unknown = await type('/patch digest nope', 'There is no team "nope".');
    expect(unknown).toContain('Teams: payments, platform');

    await clock.advance(HOUR);
    const from = out.length;
    expect((await running!.calendar.runDue()).map((o) => [o.scope, o.result])).toEqual([['payments', 'done']]);
    const posted = await until(
      'the digest in #payments',
      () => /\[#payments\] message \d+\n┌─ !! Patch SLA digest · Payments ─+\n[\s\S]*?└─+\n/.exec(out.slice(from))?.[0],
    );
    expect(posted).toContain('│ 2 overdue · 2 due within 7 days · 6 open\n');
    expect(posted).toContain('│ · First digest for this team: nothing earlier to compare with.\n');
    expect(out.match(/\] message \d+\n┌─ !! Patch SLA digest/g)).toHaveLength(1);
    // [1] of the posted card: Show all overdue.
    const list = await type('1', /└─+\n/);
    expect(list).toContain('┌─ !! Overdue findings · team Payments ─');
    expect(list).toContain('│ Showing 1–2 of 2, worst first.\n');
    expect([...list.matchAll(/▸ (F-\d+) ·/g)].map((m) => m[1])).toEqual([`F-${id('oldHigh')}`, `F-${id('critical')}`]);
  });
});
