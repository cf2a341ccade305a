// Incidents on Discord when things go wrong or arrive twice: double-submitted modals, taken and
// left-over channel names, invalid fields, refused channel creation with a Retry button, closed
// DMs and long rate limits. Real discord.js against the fake Discord, state read from SQLite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageFlags } from 'discord.js';
import {
  INCIDENTS_GUILD,
  INCIDENTS_GUILD_SEED,
  POLICY_DISCORD,
  customIds,
  field,
  incidentDriver,
  startDiscordSteward,
  type DiscordSteward,
} from '../support/steward-discord.js';

type Json = Record<string, any>;

const EPHEMERAL = MessageFlags.Ephemeral;
const { alice, bob, carol } = POLICY_DISCORD;
const GUILD = INCIDENTS_GUILD.id;
const ANNOUNCE = INCIDENTS_GUILD.announce;
const PIN = /^\/channels\/\d+\/messages\/pins\/\d+$/;

describe('Discord incidents: retries, failures and invalid input', () => {
  let s: DiscordSteward;

  beforeAll(async () => {
    s = await startDiscordSteward({ fake: { guild: INCIDENTS_GUILD_SEED } });
  });
  afterAll(async () => {
    await s?.stop();
  });

  const d = () => incidentDriver(s);
  const incidents = () => d().incidents();
  const incident = (n: number) => d().incident(n);
  const settled = () => d().settled();
  const command = (user: string, subcommand: string, options: Json = {}, channelId?: string) =>
    d().command(user, subcommand, options, channelId);
  const openDeclare = (user?: string, title?: string) => d().openDeclare(user, title);
  const submitDeclare = (customId: string, fields: Record<string, string | string[]>, user?: string) =>
    d().submitDeclare(customId, fields, user);

  it('a modal submitted twice (same custom_id, one after the other and at once) declares one incident', async () => {
    const modal = await openDeclare(alice, 'Payments slow');
    const fields = { title: 'Payments slow', severity: ['SEV3'], service: ['payments-api'], summary: '', page: ['no'] };
    const first = await s.send(submitDeclare(modal.custom_id, fields));
    expect(first.body.data.embeds[0].title).toBe('INC-1 declared');
    const second = await s.send(submitDeclare(modal.custom_id, fields));
    expect(second.body.data.flags).toBe(EPHEMERAL);
    expect(second.body.data.embeds[0].title).toBe('INC-1 was already declared from this form');
    await settled();
    expect(incidents().filter((i) => i.title === 'Payments slow')).toHaveLength(1);
    expect(s.fake.guildChannels().filter((c) => c.name.startsWith('inc-1-'))).toHaveLength(1);

    const racing = await openDeclare(bob, 'Ledger drift');
    const both = await Promise.all(
      [0, 1].map(() => s.send(submitDeclare(racing.custom_id, { title: 'Ledger drift', severity: ['SEV4'] }, bob))),
    );
    expect(both.map((cb) => cb.body.data.embeds[0].title).sort()).toEqual([
      'INC-2 declared',
      'INC-2 was already declared from this form',
    ]);
    await settled();
    expect(incidents().filter((i) => i.title === 'Ledger drift')).toHaveLength(1);
    expect(s.rows("select count(*) as n from audit_entry where action = 'incident.declared'")).toEqual([{ n: 2 }]);
  });

  it('a taken channel name gets a suffix', async () => {
    const n = incidents().length + 1;
    s.fake.addChannel({ name: `inc-${n}-cache-stampede`, type: 0 });
    const modal = await openDeclare(alice, 'Cache stampede');
    await s.send(submitDeclare(modal.custom_id, { title: 'Cache stampede', severity: ['SEV2'] }));
    await settled();
    expect(incident(n)).toMatchObject({ war_room_state: 'ready', war_room_name: `inc-${n}-cache-stampede-2` });
    expect(s.fake.channel(`inc-${n}-cache-stampede-2`)!.parent_id).toBe(INCIDENTS_GUILD.category);
  });

  it('a channel left by an earlier attempt (same name, topic and category) is adopted, not opened twice', async () => {
    const n = incidents().length + 1;
    const left = s.fake.addChannel({
      name: `inc-${n}-stale-cache`,
      type: 0,
      parent: INCIDENTS_GUILD.category,
      topic: `INC-${n} SEV3: Stale cache`,
    });
    const mark = s.fake.mark;
    const modal = await openDeclare(alice, 'Stale cache');
    await s.send(submitDeclare(modal.custom_id, { title: 'Stale cache', severity: ['SEV3'] }));
    await settled();
    expect(incident(n)).toMatchObject({
      war_room_state: 'ready',
      war_room_channel: left.id,
      war_room_name: `inc-${n}-stale-cache`,
    });
    expect(s.fake.restCallsOf('POST', `/guilds/${GUILD}/channels`).filter((c) => c.seq >= mark)).toEqual([]);
    expect(
      s.fake
        .messages(left.id)
        .filter((m) => m.pinned)
        .map((m) => m.embeds[0].title),
    ).toEqual([`INC-${n} · Stale cache`]);
  });

  it('invite skips ids that are not members of the server (or not Discord ids) and lets the others in', async () => {
    const room = incident(1)!.war_room_channel!;
    const gateway = s.running.steward.gateways.get('discord')!;
    await gateway.invite(room, ['999999999999999999', 'alice', POLICY_DISCORD.dave]);
    expect(s.fake.channel(room)!.permission_overwrites.map((o: Json) => o.id)).toContain(POLICY_DISCORD.dave);
    expect(s.fake.channel(room)!.permission_overwrites.map((o: Json) => o.id)).not.toContain('999999999999999999');
    const skipped = s.logs.entries().filter((e) => e.msg.startsWith('discord invite skipped'));
    expect(skipped.map((e) => e.user)).toEqual(['999999999999999999', 'alice']);
  });

  it('invalid fields: an ephemeral list of the problems with a button that reopens the form; nothing is created', async () => {
    const before = incidents().length;
    const channels = s.fake.guildChannels().length;
    const modal = await openDeclare(alice);
    const cb = await s.send(
      submitDeclare(modal.custom_id, {
        title: 'DB',
        severity: [],
        service: ['nope'],
        summary: 'x'.repeat(1001),
        page: ['no'],
      }),
    );
    expect(cb.body.type).toBe(4);
    expect(cb.body.data.flags).toBe(EPHEMERAL);
    expect(cb.body.data.embeds).toEqual([
      {
        title: 'Some fields need another look',
        color: 0xe74c3c,
        description:
          '**Title**: Use at least 3 characters\n**Severity**: Choose a severity\n**Service**: Choose a service from the catalog\n**Summary**: Keep it under 1000 characters',
        footer: { text: 'FORM.INVALID' },
      },
    ]);
    const nonce = modal.custom_id.split('|')[2];
    expect(customIds(cb.body.data)).toEqual([`st1|form.reopen|incident.declare||${nonce}`]);
    expect(incidents()).toHaveLength(before);
    expect(s.fake.guildChannels()).toHaveLength(channels);

    // The button opens the same form again with every value typed so far (the summary as far as the field takes it).
    const again = await s.send(s.fake.button({ customId: `st1|form.reopen|incident.declare||${nonce}`, user: alice }));
    expect(again.body.type).toBe(9);
    const shown = again.body.data.components.map((c: Json) => c.component);
    expect(shown[0].value).toBe('DB');
    expect(shown[3].value).toBe('x'.repeat(1000));
    expect(shown[1].options.filter((o: Json) => o.default)).toEqual([]);
    expect(again.body.data.custom_id).toBe(modal.custom_id);
    // Fixed and sent again, the same form declares once.
    const fixed = await s.send(submitDeclare(modal.custom_id, { title: 'DB down', severity: ['SEV3'], summary: 'x' }));
    expect(fixed.body.data.embeds[0].title).toMatch(/^INC-\d+ declared$/);
    expect(incidents()).toHaveLength(before + 1);
    await settled();

    // A form for an existing incident reopens that form, with what was typed.
    const status = await s.send(
      s.fake.modalSubmit({
        customId: 'f1|incident.status|1|abcdefgh',
        fields: { status: [], text: 'half an update' },
        user: alice,
        shape: 'label',
      }),
    );
    expect(status.body.data.embeds[0].description).toBe('**Status**: Choose a status');
    expect(customIds(status.body.data)).toEqual(['st1|form.reopen|incident.status|1|abcdefgh']);
    const statusAgain = await s.send(
      s.fake.button({ customId: 'st1|form.reopen|incident.status|1|abcdefgh', user: alice }),
    );
    expect(statusAgain.body.data.custom_id).toBe('f1|incident.status|1|abcdefgh');
    expect(statusAgain.body.data.components.map((c: Json) => c.component)[1].value).toBe('half an update');
    // A form id Steward does not understand.
    const forged = await s.send(
      s.fake.modalSubmit({
        customId: 'f1|incident.delete|1|abcdefgh',
        fields: { title: 'x' },
        user: alice,
        shape: 'label',
      }),
    );
    expect(forged.body.data.embeds[0].footer.text).toBe('ACTION.EXPIRED');
  });

  it('channel creation refused (403): the incident exists, the war room is failed, the declarer gets a DM with a Retry button that works once the cause is fixed', async () => {
    s.fake.fail('POST', `/guilds/${GUILD}/channels`, { status: 403 });
    const mark = s.fake.mark;
    const modal = await openDeclare(carol, 'Edge 5xx');
    const cb = await s.send(
      submitDeclare(modal.custom_id, { title: 'Edge 5xx', severity: ['SEV2'], service: ['edge-gateway'] }, carol),
    );
    const n = Number(/^INC-(\d+) declared$/.exec(cb.body.data.embeds[0].title)![1]);
    const dm = s.fake.dmChannelFor(carol).id;
    const told = await s.fake.waitForRest('POST', `/channels/${dm}/messages`, (c) => c.seq >= mark);
    expect(told.body.embeds[0].title).toBe(`INC-${n} exists, but its war room could not be created`);
    expect(told.body.embeds[0].description).toContain('Missing Permissions');
    expect(customIds(told.body)).toEqual([`st1|incident.retry_war_room|${n}`]);
    await settled();
    expect(incident(n)).toMatchObject({ title: 'Edge 5xx', war_room_state: 'failed', war_room_channel: null });
    expect(incident(n)!.war_room_error).toContain('Missing Permissions');
    expect(s.fake.guildChannels().some((c) => c.name === `inc-${n}-edge-5xx`)).toBe(false);
    // Still announced, saying what happened to the war room.
    const announced = s.fake.messages(ANNOUNCE).filter((m) => m.embeds[0]?.title === `🚨 INC-${n} · Edge 5xx`);
    expect(announced).toHaveLength(1);
    expect(field(announced[0]!.embeds[0], 'War room')).toContain('not created');

    // The failure is gone (nothing injected any more): Retry from the DM opens the war room.
    const retry = await s.send(
      s.fake.button({ customId: `st1|incident.retry_war_room|${n}`, message: told.response.id, user: carol }),
    );
    expect(retry.body.data.embeds[0].title).toBe(`Retrying the war room for INC-${n}`);
    await s.fake.waitForRest('PUT', PIN, (c) => c.seq > retry.seq);
    await settled();
    expect(incident(n)).toMatchObject({
      war_room_state: 'ready',
      war_room_name: `inc-${n}-edge-5xx`,
      war_room_error: null,
    });
    const room = s.fake.channel(`inc-${n}-edge-5xx`)!;
    expect(room.permission_overwrites.map((o: Json) => o.id).sort()).toEqual([carol, POLICY_DISCORD.dave].sort());
    // Pressed again: already there.
    const twice = await s.send(
      s.fake.button({ customId: `st1|incident.retry_war_room|${n}`, message: told.response.id, user: carol }),
    );
    expect(twice.body.data.embeds[0].footer.text).toBe('INCIDENT.UNCHANGED');
  });

  it('closed DMs (50007) are logged and the side effect is done, not retried', async () => {
    s.fake.addUser({ id: POLICY_DISCORD.dave, username: 'dave', global_name: null, dmsDisabled: true });
    const room = incident(1)!.war_room_channel!;
    const cb = await command(
      alice,
      'role',
      { role: 'communications', user: { type: 6, value: POLICY_DISCORD.dave } },
      room,
    );
    expect(cb.body.data.embeds[0].title).toBe('INC-1: Dave Ops is now communications');
    const entry = await s.logs.waitFor(
      (e) => e.msg === 'discord direct message not delivered' && e.user === POLICY_DISCORD.dave,
    );
    expect(entry).toMatchObject({ level: 40, code: 50007 });
    await settled();
    expect(
      s.rows(
        "select state, attempts, last_error from outbox_item where kind = 'incident.role_dm' and key like 'role_dm:1:%'",
      ),
    ).toEqual([{ state: 'done', attempts: 1, last_error: null }]);
    expect(
      s.fake
        .restCallsOf('POST', `/channels/${s.fake.dmChannelFor(POLICY_DISCORD.dave).id}/messages`)
        .map((c) => c.status),
    ).toEqual([403]);
  });

  it("a long rate limit on channel creation (429) leaves the war room to the outbox, which retries after Discord's retry-after", async () => {
    s.fake.fail('POST', `/guilds/${GUILD}/channels`, { retryAfter: 4 });
    const modal = await openDeclare(alice, 'Queue backlog');
    const cb = await s.send(submitDeclare(modal.custom_id, { title: 'Queue backlog', severity: ['SEV3'] }));
    const n = Number(/^INC-(\d+) declared$/.exec(cb.body.data.embeds[0].title)![1]);
    const [item] = await s.rowsWhen<Json>(
      (r) => r[0]?.attempts === 1 && r[0]?.last_error !== null,
      'select * from outbox_item where key = ?',
      `war_room:${n}`,
    );
    expect(item!.state).toBe('pending');
    expect(item!.last_error).toMatch(/rate limited/);
    expect(new Date(item!.due_at).getTime() - new Date(item!.created_at).getTime()).toBeGreaterThanOrEqual(4_000);
    expect(incident(n)!.war_room_state).toBe('pending');
    // Later, the scheduled outbox run creates it.
    await s.rowsWhen<Json>(
      (r) => r[0]?.state === 'done',
      'select state from outbox_item where key = ?',
      `war_room:${n}`,
    );
    expect(incident(n)).toMatchObject({ war_room_state: 'ready', war_room_name: `inc-${n}-queue-backlog` });
  }, 15_000);
});
