// Incidents from Slack and Discord through the real dispatcher (commands as the platforms send
// them, in the channel they come from; buttons through the real action codec, forms through the
// real form codec, pins as the adapters hand them over) in front of the real Steward core and
// store (SQLite and PostgreSQL), with a recording chat platform standing for Slack or Discord and a
// clock the test moves: roles, updates in the war room and the announcement's thread, the list,
// status changes, who may resolve, the postmortem draft, the timeline and the stats. The wire
// itself (modals, channels, invitations, pins and reactions, mentions, retries) is tested in the
// *.e2e.test.ts files of this folder.
import { afterEach, expect, it } from 'vitest';
import { loadPolicyFile } from '../../src/config/policy.js';
import { type Card, type Reply, type Rich, plain } from '../../src/core/card.js';
import type { Platform } from '../../src/core/platform.js';
import { Steward } from '../../src/core/steward.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { encodeForm } from '../../src/render/form-codec.js';
import { openStore } from '../../src/store/index.js';
import { ManualClock } from '../support/clock.js';
import { forEachDialect } from '../support/databases.js';
import { ChatRecorder, chatOf, codeOf, said } from '../support/dispatch.js';

const policy = new URL('../../manifests/policy.example.yaml', import.meta.url).pathname;
const SLACK = { alice: 'U0ALICE', bob: 'U0BOB', carol: 'U0CAROL' } as const;
const DISCORD = {
  alice: '111111111111111111',
  bob: '111111111111111112',
  carol: '111111111111111113',
  stranger: '999999999999999999',
} as const;
/** The policy's announcement channels (incidents.announce). */
const ANNOUNCE = { slack: 'C0INCIDENTS', discord: '333333333333333333' } as const;
const ROOM = 'inc-1-database-down';
const T0 = Date.UTC(2025, 2, 3, 9, 0, 0);
const MIN = 60_000;

const fieldOf = (c: Card, label: string): Rich => {
  const f = c.fields?.find((x) => x.label === label);
  if (!f) throw new Error(`no field "${label}" in ${c.title}`);
  return f.value;
};
const mentioned = (r: Rich, platform: 'slack' | 'discord') =>
  r.flatMap((s) => (s.t === 'user' ? [s[platform] ?? `(${s.name})`] : []));
const channels = (r: Rich, platform: 'slack' | 'discord') =>
  r.flatMap((s) => (s.t === 'channel' ? [s[platform] ?? `(${s.name})`] : []));
/** Everything a reply shows: titles, bodies, fields, sections and small print. */
const shown = (r: Reply) =>
  r.cards
    .flatMap((c) => [
      c.title,
      plain(c.body ?? []),
      ...(c.fields ?? []).map((f) => `${f.label}\n${plain(f.value)}`),
      ...(c.sections ?? []).map((s) => `${s.heading ?? ''}\n${plain(s.body)}`),
      plain(c.context ?? []),
    ])
    .join('\n');

