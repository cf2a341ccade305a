// Incidents on Discord end to end: Steward's real discord.js client against the fake gateway and
// REST API, state read back from its SQLite file. Declare (modal) → war room → announcement →
// 📌 reactions and pins from the gateway → mention injection. Roles, updates, status, resolve,
// the postmortem and the queries from Discord are tested through the dispatcher in
// incidents-chat.test.ts; double submits, failures and retries in discord-incident-edges.e2e.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageFlags } from 'discord.js';
import {
  DISCORD_TEST_TOKEN,
  INCIDENTS_GUILD,
  INCIDENTS_GUILD_SEED,
  POLICY_DISCORD,
  customIds,
  embedTexts,
  field,
  incidentDriver,
  snowflakeTime,
  startDiscordSteward,
  type DiscordSteward,
} from '../support/steward-discord.js';

type Json = Record<string, any>;

const EPHEMERAL = MessageFlags.Ephemeral;
const NO_MENTIONS = { parse: [] };
const { alice, bob, carol } = POLICY_DISCORD;
const GUILD = INCIDENTS_GUILD.id;
const ANNOUNCE = INCIDENTS_GUILD.announce;
const GENERAL = INCIDENTS_GUILD.general;
const PIN = /^\/channels\/\d+\/messages\/pins\/\d+$/;

