// Incidents on Slack end to end: the real Bolt app inside Steward (SQLite) against FakeSlack.
// declare → modal → war room, invitations, pinned summary, announcement → 📌 reactions, pins and
// redeliveries → no live mention anywhere, valid Block Kit; the same over Socket Mode. Steward's
// clock is manual, so stored instants are exact. Roles, updates, the list, resolve, the postmortem,
// the timeline and the stats from Slack are tested through the dispatcher in incidents-chat.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_GENERAL_CHANNEL, buildEventCallback, slackEvents, validateBlocks } from '../fakes/slack.js';
import {
  INCIDENTS_CHANNEL,
  INCIDENT_CHANNELS,
  LIVE_MENTION,
  ManualClock,
  field,
  settled,
  startStewardSlack,
  strings,
  textOf,
  until,
  type StewardSlack,
} from '../support/steward-slack.js';
import type { IncidentRow } from '../support/rows.js';

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const CAROL = 'U0CAROL';
const T0 = Date.UTC(2025, 2, 3, 9, 0, 0);
const MIN = 60_000;

describe('Slack incidents: declare → war room → announcement → 📌', () => {
  let s: StewardSlack;
  const clock = new ManualClock(T0, { realTimers: true });
  let warRoom = '';
  let summaryTs = '';
  let announcementTs = '';

  const incidents = () => s.query<IncidentRow>('select * from incident order by number');
  const timeline = () =>
    s.query<{
      kind: string;
      actor_person: string | null;
      actor_name: string | null;
      text: string;
      at: number | string;
    }>('select kind, actor_person, actor_name, text, at from timeline_entry order by at, id');
  const command = (text: string, user = ALICE, channel = warRoom) =>
    s.sim.slashCommand({ command: '/incident', text, user_id: user, channel_id: channel });
  const posted = (channel: string, since: number) =>
    s.fake.calls.filter((c) => c.seq >= since && c.method === 'chat.postMessage' && c.body.channel === channel);

  beforeAll(async () => {
    s = await startStewardSlack({ clock, fake: { channels: INCIDENT_CHANNELS } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('/incident declare Database down acknowledges empty and opens the declare modal, title prefilled', async () => {
    const mark = s.fake.mark;
    const res = await command('declare Database down', ALICE, SLACK_GENERAL_CHANNEL);
    expect(res.status).toBe(200);
    expect(res.body).toBe('');

    const open = await s.fake.waitFor('views.open', (c) => c.seq >= mark);
    expect(open.response.ok).toBe(true);
    expect(open.body.trigger_id).toBe(res.sent.trigger_id);
    const view = open.body.view;
    expect(view).toMatchObject({
      type: 'modal',
      title: { type: 'plain_text', text: 'Declare an incident' },
      submit: { type: 'plain_text', text: 'Declare' },
      close: { type: 'plain_text', text: 'Cancel' },
    });
    expect(view.callback_id).toMatch(/^f1\|incident\.declare\|[A-Za-z0-9_-]{6,32}$/);
    expect(JSON.parse(view.private_metadata)).toEqual({ channel: SLACK_GENERAL_CHANNEL });
    expect(validateBlocks(view.blocks, '/view/blocks', 100)).toEqual([]);
    expect(
      view.blocks.map((b: { type: string; block_id: string; optional: boolean }) => [b.type, b.block_id, b.optional]),
    ).toEqual([
      ['input', 'title', false],
      ['input', 'severity', false],
      ['input', 'service', true],
      ['input', 'summary', true],
      ['input', 'page', true],
    ]);
    const [title, severity, service, summary, page] = view.blocks.map(
      (b: { element: Record<string, any> }) => b.element,
    );
    expect(title).toEqual({
      type: 'plain_text_input',
      action_id: 'value',
      initial_value: 'Database down',
      max_length: 100,
      placeholder: { type: 'plain_text', text: 'Checkout fails with 502', emoji: true },
    });
    expect(severity.type).toBe('static_select');
    expect(severity.options.map((o: any) => [o.value, o.text.text, o.description.text])).toEqual([
      ['SEV1', 'SEV1', 'Customer-facing outage'],
      ['SEV2', 'SEV2', 'Degraded service'],
      ['SEV3', 'SEV3', 'Minor impact'],
      ['SEV4', 'SEV4', 'No customer impact'],
    ]);
    expect(severity.initial_option).toBeUndefined();
    expect(service.options.map((o: any) => [o.value, o.text.text])).toEqual([
      ['payments-api', 'Payments API'],
      ['ledger', 'Ledger'],
      ['edge-gateway', 'Edge Gateway'],
      ['-', 'Not sure yet'],
    ]);
    expect(service.options.find((o: any) => o.value === 'payments-api')).toEqual({
      text: { type: 'plain_text', text: 'Payments API', emoji: true },
      value: 'payments-api',
      description: { type: 'plain_text', text: 'payments-api · tier 1', emoji: true },
    });
    expect(summary).toMatchObject({ type: 'plain_text_input', multiline: true, max_length: 1000 });
    expect(page).toEqual({
      type: 'checkboxes',
      action_id: 'value',
      options: [{ text: { type: 'plain_text', text: 'Page the on-call now', emoji: true }, value: 'yes' }],
    });
    // Nothing is created by opening the form.
    expect(incidents()).toEqual([]);
  });

  it('submitting it creates INC-1 once: war room inc-1-database-down, invitations, pinned summary, announcement, confirmation', async () => {
    const viewId = s.fake.callsOf('views.open').at(-1)!.response.view.id;
    const mark = s.fake.mark;
    const res = await s.sim.viewSubmission({
      view_id: viewId,
      user: ALICE,
      values: {
        title: field.text('Database down'),
        severity: field.select('SEV1'),
        service: field.select('payments-api'),
        summary: field.text('Checkout fails with 502 for every card payment'),
        // Paging from an incident is covered by the paging tests; this walk-through pages nobody.
        page: field.unchecked(),
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe(''); // closes the modal

    await settled(s);
    const [inc] = incidents();
    expect(incidents()).toHaveLength(1);
    expect(inc).toMatchObject({
      number: 1,
      title: 'Database down',
      severity: 'SEV1',
      status: 'investigating',
      service_id: 'payments-api',
      summary: 'Checkout fails with 502 for every card payment',
      declared_by: 'alice',
      declared_user_id: ALICE,
      declared_channel: SLACK_GENERAL_CHANNEL,
      page_oncall: 0,
      war_room_name: 'inc-1-database-down',
      war_room_state: 'ready',
    });
    expect(JSON.parse(inc!.roles)).toEqual({ commander: 'alice' });

    const create = s.fake.callsOf('conversations.create').filter((c) => c.seq >= mark);
    expect(create).toHaveLength(1);
    expect(create[0]!.body).toMatchObject({ name: 'inc-1-database-down', is_private: 'false' });
    warRoom = create[0]!.response.channel.id;
    expect(inc!.war_room_channel).toBe(warRoom);
    expect(s.fake.channel(warRoom)?.topic.value).toBe('INC-1 SEV1: Database down');

    // The declarer and the service's owners (payments-api: alice) are invited, once each.
    const invites = s.fake.callsOf('conversations.invite').filter((c) => c.seq >= mark);
    expect(invites.map((c) => [c.body.channel, c.body.users])).toEqual([[warRoom, ALICE]]);
    expect(s.fake.channel(warRoom)?.members.has(ALICE)).toBe(true);

    // The summary card: posted in the war room, pinned, with the four buttons.
    const [summary] = posted(warRoom, mark);
    expect(posted(warRoom, mark)).toHaveLength(1);
    summaryTs = summary!.response.ts;
    expect(summary!.body.unfurl_links).toBe('false');
    expect(summary!.body.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':rotating_light: INC-1 · Database down', emoji: true },
    });
    const buttons = summary!.body.blocks.find((b: { type: string }) => b.type === 'actions').elements;
    expect(buttons.map((b: any) => [b.text.text, b.value])).toEqual([
      ['Update status', 'st1|incident.form|1|status'],
      ['Change severity', 'st1|incident.form|1|severity'],
      ['Assign role', 'st1|incident.form|1|role'],
      ['Resolve', 'st1|incident.form|1|resolve'],
    ]);
    const pins = s.fake.callsOf('pins.add').filter((c) => c.seq >= mark);
    expect(pins.map((c) => [c.body.channel, c.body.timestamp, c.response.ok])).toEqual([[warRoom, summaryTs, true]]);
    expect(s.fake.message(warRoom, summaryTs)?.pinned_to).toEqual([warRoom]);

    // The announcement, in the policy's channel, points at the war room once it exists.
    const announcements = posted(INCIDENTS_CHANNEL, mark);
    expect(announcements).toHaveLength(1);
    announcementTs = announcements[0]!.response.ts;
    expect(textOf(announcements[0]!)).toContain('🚨 INC-1 · Database down');
    expect(
      s.fake
        .message(INCIDENTS_CHANNEL, announcementTs)
        ?.blocks?.flatMap((b: any) => strings(b))
        .join('\n'),
    ).toContain(`<#${warRoom}>`);

    // The declarer's confirmation, only to them, where they declared.
    const confirmation = s.fake.ephemerals.find((e) => e.user === ALICE && e.text.startsWith('INC-1 declared'));
    expect(confirmation).toMatchObject({ channel: SLACK_GENERAL_CHANNEL, via: 'chat.postEphemeral' });

    expect(
      s.query('select platform, channel_id, message_id, kind, thread_id from incident_message order by id'),
    ).toEqual(
      expect.arrayContaining([
        { platform: 'slack', channel_id: warRoom, message_id: summaryTs, kind: 'summary', thread_id: null },
        {
          platform: 'slack',
          channel_id: INCIDENTS_CHANNEL,
          message_id: announcementTs,
          kind: 'announcement',
          thread_id: announcementTs,
        },
      ]),
    );
    expect(timeline().map((e) => [e.kind, e.actor_person, e.text])).toEqual([
      ['declared', 'alice', 'Declared as SEV1: Database down'],
      ['war_room', null, 'War room #inc-1-database-down opened'],
    ]);
    expect(s.query("select action, subject from audit_entry where action like 'incident.%'")).toEqual([
      { action: 'incident.declared', subject: 'incident:INC-1' },
    ]);
    expect(s.query("select count(*) as n from outbox_item where state != 'done'")).toEqual([{ n: 0 }]);
    for (const c of s.fake.calls.filter((x) => x.seq >= mark && x.method.startsWith('chat.')))
      expect(c.response.ok, `${c.method} ${JSON.stringify(c.response)}`).toBe(true);
  });

  it('a 📌 on a user’s message adds it to the timeline with its author and time; redeliveries and a later pin add nothing', async () => {
    const ts = `${(T0 + 8 * MIN) / 1000}.000200`;
    s.fake.addMessage(warRoom, { user: BOB, text: 'Error rate back to normal after the rollback', ts });
    const mark = s.fake.mark;
    const logsBefore = s.logs.lines().length;
    const event = slackEvents.reactionAdded({ user: CAROL, reaction: 'pushpin', channel: warRoom, ts, item_user: BOB });
    const envelope = buildEventCallback(event, s.fake.payloadContext());
    const first = await s.sim.post(JSON.stringify(envelope), 'application/json');
    expect(first.status).toBe(200);

    const pinnedRows = () =>
      s.query<{ actor_person: string; actor_name: string; text: string; at: number | string }>(
        "select actor_person, actor_name, text, at from timeline_entry where kind = 'pinned'",
      );
    const [row] = await until('the pinned timeline entry', () => pinnedRows()[0] && pinnedRows());
    expect(row).toMatchObject({
      actor_person: 'bob',
      actor_name: 'Bob Builder',
      text: 'Error rate back to normal after the rollback',
    });
    expect(new Date(row!.at).getTime()).toBe(T0 + 8 * MIN);
    const read = s.fake.callsOf('conversations.history').filter((c) => c.seq >= mark);
    expect(read[0]!.body).toMatchObject({ channel: warRoom, latest: ts, inclusive: 'true', limit: '1' });

    // Slack redelivers the same event (x-slack-retry-num), and someone also pins the message.
    const again = await s.sim.post(JSON.stringify(envelope), 'application/json', {
      retryNum: 1,
      retryReason: 'http_timeout',
    });
    expect(again.status).toBe(200);
    const pin = await s.sim.eventCallback(
      slackEvents.pinAdded({ user: CAROL, channel: warRoom, message: s.fake.message(warRoom, ts)! }),
    );
    expect(pin.status).toBe(200);
    const handled = () =>
      s.logs
        .records()
        .slice(logsBefore)
        .filter((r) => r.msg === 'pinned message');
    await until('both deliveries to be handled', () => handled().length === 3);
    expect(handled().map((r) => r.added)).toEqual([true, false, false]);
    expect(pinnedRows()).toHaveLength(1);
    expect(s.query("select count(*) as n from audit_entry where action = 'incident.pinned'")).toEqual([{ n: 1 }]);

    // Other reactions, and 📌 outside a war room, are not timeline material.
    s.fake.addMessage(SLACK_GENERAL_CHANNEL, { user: BOB, text: 'lunch?', ts: `${(T0 + 9 * MIN) / 1000}.000300` });
    await s.sim.eventCallback(
      slackEvents.reactionAdded({
        user: CAROL,
        reaction: 'pushpin',
        channel: SLACK_GENERAL_CHANNEL,
        ts: `${(T0 + 9 * MIN) / 1000}.000300`,
        item_user: BOB,
      }),
    );
    await s.sim.eventCallback(
      slackEvents.reactionAdded({ user: CAROL, reaction: 'thumbsup', channel: warRoom, ts, item_user: BOB }),
    );
    await until('the general-channel 📌 to be handled', () => handled().length === 4);
    expect(handled()[3]!.added).toBe(false);
    expect(pinnedRows()).toHaveLength(1);
  });

  it('no message Steward posted or edited carries a live mass mention, and every one is valid Block Kit', () => {
    for (const c of s.fake.calls.filter((x) =>
      ['chat.postMessage', 'chat.update', 'chat.postEphemeral'].includes(x.method),
    )) {
      expect(c.response.ok, `${c.method} ${JSON.stringify(c.response)}`).toBe(true);
      expect(validateBlocks(c.body.blocks)).toEqual([]);
      for (const str of [c.body.text, ...strings(c.body.blocks)]) expect(str).not.toMatch(LIVE_MENTION);
    }
  });
});

describe('Slack incidents over Socket Mode: the same modal, inline errors and 📌 through the WebSocket', () => {
  let s: StewardSlack;

  beforeAll(async () => {
    s = await startStewardSlack({
      mode: 'socket',
      clock: new ManualClock(T0, { realTimers: true }),
      fake: { channels: INCIDENT_CHANNELS },
    });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('declares INC-1 from the modal, shows invalid fields inline in the ack, and records a 📌 once', async () => {
    const ack = await s.fake.socketSlashCommand({
      command: '/incident',
      text: 'declare Socket outage',
      user_id: ALICE,
    });
    expect(ack.payload ?? {}).toEqual({});
    const open = await s.fake.waitFor('views.open');
    const view = open.response.view;

    const invalid = await s.fake.socketViewSubmission({
      view_id: view.id,
      user: ALICE,
      values: { title: field.text('Socket outage'), severity: field.none() },
    });
    expect(invalid.payload).toEqual({ response_action: 'errors', errors: { severity: 'Choose a severity' } });

    const done = await s.fake.socketViewSubmission({
      view_id: view.id,
      user: ALICE,
      values: { title: field.text('Socket outage'), severity: field.select('SEV3') },
    });
    expect(done.payload ?? {}).toEqual({});
    await settled(s);
    expect(s.query('select number, title, severity, war_room_name, war_room_state from incident')).toEqual([
      {
        number: 1,
        title: 'Socket outage',
        severity: 'SEV3',
        war_room_name: 'inc-1-socket-outage',
        war_room_state: 'ready',
      },
    ]);
    const room = s.query<{ war_room_channel: string }>('select war_room_channel from incident')[0]!.war_room_channel;

    const ts = `${(T0 + MIN) / 1000}.000100`;
    s.fake.addMessage(room, { user: BOB, text: 'Found it: the load balancer drops idle sockets', ts });
    const event = slackEvents.reactionAdded({ user: ALICE, reaction: 'pushpin', channel: room, ts, item_user: BOB });
    await s.fake.socketEvent(event);
    await s.fake.socketEvent(event, { retryNum: 1, retryReason: 'timeout' });
    const handled = () => s.logs.records().filter((r) => r.msg === 'pinned message');
    await until('both deliveries to be handled', () => handled().length === 2);
    expect(handled().map((r) => r.added)).toEqual([true, false]);
    expect(s.query("select actor_person, text from timeline_entry where kind = 'pinned'")).toEqual([
      { actor_person: 'bob', text: 'Found it: the load balancer drops idle sockets' },
    ]);
  });
});