await forEachDialect('incidents from chat', ({ createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup(platform: Exclude<Platform, 'console'>) {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const clock = new ManualClock(T0);
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    const steward = new Steward({ store, clock, policy: loadPolicyFile(policy), modules: STANDARD_MODULES });
    cleanup.push(() => steward.outbox.stop());
    const gw = new ChatRecorder(platform);
    steward.gateways.set(platform, gw);
    const chat = chatOf(steward);
    const settled = () => chat.dispatcher.settled();
    const incident = async () => (await store.transaction((tx) => tx.incidents.byNumber(1)))!;
    const timeline = async () => {
      const i = await incident();
      return store.transaction((tx) => tx.incidents.timeline(i.id));
    };
    const audit = async (action: string) =>
      (await store.auditReader.page(0, 10_000)).filter((a) => a.action === action).length;
    /** The pinned summary in the war room and the announcement, as last edited. */
    const summary = () => gw.sentTo(ROOM, 'INC-1 · Database down')[0]!;
    const announcement = () => gw.sentTo(ANNOUNCE[platform], 'INC-1 · Database down')[0]!;
    const now = (m: { versions: Reply[] }) => m.versions.at(-1)!.cards[0]!;
    return { store, steward, gw, chat, clock, settled, incident, timeline, audit, summary, announcement, now };
  }
  type T = Awaited<ReturnType<typeof setup>>;

  // ---- Slack ----

  const slack = (t: T, user: string, text: string, channelId: string = ROOM) =>
    t.chat.command('slack', user, 'incident', text, channelId);

  /** INC-1 "Database down" declared by alice from #general on Slack: war room, summary, announcement. */
  async function slackDeclared(t: T) {
    const opened = await slack(t, SLACK.alice, 'declare Database down', 'C0GENERAL');
    const done = await t.chat.submit(
      'slack',
      SLACK.alice,
      opened.form!,
      {
        title: 'Database down',
        severity: 'SEV1',
        service: 'payments-api',
        summary: 'Checkout fails with 502 for every card payment',
      },
      'C0GENERAL',
    );
    expect(done.reply.cards[0]!.title).toBe('INC-1 declared');
    await t.settled();
    expect((await t.incident()).warRoom).toMatchObject({ state: 'ready', channelId: ROOM });
  }

  /**
   * The story of INC-1 on Slack up to the point it is resolved: scribe at +5m, an update at +7m,
   * bob's message pinned at +8m, monitoring at +20m.
   */
  async function slackWalk(t: T) {
    await slackDeclared(t);
    await t.clock.advance(5 * MIN);
    await slack(t, SLACK.alice, 'role scribe <@U0BOB|bob>');
    await t.clock.advance(2 * MIN);
    await slack(t, SLACK.alice, 'update Rolled back');
    await t.clock.advance(MIN);
    expect(
      await t.chat.dispatcher.pinned('slack', ROOM, {
        messageId: `${(T0 + 8 * MIN) / 1000}.000200`,
        authorId: SLACK.bob,
        authorName: 'Bob Builder',
        text: 'Error rate back to normal after the rollback',
        at: new Date(T0 + 8 * MIN),
        pinnedBy: SLACK.carol,
      }),
    ).toBe(true);
    await t.clock.advance(12 * MIN);
    const monitoring = await slack(t, SLACK.alice, 'status monitoring Error rate normal since the rollback');
    expect(said(monitoring)).toContain('Status investigating → monitoring');
    await t.settled();
  }

  it('Slack: /incident role scribe <@U0BOB|bob> in the war room DMs bob the scribe instructions and edits the summary and the announcement in place', async () => {
    const t = await setup('slack');
    await slackDeclared(t);
    await t.clock.advance(5 * MIN);
    const before = t.gw.messages.length;
    const res = await slack(t, SLACK.alice, 'role scribe <@U0BOB|bob>');
    expect(res.visibility).toBe('ephemeral');
    expect(said(res)).toContain('INC-1: Bob Builder is now scribe');
    await t.settled();

    const [dm] = t.gw.sentTo(`@${SLACK.bob}`);
    const instructions = dm!.versions[0]!;
    expect(shown(instructions)).toContain('You are scribe for INC-1');
    expect(shown(instructions)).toContain('You keep the record: pin key messages with 📌');
    expect(channels(fieldOf(instructions.cards[0]!, 'War room'), 'slack')).toEqual([ROOM]);

    for (const m of [t.summary(), t.announcement()]) {
      expect(m.versions.length, m.channelId).toBeGreaterThan(1);
      const roles = fieldOf(t.now(m), 'Roles');
      expect(plain(roles)).toContain('scribe: @Bob Builder');
      expect(mentioned(roles, 'slack')).toContain(SLACK.bob);
    }
    // Edited, not reposted: the only new message is bob's.
    expect(t.gw.messages.slice(before).map((m) => m.channelId)).toEqual([`@${SLACK.bob}`]);
    expect((await t.incident()).roles).toEqual({ commander: 'alice', scribe: 'bob' });
  });

  it('Slack: /incident update Rolled back is posted in the war room and in the announcement’s thread', async () => {
    const t = await setup('slack');
    await slackDeclared(t);
    await t.clock.advance(2 * MIN);
    const before = t.gw.messages.length;
    const res = await slack(t, SLACK.alice, 'update Rolled back');
    expect(said(res)).toContain('INC-1: Rolled back');
    await t.settled();
    const posted = t.gw.messages.slice(before);
    // One in the war room, one in the announcement's thread (the two are sent in any order).
    expect(posted.map((m) => [m.channelId, m.threadOf]).sort()).toEqual(
      [
        [ROOM, undefined],
        [ANNOUNCE.slack, t.announcement().messageId],
      ].sort(),
    );
    for (const m of posted) {
      const c = m.versions[0]!.cards[0]!;
      expect([c.title, c.tone]).toEqual(['INC-1 update', 'info']);
      expect(plain(c.body!)).toContain('Rolled back');
      expect(mentioned(c.context!, 'slack')).toEqual([SLACK.alice]);
    }
  });

  it('Slack: /incident list shows the open incident with its war room and commander', async () => {
    const t = await setup('slack');
    await slackDeclared(t);
    const res = await slack(t, SLACK.carol, 'list', 'C0GENERAL');
    expect(res.visibility).toBe('ephemeral');
    expect([res.cards[0]!.title, res.cards[0]!.tone]).toEqual(['Open incidents (1)', 'warning']);
    const body = res.cards[0]!.body!;
    expect(plain(body)).toContain('INC-1 SEV1 Database down · Investigating · ');
    expect(channels(body, 'slack')).toEqual([ROOM]);
    expect(plain(body)).toContain('commander @Alice Example');
    expect(mentioned(body, 'slack')).toEqual([SLACK.alice]);
  });

  it('Slack: /incident resolve from carol (not commander, not declarer) is refused with the reason; nothing changes', async () => {
    const t = await setup('slack');
    await slackDeclared(t);
    await t.clock.advance(20 * MIN);
    const monitoring = await slack(t, SLACK.alice, 'status monitoring Error rate normal since the rollback');
    expect(said(monitoring)).toContain('Status investigating → monitoring');
    await t.settled();

    const before = [t.gw.messages.length, t.gw.edited.length];
    const res = await slack(t, SLACK.carol, 'resolve Fixed by rollback');
    expect(res.visibility).toBe('ephemeral');
    expect(said(res)).toBe(
      'Only the commander or declarer may resolve INC-1.: Ask them, or have the commander role assigned to you first.',
    );
    expect(codeOf(res)).toBe('AUTH.FORBIDDEN');
    expect((await t.incident()).status).toBe('monitoring');
    await t.settled();
    expect([t.gw.messages.length, t.gw.edited.length]).toEqual(before);
  });

  it('Slack: /incident resolve from alice resolves INC-1 and posts the Markdown postmortem draft with the response times in the war room', async () => {
    const t = await setup('slack');
    await slackWalk(t);
    await t.clock.advance(10 * MIN); // T0 + 30m
    const before = t.gw.messages.length;
    const res = await slack(t, SLACK.alice, 'resolve Fixed by rollback');
    expect(said(res)).toContain('INC-1: Resolved: Fixed by rollback');
    await t.settled();
    const inc = await t.incident();
    expect(inc).toMatchObject({ status: 'resolved', resolution: 'Fixed by rollback' });
    const md = inc.postmortem!;
    expect(md).toContain('# Postmortem: INC-1 — Database down');
    expect(md).toContain('## Summary\nFixed by rollback');
    expect(md).toContain('| time to acknowledge | 5m |');
    expect(md).toContain('| time to mitigate (first "monitoring") | 20m |');
    expect(md).toContain('| time to resolve | 30m |');
    expect(md).toContain('## Timeline');
    expect(md).toContain('Bob Builder: 📌 Error rate back to normal after the rollback');
    expect(md).toContain('## Action items');

    const draft = t.gw.messages.slice(before).find((m) => m.versions[0]!.cards[0]!.title === 'Postmortem draft: INC-1');
    expect(draft?.channelId).toBe(ROOM);
    expect(draft!.versions[0]!.cards[0]!.tone).toBe('info');
    expect(shown(draft!.versions[0]!)).toContain('## Timeline');
    expect(shown(draft!.versions[0]!)).toContain('| time to resolve | 30m |');
    // The pinned summary now shows the resolution and no buttons.
    expect(t.now(t.summary()).buttons ?? []).toEqual([]);
    expect(shown(t.summary().versions.at(-1)!)).toContain('Resolved');
    expect(t.now(t.announcement()).title).toBe('✅ INC-1 · Database down');
  });

  it('Slack: /incident postmortem INC-1 returns the draft; /incident timeline shows every entry in order', async () => {
    const t = await setup('slack');
    await slackWalk(t);
    await t.clock.advance(10 * MIN);
    await slack(t, SLACK.alice, 'resolve Fixed by rollback');
    await t.settled();

    const pm = await slack(t, SLACK.carol, 'postmortem INC-1', 'C0GENERAL');
    expect([pm.cards[0]!.title, pm.cards[0]!.tone]).toEqual(['Postmortem draft: INC-1', 'info']);
    expect(shown(pm)).toContain('## Timeline');

    const tl = await slack(t, SLACK.alice, 'timeline');
    expect([tl.cards[0]!.title, tl.cards[0]!.tone]).toEqual(['INC-1 timeline', 'info']);
    const body = plain(tl.cards[0]!.body!);
    const order = [
      'Declared as SEV1: Database down',
      `War room #${ROOM} opened`,
      'Bob Builder is now scribe',
      'Rolled back',
      '📌 Error rate back to normal after the rollback',
      'Status investigating → monitoring: Error rate normal since the rollback',
      'Resolved: Fixed by rollback',
    ];
    const positions = order.map((x) => body.indexOf(x));
    for (const [i, p] of positions.entries()) expect(p, order[i]).toBeGreaterThanOrEqual(0);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(plain(tl.cards[0]!.context!)).toBe('7 entries');
    expect((await t.timeline()).map((e) => [e.kind, e.at.getTime() - T0])).toEqual([
      ['declared', 0],
      ['war_room', 0],
      ['role', 5 * MIN],
      ['update', 7 * MIN],
      ['pinned', 8 * MIN],
      ['status', 20 * MIN],
      ['resolved', 30 * MIN],
    ]);
    // The pin, handed over again (a redelivery) or pinned by someone else, adds nothing.
    const again = {
      messageId: `${(T0 + 8 * MIN) / 1000}.000200`,
      authorId: SLACK.bob,
      authorName: 'Bob Builder',
      text: 'Error rate back to normal after the rollback',
      at: new Date(T0 + 8 * MIN),
    };
    expect(await t.chat.dispatcher.pinned('slack', ROOM, { ...again, pinnedBy: SLACK.carol })).toBe(false);
    expect(await t.chat.dispatcher.pinned('slack', ROOM, { ...again, pinnedBy: SLACK.alice })).toBe(false);
    expect(await t.audit('incident.pinned')).toBe(1);
  });

  it('Slack: /incident list has nothing open now; /incident stats 30d counts INC-1 with its MTTA and MTTR', async () => {
    const t = await setup('slack');
    await slackWalk(t);
    await t.clock.advance(10 * MIN);
    await slack(t, SLACK.alice, 'resolve Fixed by rollback');
    await t.settled();

    const list = await slack(t, SLACK.alice, 'list', 'C0GENERAL');
    expect([list.cards[0]!.title, list.cards[0]!.tone]).toEqual(['No open incidents', 'good']);
    const stats = await slack(t, SLACK.alice, 'stats 30d', 'C0GENERAL');
    expect([stats.cards[0]!.title, stats.cards[0]!.tone]).toEqual(['Incident stats, last 30d', 'info']);
    const body = shown(stats);
    expect(body).toContain('1 incidents, 1 closed. All: 1 · MTTA 5m · MTTR 30m');
    expect(body).toContain('By severity\nSEV1: 1 · MTTA 5m · MTTR 30m');
    expect(body).toContain('By service\npayments-api: 1 · MTTA 5m · MTTR 30m');
  });

  // ---- Discord ----

  const discord = (
    t: T,
    user: string,
    subcommand: string,
    options: Parameters<T['chat']['discord']>[3] = {},
    channelId?: string,
  ) => t.chat.discord(user, 'incident', subcommand, options, channelId);

  /** INC-1 "Database down" declared by alice on Discord. */
  async function discordDeclared(t: T) {
    const opened = await discord(t, DISCORD.alice, 'declare', { title: 'Database down' });
    const done = await t.chat.submit('discord', DISCORD.alice, opened.form!, {
      title: 'Database down',
      severity: 'SEV1',
      service: 'payments-api',
      summary: 'Checkout fails with 502',
    });
    expect(done.reply.cards[0]!.title).toBe('INC-1 declared');
    await t.settled();
    expect((await t.incident()).warRoom).toMatchObject({ state: 'ready', channelId: ROOM });
  }

  it('Discord: /incident list shows INC-1 with its war room; a stranger may read it', async () => {
    const t = await setup('discord');
    await discordDeclared(t);
    const res = await discord(t, DISCORD.alice, 'list');
    expect(res.visibility).toBe('ephemeral');
    expect(res.cards[0]!.title).toBe('Open incidents (1)');
    const body = res.cards[0]!.body!;
    expect(plain(body)).toMatch(
      /^INC-1 SEV1 Database down · Investigating · #inc-1-database-down · commander @Alice Example · since \S+$/,
    );
    expect(channels(body, 'discord')).toEqual([ROOM]);
    expect(mentioned(body, 'discord')).toEqual([DISCORD.alice]);
    const stranger = await discord(t, DISCORD.stranger, 'list');
    expect(stranger.cards[0]!.title).toBe('Open incidents (1)');
    // …but may not declare.
    const declare = await discord(t, DISCORD.stranger, 'declare', { title: 'Me too' });
    expect(declare.form).toBeUndefined();
    expect(codeOf(declare)).toBe('AUTH.UNKNOWN_USER');
  });

  it('Discord: /incident role role:scribe user:@bob in the war room: bob gets a DM with the instructions; summary and announcement are edited in place', async () => {
    const t = await setup('discord');
    await discordDeclared(t);
    const before = t.gw.messages.length;
    const res = await discord(
      t,
      DISCORD.alice,
      'role',
      { role: 'scribe', user: { type: 6, value: DISCORD.bob } },
      ROOM,
    );
    expect(res.visibility).toBe('ephemeral');
    expect(res.cards[0]!.title).toBe('INC-1: Bob Builder is now scribe');
    await t.settled();

    const dm = t.gw.sentTo(`@${DISCORD.bob}`)[0]!.versions[0]!.cards[0]!;
    expect(dm.title).toBe('You are scribe for INC-1');
    expect(plain(dm.body!)).toContain('pin key messages with 📌');
    expect(mentioned(fieldOf(dm, 'Assigned by'), 'discord')).toEqual([DISCORD.alice]);
    expect(channels(fieldOf(dm, 'War room'), 'discord')).toEqual([ROOM]);

    for (const m of [t.summary(), t.announcement()]) {
      expect(m.versions.length, m.channelId).toBeGreaterThan(1);
      const roles = fieldOf(t.now(m), 'Roles');
      expect(plain(roles)).toBe('commander: @Alice Example\ncommunications: unassigned\nscribe: @Bob Builder');
      expect(mentioned(roles, 'discord')).toEqual([DISCORD.alice, DISCORD.bob]);
    }
    // Edited, not posted again.
    expect(t.gw.messages.slice(before).map((m) => m.channelId)).toEqual([`@${DISCORD.bob}`]);
    expect((await t.incident()).roles).toEqual({ commander: 'alice', scribe: 'bob' });
    expect((await t.timeline()).at(-1)).toMatchObject({
      kind: 'role',
      actorPerson: 'alice',
      text: 'Bob Builder is now scribe',
    });
  });

  it('Discord: /incident update text:Rolled back: posted in the war room and in a thread of the announcement (the same thread each time)', async () => {
    const t = await setup('discord');
    await discordDeclared(t);
    const before = t.gw.messages.length;
    const res = await discord(t, DISCORD.bob, 'update', { text: 'Rolled back' }, ROOM);
    expect(res.visibility).toBe('ephemeral');
    await t.settled();
    const first = t.gw.messages.slice(before);
    // One in the war room, one in the announcement's thread (the two are sent in any order).
    expect(first.map((m) => [m.channelId, m.threadOf]).sort()).toEqual(
      [
        [ROOM, undefined],
        [ANNOUNCE.discord, t.announcement().messageId],
      ].sort(),
    );
    const inRoom = first.find((m) => m.channelId === ROOM)!.versions[0]!.cards[0]!;
    expect([inRoom.title, plain(inRoom.body!)]).toEqual(['INC-1 update', 'Rolled back']);
    expect(plain(inRoom.context!)).toMatch(/^@Bob Builder · \S+ · Investigating · SEV1$/);
    expect(plain(first.find((m) => m.threadOf)!.versions[0]!.cards[0]!.body!)).toBe('Rolled back');

    const middle = t.gw.messages.length;
    await discord(t, DISCORD.alice, 'update', { text: 'Error rate back to normal' }, ROOM);
    await t.settled();
    expect(
      t.gw.messages
        .filter((m) => m.threadOf === t.announcement().messageId)
        .map((m) => plain(m.versions[0]!.cards[0]!.body!)),
    ).toEqual(['Rolled back', 'Error rate back to normal']);
    expect(t.gw.messages.slice(middle)).toHaveLength(2);
    expect((await t.timeline()).filter((e) => e.kind === 'update').map((e) => [e.actorPerson, e.text])).toEqual([
      ['bob', 'Rolled back'],
      ['alice', 'Error rate back to normal'],
    ]);
  });

  it('Discord: "Update status" on the summary opens its form; the submission changes the status once, even when submitted twice', async () => {
    const t = await setup('discord');
    await discordDeclared(t);
    const opened = await t.chat.click('discord', DISCORD.alice, t.summary().versions[0]!, 'Update status', ROOM);
    const form = opened.form!;
    expect(form.title).toBe('INC-1 status');
    expect(encodeForm(form.target)).toMatch(/^f1\|incident\.status\|1\|[A-Za-z0-9_-]+$/);
    expect(form.fields.map((f) => f.id)).toEqual(['status', 'text']);
    expect(form.fields[0]!.initial).toBe('investigating');
    expect(form.fields[0]!.options!.find((o) => o.value === 'investigating')!.label).toBe('Investigating');

    const edits = t.summary().versions.length;
    const submit = () =>
      t.chat.submit('discord', DISCORD.alice, form, { status: 'monitoring', text: 'Error rate falling' }, ROOM);
    const first = await submit();
    expect(first.reply.visibility).toBe('ephemeral');
    expect(first.reply.cards[0]!.title).toBe('INC-1: Status investigating → monitoring: Error rate falling');
    // The second submission changes nothing (the core answers that the status is already set).
    const second = await submit();
    expect([second.reply.cards[0]!.title, codeOf(second.reply)]).toEqual([
      'INC-1 is already monitoring.',
      'INCIDENT.UNCHANGED',
    ]);
    await t.settled();
    expect(t.summary().versions.length).toBeGreaterThan(edits);
    expect(plain(fieldOf(t.now(t.summary()), 'Status'))).toBe('Monitoring');
    expect((await t.timeline()).filter((e) => e.kind === 'status').map((e) => e.text)).toEqual([
      'Status investigating → monitoring: Error rate falling',
    ]);
    expect((await t.incident()).status).toBe('monitoring');
  });

  /** The Discord story of INC-1 up to monitoring: scribe, an update, bob's message pinned. */
  async function discordWalk(t: T) {
    await discordDeclared(t);
    await t.clock.advance(5 * MIN);
    await discord(t, DISCORD.alice, 'role', { role: 'scribe', user: { type: 6, value: DISCORD.bob } }, ROOM);
    await t.clock.advance(MIN);
    await discord(t, DISCORD.bob, 'update', { text: 'Rolled back' }, ROOM);
    await t.clock.advance(MIN);
    expect(
      await t.chat.dispatcher.pinned('discord', ROOM, {
        messageId: '1300000000000000001',
        authorId: DISCORD.bob,
        authorName: 'Bob Builder',
        text: 'Found it: the connection pool is exhausted',
        at: t.clock.now(),
        pinnedBy: DISCORD.carol,
      }),
    ).toBe(true);
    await t.clock.advance(5 * MIN);
    const form = (await t.chat.click('discord', DISCORD.alice, t.summary().versions[0]!, 'Update status', ROOM)).form!;
    await t.chat.submit('discord', DISCORD.alice, form, { status: 'monitoring', text: 'Error rate falling' }, ROOM);
    await t.settled();
    expect((await t.incident()).status).toBe('monitoring');
  }

  it('Discord: resolve is refused for carol (neither commander nor declarer) and accepted for alice; the postmortem draft lands in the war room', async () => {
    const t = await setup('discord');
    await discordWalk(t);
    const refused = await discord(t, DISCORD.carol, 'resolve', { summary: 'I think it is fine' }, ROOM);
    expect(refused.visibility).toBe('ephemeral');
    expect([refused.cards[0]!.title, codeOf(refused)]).toEqual([
      'Only the commander or declarer may resolve INC-1.',
      'AUTH.FORBIDDEN',
    ]);
    expect((await t.incident()).status).toBe('monitoring');
    // The button refuses her too, before any form opens.
    const button = await t.chat.click('discord', DISCORD.carol, t.summary().versions[0]!, 'Resolve', ROOM);
    expect(button.form).toBeUndefined();
    expect(codeOf(button)).toBe('AUTH.FORBIDDEN');

    const before = t.gw.messages.length;
    const ok = await discord(t, DISCORD.alice, 'resolve', { summary: 'Failed over to the replica' }, ROOM);
    expect(ok.cards[0]!.title).toBe('INC-1: Resolved: Failed over to the replica');
    await t.settled();
    const draft = t.gw.messages.slice(before).find((m) => m.versions[0]!.cards[0]!.title === 'Postmortem draft: INC-1');
    expect(draft?.channelId).toBe(ROOM);
    expect(shown(draft!.versions[0]!)).toContain('# Postmortem: INC-1 — Database down');
    expect(shown(draft!.versions[0]!)).toContain('## Timeline');
    const stored = await t.incident();
    expect(stored.status).toBe('resolved');
    expect(stored.postmortem).toContain('Found it: the connection pool is exhausted');
    expect(stored.postmortem).toContain('| time to mitigate (first "monitoring") |');
    // The summary card loses its buttons and says resolved; so does the announcement.
    expect(t.now(t.summary()).buttons ?? []).toEqual([]);
    expect(plain(fieldOf(t.now(t.summary()), 'Status'))).toBe('Resolved');
    expect(t.now(t.announcement()).title).toBe('✅ INC-1 · Database down');
  });

  it('Discord: /incident timeline, /incident postmortem incident:INC-1, /incident list and /incident stats', async () => {
    const t = await setup('discord');
    await discordWalk(t);
    await discord(t, DISCORD.alice, 'resolve', { summary: 'Failed over to the replica' }, ROOM);
    await t.settled();

    const tl = await discord(t, DISCORD.bob, 'timeline', {}, ROOM);
    expect(tl.visibility).toBe('ephemeral');
    expect(tl.cards[0]!.title).toBe('INC-1 timeline');
    const lines = plain(tl.cards[0]!.body!).split('\n');
    expect(lines[0]).toMatch(/^\S+ · @Alice Example: Declared as SEV1: Database down$/);
    expect(lines.some((l) => l.endsWith('@Bob Builder: 📌 Found it: the connection pool is exhausted'))).toBe(true);
    expect(lines.at(-1)).toMatch(/Resolved: Failed over to the replica$/);
    expect(mentioned(tl.cards[0]!.body!, 'discord')).toContain(DISCORD.bob);

    const pm = await discord(t, DISCORD.carol, 'postmortem', { incident: 'INC-1' });
    expect(pm.cards[0]!.title).toBe('Postmortem draft: INC-1');
    expect(pm.visibility).toBe('ephemeral');

    const list = await discord(t, DISCORD.alice, 'list');
    expect(list.cards[0]!.title).toBe('No open incidents');

    const stats = await discord(t, DISCORD.alice, 'stats');
    expect(stats.cards[0]!.title).toBe('Incident stats, last 30d');
    expect(plain(stats.cards[0]!.body!)).toMatch(/^1 incidents, 1 closed\. All: 1 · MTTA \S+ · MTTR \S+$/);
    const week = await discord(t, DISCORD.alice, 'stats', { window: '7d' });
    expect(week.cards[0]!.title).toBe('Incident stats, last 7d');

    const bad = await discord(t, DISCORD.alice, 'timeline', { incident: 'yesterday' });
    expect([bad.cards[0]!.title, codeOf(bad)]).toEqual(['"yesterday" does not name an incident.', 'COMMAND.INVALID']);
    const missing = await discord(t, DISCORD.alice, 'timeline', { incident: 'INC-99' });
    expect(codeOf(missing)).toBe('INCIDENT.NOT_FOUND');
    const outside = await discord(t, DISCORD.alice, 'update', { text: 'hello' });
    expect(codeOf(outside)).toBe('INCIDENT.NOT_IN_WAR_ROOM');
  });
});