describe('Discord incidents end to end (real discord.js, fake gateway + REST, SQLite)', () => {
  let s: DiscordSteward;
  /** INC-1's war room, summary and announcement message ids (set as the flow goes). */
  const inc1 = { room: '', summary: '', announcement: '' };

  beforeAll(async () => {
    s = await startDiscordSteward({ fake: { guild: INCIDENTS_GUILD_SEED } });
  });
  afterAll(async () => {
    await s?.stop();
  });

  const d = () => incidentDriver(s);
  const incidents = () => d().incidents();
  const incident = (n: number) => d().incident(n);
  const timeline = (n: number) => d().timeline(n);
  const settled = () => d().settled();
  const command = (user: string, subcommand: string, options: Json = {}, channelId?: string) =>
    d().command(user, subcommand, options, channelId);
  const messageWrites = (mark: number) => d().messageWrites(mark);
  const openDeclare = (user?: string, title?: string) => d().openDeclare(user, title);
  const submitDeclare = (customId: string, fields: Record<string, string | string[]>, user?: string) =>
    d().submitDeclare(customId, fields, user);

  it('/incident declare title:Database down opens the 5-field modal with the title prefilled', async () => {
    const modal = await openDeclare(alice, 'Database down');
    expect(modal.title).toBe('Declare an incident');
    expect(modal.custom_id).toMatch(/^f1\|incident\.declare\|[A-Za-z0-9_-]{6,32}$/);
    expect(modal.components).toHaveLength(5);
    expect(
      modal.components.map((c: Json) => [
        c.type,
        c.label,
        c.component.type,
        c.component.custom_id,
        c.component.required,
      ]),
    ).toEqual([
      [18, 'Title', 4, 'title', true],
      [18, 'Severity', 3, 'severity', true],
      [18, 'Affected service', 3, 'service', false],
      [18, 'Summary', 4, 'summary', false],
      [18, 'Page the on-call now?', 3, 'page', false],
    ]);
    const [title, severity, service, summary, page] = modal.components.map((c: Json) => c.component);
    expect(title).toEqual({
      type: 4,
      custom_id: 'title',
      style: 1,
      required: true,
      max_length: 100,
      value: 'Database down',
      placeholder: 'Checkout fails with 502',
    });
    expect(severity.options).toEqual([
      { label: 'SEV1', value: 'SEV1', description: 'Customer-facing outage' },
      { label: 'SEV2', value: 'SEV2', description: 'Degraded service' },
      { label: 'SEV3', value: 'SEV3', description: 'Minor impact' },
      { label: 'SEV4', value: 'SEV4', description: 'No customer impact' },
    ]);
    expect(severity).toMatchObject({ min_values: 1, max_values: 1 });
    expect(service.options.map((o: Json) => o.value)).toEqual(['payments-api', 'ledger', 'edge-gateway', '-']);
    expect(service).toMatchObject({ min_values: 0, max_values: 1 });
    expect(summary).toMatchObject({ style: 2, required: false, max_length: 1000 });
    expect(page.options).toEqual([
      { label: 'Yes', value: 'yes', description: 'Page the on-call now' },
      { label: 'No', value: 'no', default: true },
    ]);
    // Opening the form changes nothing yet.
    expect(incidents()).toEqual([]);
  });

  it('submitting it declares INC-1: war room under the category, owners invited, pinned summary with 4 buttons, announcement, ephemeral confirmation', async () => {
    const modal = await openDeclare(alice, 'Database down');
    const mark = s.fake.mark;
    const cb = await s.send(
      submitDeclare(modal.custom_id, {
        title: 'Database down',
        severity: ['SEV1'],
        service: ['ledger'],
        summary: 'Primary refuses connections',
        page: ['no'],
      }),
    );
    expect(cb.body.type).toBe(4);
    expect(cb.body.data.flags).toBe(EPHEMERAL);
    expect(cb.body.data.allowed_mentions).toEqual(NO_MENTIONS);
    expect(cb.body.data.embeds[0].title).toBe('INC-1 declared');
    expect(cb.body.data.embeds[0].description).toBe(
      'Database down · SEV1. Opening the war room and announcing it now; you are the commander.',
    );

    // Exactly one incident, in the database.
    expect(
      incidents().map((i) => [i.number, i.title, i.severity, i.status, i.service_id, i.summary, i.declared_by]),
    ).toEqual([[1, 'Database down', 'SEV1', 'investigating', 'ledger', 'Primary refuses connections', 'alice']]);

    // The war room: a text channel in the incidents guild, under its category.
    const created = await s.fake.waitForRest('POST', `/guilds/${GUILD}/channels`, (c) => c.seq >= mark);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'inc-1-database-down',
      type: 0,
      parent_id: INCIDENTS_GUILD.category,
      topic: 'INC-1 SEV1: Database down',
    });
    const room = s.fake.channel('inc-1-database-down')!;
    expect(room).toMatchObject({ type: 0, guild_id: GUILD, parent_id: INCIDENTS_GUILD.category });
    inc1.room = room.id;

    // The declarer and the service's owner (ledger: bob) may see and write in it.
    await s.fake.waitForRest('PUT', `/channels/${room.id}/permissions/${bob}`);
    const overwrites = s.fake.restCallsOf('PUT', new RegExp(`^/channels/${room.id}/permissions/\\d+$`));
    expect(overwrites.map((c) => c.path.split('/').pop())).toEqual([alice, bob]);
    for (const c of overwrites)
      expect(c.body).toEqual({
        id: c.path.split('/').pop(),
        type: 1,
        allow: String(1024 + 2048 + 65536 + 64),
        deny: '0',
      });
    expect(room.permission_overwrites.map((o: Json) => o.id).sort()).toEqual([alice, bob].sort());

    // The summary card, pinned, with the four buttons.
    const pinned = await s.fake.waitForRest('PUT', PIN, (c) => c.path.startsWith(`/channels/${room.id}/`));
    inc1.summary = pinned.path.split('/').pop()!;
    const summary = s.fake.message(room.id, inc1.summary)!;
    expect(summary.pinned).toBe(true);
    expect(summary.embeds[0].title).toBe('INC-1 · Database down');
    expect(summary.embeds[0].description).toBe('Primary refuses connections');
    expect(summary.embeds[0].color).toBe(0xe74c3c);
    expect(field(summary.embeds[0], 'Severity')).toBe('**SEV1**');
    expect(field(summary.embeds[0], 'Status')).toBe('Investigating');
    expect(field(summary.embeds[0], 'Service')).toBe('Ledger `ledger`');
    expect(field(summary.embeds[0], 'Roles')).toBe(
      `commander: <@${alice}>\ncommunications: unassigned\nscribe: unassigned`,
    );
    expect(customIds(summary)).toEqual([
      'st1|incident.form|1|status',
      'st1|incident.form|1|severity',
      'st1|incident.form|1|role',
      'st1|incident.form|1|resolve',
    ]);
    expect(summary.components[0].components.map((b: Json) => b.label)).toEqual([
      'Update status',
      'Change severity',
      'Assign role',
      'Resolve',
    ]);

    // The announcement, in the policy's announce channel.
    const announced = await s.fake.waitForRest('POST', `/channels/${ANNOUNCE}/messages`, (c) => c.seq >= mark);
    inc1.announcement = announced.response.id;
    expect(announced.body.embeds[0].title).toBe('🚨 INC-1 · Database down');
    expect(announced.body.components).toEqual([]);

    await settled();
    const messages = s.rows(
      'select platform, channel_id, message_id, kind, thread_id from incident_message order by id',
    );
    expect(messages).toEqual(
      expect.arrayContaining([
        { platform: 'discord', channel_id: room.id, message_id: inc1.summary, kind: 'summary', thread_id: null },
        {
          platform: 'discord',
          channel_id: ANNOUNCE,
          message_id: inc1.announcement,
          kind: 'announcement',
          thread_id: inc1.announcement,
        },
      ]),
    );
    expect(incident(1)).toMatchObject({
      war_room_state: 'ready',
      war_room_channel: room.id,
      war_room_name: 'inc-1-database-down',
    });
    // Both cards now link the war room (edited in place once it existed).
    expect(field(s.fake.message(ANNOUNCE, inc1.announcement)!.embeds[0], 'War room')).toBe(`<#${room.id}>`);
    for (const c of messageWrites(mark)) expect(c.body.allowed_mentions).toEqual(NO_MENTIONS);
    expect(timeline(1).map((e) => e.kind)).toEqual(['declared', 'war_room']);
    // Steward's own pinned summary is not a timeline entry.
    expect(s.logs.entries().filter((e) => e.level >= 40)).toEqual([]);
  });

  it('📌 on a message in the war room adds it to the timeline with its author and time, once', async () => {
    const said = s.fake.addMessage(inc1.room, { author: bob, content: 'Found it: the connection pool is exhausted' });
    const reaction = (user: string, messageId: string) => ({
      user_id: user,
      channel_id: inc1.room,
      message_id: messageId,
      guild_id: GUILD,
      member: s.fake.member(user),
      emoji: { id: null, name: '📌' },
      burst: false,
      type: 0,
    });
    s.fake.dispatch('MESSAGE_REACTION_ADD', reaction(carol, said.id));
    const [entry] = await s.rowsWhen<Json>(
      (r) => r.length === 1,
      "select t.* from timeline_entry t where t.kind = 'pinned' and t.text like 'Found it%'",
    );
    expect(entry).toMatchObject({
      actor_person: 'bob',
      actor_name: 'Bob Builder',
      text: 'Found it: the connection pool is exhausted',
      dedupe_key: `pin:discord:${inc1.room}:${said.id}`,
    });
    expect(new Date(entry!.at).getTime()).toBe(snowflakeTime(said.id).getTime());
    // The message was not cached: it was fetched for its author and text.
    expect(s.fake.restCallsOf('GET', `/channels/${inc1.room}/messages/${said.id}`)).toHaveLength(1);

    // The same reaction again, another person's 📌 on it, and another emoji: nothing new.
    s.fake.dispatch('MESSAGE_REACTION_ADD', reaction(carol, said.id));
    s.fake.dispatch('MESSAGE_REACTION_ADD', reaction(alice, said.id));
    s.fake.dispatch('MESSAGE_REACTION_ADD', { ...reaction(alice, said.id), emoji: { id: null, name: '👍' } });
    // A later 📌 on another message is recorded, so the ones before it were handled by then.
    const later = s.fake.addMessage(inc1.room, { author: alice, content: 'Failing over to the replica' });
    s.fake.dispatch('MESSAGE_REACTION_ADD', reaction(bob, later.id));
    await s.rowsWhen((r) => r.length === 2, "select id from timeline_entry where kind = 'pinned'");
    expect(
      timeline(1)
        .filter((e) => e.kind === 'pinned')
        .map((e) => [e.actor_person, e.text]),
    ).toEqual([
      ['bob', 'Found it: the connection pool is exhausted'],
      ['alice', 'Failing over to the replica'],
    ]);
    expect(s.rows("select action from audit_entry where action = 'incident.pinned'")).toHaveLength(2);
  });

  it("a message pinned in the war room (CHANNEL_PINS_UPDATE) joins the timeline too; Steward's own pinned summary does not", async () => {
    const said = s.fake.addMessage(inc1.room, { author: carol, content: 'Customers see timeouts on refunds' });
    // Pinned in the Discord client: the same REST call, the same gateway events.
    const res = await fetch(`${s.fake.apiUrl}/v10/channels/${inc1.room}/messages/pins/${said.id}`, {
      method: 'PUT',
      headers: { authorization: `Bot ${DISCORD_TEST_TOKEN}` },
    });
    expect(res.status).toBe(204);
    await s.rowsWhen(
      (r) => r.length === 1,
      "select id from timeline_entry where kind = 'pinned' and actor_person = 'carol'",
    );
    expect(s.fake.restCallsOf('GET', `/channels/${inc1.room}/messages/pins`).length).toBeGreaterThanOrEqual(1);
    const pinned = timeline(1).filter((e) => e.kind === 'pinned');
    expect(pinned.map((e) => e.actor_person)).toEqual(['bob', 'alice', 'carol']);
    expect(pinned.some((e) => e.text.includes('Database down'))).toBe(false);
  });

  it('mention injection in title, summary and update text never becomes a live mention; allowed_mentions stays empty', async () => {
    const mark = s.fake.mark;
    const evil = '@everyone <@&1160000000000000030> <@111111111111111113> @here';
    const modal = await openDeclare(alice, evil);
    const cb = await s.send(
      submitDeclare(modal.custom_id, {
        title: `Down ${evil}`,
        severity: ['SEV2'],
        summary: `Summary ${evil} <#${GENERAL}>`,
        page: ['yes'],
      }),
    );
    const n = Number(/^INC-(\d+) declared$/.exec(cb.body.data.embeds[0].title)![1]);
    await settled();
    const room = incident(n)!.war_room_channel!;
    expect(incident(n)!.war_room_name).toBe(`inc-${n}-down-everyone-1160000000000000030-111111111111111113-here`);
    await command(alice, 'update', { text: `Update ${evil}` }, room);
    await settled();

    const writes = [cb, ...messageWrites(mark)];
    expect(writes.length).toBeGreaterThanOrEqual(5);
    for (const w of writes) {
      const data = w.body.data ?? w.body;
      expect(data.allowed_mentions).toEqual(NO_MENTIONS);
      for (const text of embedTexts(data)) {
        expect(text).not.toMatch(/@(everyone|here)/);
        expect(text).not.toMatch(/<@&\d+>/);
        expect(text).not.toMatch(/<@111111111111111113>/); // carol is mentioned only where Steward names her, never from text
        expect(text).not.toMatch(new RegExp(`<#${GENERAL}>`));
      }
    }
    // What Discord stored mentions nobody.
    for (const m of [...s.fake.messages(room), ...s.fake.messages(ANNOUNCE)]) {
      expect(m.mention_everyone).toBe(false);
      expect(m.mention_roles).toEqual([]);
    }
    expect(timeline(n).map((e) => e.kind)).toEqual(['declared', 'page', 'war_room', 'update']);
  });
});
