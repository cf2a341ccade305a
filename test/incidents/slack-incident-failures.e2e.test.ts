// Incidents on Slack when things go wrong: double submits and redeliveries, a double-clicked
// Resolve, invalid modal fields, war-room channels Slack refuses (name taken, missing scope, rate
// limit) and their retry, mention injection through titles and summaries, and an ephemeral
// confirmation Slack refuses. The real Bolt app inside Steward (SQLite) against FakeSlack.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_GENERAL_CHANNEL, buildViewSubmission, validateBlocks } from '../fakes/slack.js';
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

const ALICE = 'U0ALICE';
const CAROL = 'U0CAROL';
const T0 = Date.UTC(2025, 2, 3, 9, 0, 0);

/** Runs `/incident declare …` and returns the modal Slack was asked to open. */
async function openDeclare(s: StewardSlack, text = 'declare', user = ALICE, channel = SLACK_GENERAL_CHANNEL) {
  const mark = s.fake.mark;
  const res = await s.sim.slashCommand({ command: '/incident', text, user_id: user, channel_id: channel });
  expect(res.status).toBe(200);
  expect(res.body).toBe('');
  const open = await s.fake.waitFor('views.open', (c) => c.seq >= mark);
  expect(open.response.ok).toBe(true);
  return open.response.view as { id: string; callback_id: string; private_metadata: string; blocks: any[] };
}

const declareValues = (title: string, extra: Record<string, unknown> = {}) => ({
  title: field.text(title),
  severity: field.select('SEV2'),
  service: field.select('payments-api'),
  summary: field.text(null),
  page: field.unchecked(),
  ...extra,
});

describe('Slack incidents: double submits, redeliveries, double clicks, invalid fields', () => {
  let s: StewardSlack;
  let warRoom = '';
  const clock = new ManualClock(T0, { realTimers: true });
  const count = (sql: string) => s.query<{ n: number }>(sql)[0]!.n;

  beforeAll(async () => {
    s = await startStewardSlack({ clock, fake: { channels: INCIDENT_CHANNELS } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('the same view_submission sent twice, redelivered and sent twice at once creates one incident, one channel, one announcement', async () => {
    const view = await openDeclare(s, 'declare Database down');
    const mark = s.fake.mark;
    const payload = buildViewSubmission(
      { view_id: view.id, user: ALICE, values: declareValues('Database down') },
      s.fake.payloadContext(),
    );
    const first = await s.sim.interactive(payload);
    const second = await s.sim.interactive(payload);
    const redelivered = await s.sim.interactive(payload, { retryNum: 1, retryReason: 'http_timeout' });
    const together = await Promise.all([s.sim.interactive(payload), s.sim.interactive(payload)]);
    for (const r of [first, second, redelivered, ...together]) {
      expect(r.status).toBe(200);
      expect(r.body).toBe('');
    }
    await settled(s);

    expect(count('select count(*) as n from incident')).toBe(1);
    expect(count("select count(*) as n from timeline_entry where kind = 'declared'")).toBe(1);
    expect(count("select count(*) as n from audit_entry where action = 'incident.declared'")).toBe(1);
    const created = s.fake.callsOf('conversations.create').filter((c) => c.seq >= mark);
    expect(created.map((c) => c.body.name)).toEqual(['inc-1-database-down']);
    warRoom = created[0]!.response.channel.id;
    expect(s.fake.channelList().filter((c) => c.name.startsWith('inc-'))).toHaveLength(1);
    expect(
      s.fake.callsOf('chat.postMessage').filter((c) => c.seq >= mark && c.body.channel === INCIDENTS_CHANNEL),
    ).toHaveLength(1);
    expect(s.fake.callsOf('pins.add').filter((c) => c.seq >= mark)).toHaveLength(1);

    // Every submission is answered; all but the first say nothing new was created.
    const confirmations = await until('five confirmations', () => {
      const e = s.fake.ephemerals.filter((x) => x.user === ALICE && x.text.startsWith('INC-1 '));
      return e.length === 5 && e;
    });
    expect(confirmations.filter((e) => e.text.startsWith('INC-1 declared'))).toHaveLength(1);
    expect(confirmations.filter((e) => e.text.startsWith('INC-1 was already declared from this form'))).toHaveLength(4);
  });

  it('the Change severity and Assign role buttons open modals with the current values; their submissions edit the summary in place', async () => {
    const summary = s.fake.channelMessages(warRoom)[0]!;
    let mark = s.fake.mark;
    await s.sim.blockAction({ action_id: 'steward:1', user: ALICE, channel: warRoom, message_ts: summary.ts });
    const sev = (await s.fake.waitFor('views.open', (c) => c.seq >= mark)).response.view;
    expect(sev.title.text).toBe('INC-1 severity');
    expect(sev.blocks[0].element.initial_option).toEqual({
      text: { type: 'plain_text', text: 'SEV2', emoji: true },
      value: 'SEV2',
      description: { type: 'plain_text', text: 'Degraded service', emoji: true },
    });
    mark = s.fake.mark;
    const changed = await s.sim.viewSubmission({
      view_id: sev.id,
      user: ALICE,
      values: { severity: field.select('SEV1') },
    });
    expect(changed.body).toBe('');
    await settled(s);
    const edit = s.fake
      .callsOf('chat.update')
      .filter((c) => c.seq >= mark && c.body.ts === summary.ts)
      .at(-1)!;
    expect(edit.body.blocks[0].text.text).toBe(':rotating_light: INC-1 · Database down');
    expect(textOf(edit)).toContain('*Severity*\n*SEV1*');

    mark = s.fake.mark;
    await s.sim.blockAction({ action_id: 'steward:2', user: ALICE, channel: warRoom, message_ts: summary.ts });
    const role = (await s.fake.waitFor('views.open', (c) => c.seq >= mark)).response.view;
    expect(
      role.blocks.map((b: any) => [b.block_id, b.element.type, b.element.options.map((o: any) => o.value)]),
    ).toEqual([
      ['role', 'static_select', ['commander', 'communications', 'scribe']],
      ['person', 'static_select', ['alice', 'bob', 'carol', 'dave']],
    ]);
    mark = s.fake.mark;
    await s.sim.viewSubmission({
      view_id: role.id,
      user: ALICE,
      values: { role: field.select('communications'), person: field.select('bob') },
    });
    const dm = await s.fake.waitFor('chat.postMessage', (c) => c.seq >= mark && c.body.channel === 'U0BOB');
    expect(textOf(dm)).toContain('You are communications for INC-1');
    await settled(s);
    expect(
      textOf(
        s.fake
          .callsOf('chat.update')
          .filter((c) => c.seq >= mark && c.body.ts === summary.ts)
          .at(-1)!,
      ),
    ).toContain('communications: <@U0BOB>');
  });

  it('the Resolve button opens the resolve modal for the commander, and refuses carol without a modal', async () => {
    const summary = s.fake.channelMessages(warRoom)[0]!;
    const mark = s.fake.mark;
    const refused = await s.sim.blockAction({
      action_id: 'steward:3',
      user: CAROL,
      channel: warRoom,
      message_ts: summary.ts,
    });
    expect(refused.status).toBe(200);
    const answer = await s.fake.waitForResponse((r) => refused.sent.response_url.endsWith(r.id));
    expect(answer.body.text).toBe(
      'Only the commander or declarer may resolve INC-1.: Ask them, or have the commander role assigned to you first.',
    );
    expect(answer.body.replace_original).toBe(false);
    expect(s.fake.callsOf('views.open').filter((c) => c.seq >= mark)).toEqual([]);

    const click = await s.sim.blockAction({
      action_id: 'steward:3',
      user: ALICE,
      channel: warRoom,
      message_ts: summary.ts,
    });
    expect(click.status).toBe(200);
    expect(click.sent.actions[0].value).toBe('st1|incident.form|1|resolve');
    const open = await s.fake.waitFor('views.open', (c) => c.seq >= mark);
    expect(open.body.trigger_id).toBe(click.sent.trigger_id);
    expect(open.body.view).toMatchObject({ title: { text: 'Resolve INC-1' }, submit: { text: 'Resolve' } });
    expect(open.body.view.callback_id).toMatch(/^f1\|incident\.resolve\|1\|/);
    expect(JSON.parse(open.body.view.private_metadata)).toEqual({ channel: warRoom });
    expect(open.body.view.blocks).toEqual([
      {
        type: 'input',
        block_id: 'summary',
        label: { type: 'plain_text', text: 'Resolution summary', emoji: true },
        optional: false,
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          multiline: true,
          max_length: 2000,
          placeholder: { type: 'plain_text', text: 'What fixed it', emoji: true },
        },
      },
    ]);
    // No message for the click itself: the modal is the answer.
    expect(s.fake.responses.filter((r) => click.sent.response_url.endsWith(r.id))).toEqual([]);
  });

  it('an empty resolve summary is shown inline; a double-clicked Resolve submit resolves once and posts one postmortem', async () => {
    const view = s.fake.callsOf('views.open').at(-1)!.response.view;
    const empty = await s.sim.viewSubmission({ view_id: view.id, user: ALICE, values: { summary: field.text(null) } });
    expect(empty.json).toEqual({ response_action: 'errors', errors: { summary: 'Say briefly what fixed it' } });
    expect(count("select count(*) as n from incident where status = 'resolved'")).toBe(0);

    const mark = s.fake.mark;
    const shown = s.fake.ephemerals.length;
    const payload = buildViewSubmission(
      { view_id: view.id, user: ALICE, values: { summary: field.text('Restarted the primary') } },
      s.fake.payloadContext(),
    );
    const [a, b] = await Promise.all([s.sim.interactive(payload), s.sim.interactive(payload)]);
    const c = await s.sim.interactive(payload);
    for (const r of [a, b, c]) expect(r.status).toBe(200);
    await settled(s);

    expect(count("select count(*) as n from timeline_entry where kind = 'resolved'")).toBe(1);
    expect(count("select count(*) as n from audit_entry where action = 'incident.resolved'")).toBe(1);
    expect(s.query('select status, resolution from incident')).toEqual([
      { status: 'resolved', resolution: 'Restarted the primary' },
    ]);
    const drafts = s.fake
      .callsOf('chat.postMessage')
      .filter((x) => x.seq >= mark && x.body.channel === warRoom && textOf(x).includes('Postmortem draft: INC-1'));
    expect(drafts).toHaveLength(1);
    // The results go to alice in the war room, where the form was opened from.
    const results = await until('three results', () => {
      const e = s.fake.ephemerals
        .slice(shown)
        .filter((x) => x.user === ALICE && x.channel === warRoom && x.via === 'chat.postEphemeral');
      return e.length === 3 && e;
    });
    expect(results.filter((e) => e.text.startsWith('INC-1: Resolved: Restarted the primary'))).toHaveLength(1);
  });

  it('invalid declare fields are shown inline by field id, and nothing is created', async () => {
    const view = await openDeclare(s);
    const mark = s.fake.mark;
    const missing = await s.sim.viewSubmission({
      view_id: view.id,
      user: ALICE,
      values: declareValues('', { title: field.text(null), severity: field.none() }),
    });
    expect(missing.status).toBe(200);
    expect(missing.json).toEqual({
      response_action: 'errors',
      errors: { title: 'Give the incident a title', severity: 'Choose a severity' },
    });

    const short = await s.sim.viewSubmission({ view_id: view.id, user: ALICE, values: declareValues('ab') });
    expect(short.json).toEqual({ response_action: 'errors', errors: { title: 'Use at least 3 characters' } });

    const blockIds = view.blocks.map((b) => b.block_id);
    for (const r of [missing, short]) for (const id of Object.keys(r.json.errors)) expect(blockIds).toContain(id);
    await settled(s);
    expect(count('select count(*) as n from incident')).toBe(1);
    expect(s.fake.calls.filter((c) => c.seq >= mark)).toEqual([]);
  });

  it('a form from a user outside the policy is refused without creating anything', async () => {
    const view = await openDeclare(s);
    const mark = s.fake.mark;
    s.fake.addUser({ id: 'U0NOBODY', name: 'nobody' });
    const res = await s.sim.viewSubmission({
      view_id: view.id,
      user: 'U0NOBODY',
      values: declareValues('Outsider incident'),
    });
    expect(res.body).toBe('');
    const dm = await s.fake.waitFor('chat.postMessage', (c) => c.seq >= mark && c.body.channel === 'U0NOBODY');
    expect(textOf(dm)).toContain('Only people listed in the policy may do this.');
    expect(count('select count(*) as n from incident')).toBe(1);
  });
});

describe('Slack incidents: war-room channels Slack refuses, mention injection', () => {
  let s: StewardSlack;
  const clock = new ManualClock(T0, { realTimers: true });
  const incident = (n: number) =>
    s.query<{
      war_room_state: string;
      war_room_channel: string | null;
      war_room_name: string | null;
      war_room_error: string | null;
    }>('select war_room_state, war_room_channel, war_room_name, war_room_error from incident where number = ?', n)[0];

  beforeAll(async () => {
    s = await startStewardSlack({ clock, fake: { channels: INCIDENT_CHANNELS } });
  });
  afterAll(async () => {
    await s?.close();
  });

  async function declare(title: string, values: Record<string, unknown> = {}) {
    const view = await openDeclare(s, `declare ${title}`);
    const mark = s.fake.mark;
    const res = await s.sim.viewSubmission({ view_id: view.id, user: ALICE, values: declareValues(title, values) });
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    return { view, mark };
  }

  it('a name already taken gets the next free name: inc-1-database-down-2', async () => {
    s.fake.fail('conversations.create', 'name_taken');
    const { mark } = await declare('Database down');
    await settled(s);
    const creates = s.fake.callsOf('conversations.create').filter((c) => c.seq >= mark);
    expect(creates.map((c) => [c.body.name, c.response.ok ? 'ok' : c.response.error])).toEqual([
      ['inc-1-database-down', 'name_taken'],
      ['inc-1-database-down-2', 'ok'],
    ]);
    expect(incident(1)).toMatchObject({
      war_room_state: 'ready',
      war_room_name: 'inc-1-database-down-2',
      war_room_channel: creates[1]!.response.channel.id,
    });
  });

  it('a missing scope leaves the incident recorded with a failed war room, and tells the declarer with a Retry button that works once fixed', async () => {
    s.fake.fail('conversations.create', 'missing_scope', { extra: { needed: 'channels:manage' } });
    const { mark } = await declare('Ledger drift', { service: field.select('ledger') });
    await settled(s);

    expect(incident(2)).toEqual({
      war_room_state: 'failed',
      war_room_channel: null,
      war_room_name: null,
      war_room_error:
        "Steward's Slack app lacks the channels:manage permission needed to create channels (missing_scope)",
    });
    expect(
      s.query(
        "select text from timeline_entry where kind = 'war_room' and incident_id = (select id from incident where number = 2)",
      ),
    ).toEqual([
      {
        text: "War room could not be created: Steward's Slack app lacks the channels:manage permission needed to create channels (missing_scope)",
      },
    ]);
    const dm = s.fake.callsOf('chat.postMessage').find((c) => c.seq >= mark && c.body.channel === ALICE)!;
    expect(dm.response.ok).toBe(true);
    expect(textOf(dm)).toContain('INC-2 exists, but its war room could not be created');
    expect(textOf(dm)).toContain('lacks the channels:manage permission');
    const retry = dm.body.blocks.find((b: { type: string }) => b.type === 'actions').elements[0];
    expect(retry).toMatchObject({
      text: { text: 'Retry war room' },
      value: 'st1|incident.retry_war_room|2',
      style: 'primary',
    });
    // The incident is announced anyway, and the announcement says why there is no war room.
    const announcement = s.fake
      .callsOf('chat.postMessage')
      .find((c) => c.seq >= mark && c.body.channel === INCIDENTS_CHANNEL)!;
    expect(strings(s.fake.message(INCIDENTS_CHANNEL, announcement.response.ts)!.blocks).join('\n')).toContain(
      'not created: Steward',
    );
    expect(s.query("select count(*) as n from outbox_item where state = 'failed'")).toEqual([{ n: 0 }]);

    // Pressed after the scope was granted: the war room is created, announced and summarised.
    const retryMark = s.fake.mark;
    const click = await s.sim.blockAction({
      action_id: retry.action_id,
      user: ALICE,
      channel: dm.response.channel,
      message_ts: dm.response.ts,
    });
    expect(click.status).toBe(200);
    const reply = await s.fake.waitForResponse((r) => click.sent.response_url.endsWith(r.id));
    expect(reply.body.text).toBe('Retrying the war room for INC-2');
    await settled(s);
    const created = s.fake.callsOf('conversations.create').filter((c) => c.seq >= retryMark);
    expect(created.map((c) => [c.body.name, c.response.ok])).toEqual([['inc-2-ledger-drift', true]]);
    const room = created[0]!.response.channel.id;
    expect(incident(2)).toEqual({
      war_room_state: 'ready',
      war_room_channel: room,
      war_room_name: 'inc-2-ledger-drift',
      war_room_error: null,
    });
    // Declarer alice and the ledger's owner bob.
    expect(
      s.fake
        .callsOf('conversations.invite')
        .filter((c) => c.seq >= retryMark)
        .map((c) => c.body.users),
    ).toEqual(['U0ALICE,U0BOB']);
    const summary = s.fake.channelMessages(room)[0]!;
    expect(summary.pinned_to).toEqual([room]);
    expect(strings(s.fake.message(INCIDENTS_CHANNEL, announcement.response.ts)!.blocks).join('\n')).toContain(
      `<#${room}>`,
    );

    // A second press finds nothing to do.
    const again = await s.sim.blockAction({
      action_id: retry.action_id,
      user: ALICE,
      channel: dm.response.channel,
      message_ts: dm.response.ts,
    });
    const second = await s.fake.waitForResponse((r) => again.sent.response_url.endsWith(r.id));
    expect(second.body.text).toBe('INC-2 already has its war room.');
  });

  it('a rate-limited channel creation (429) is retried after the time Slack asked for', async () => {
    s.fake.fail('conversations.create', 'ratelimited', { status: 429, retryAfter: 30 });
    const { mark } = await declare('Edge errors', { service: field.select('edge-gateway') });
    const item = () =>
      s.query<{ state: string; attempts: number; last_error: string | null; due_at: number | string }>(
        "select state, attempts, last_error, due_at from outbox_item where key = 'war_room:3'",
      )[0];
    await until('the rate-limited attempt', () => item()?.attempts === 1 && item()!.last_error !== null);
    expect(item()).toMatchObject({ state: 'pending', last_error: 'Slack conversations.create: rate limited for 30s' });
    expect(new Date(item()!.due_at).getTime()).toBe(T0 + 30_000);
    expect(incident(3)!.war_room_state).toBe('pending');
    expect(s.fake.callsOf('conversations.create').filter((c) => c.seq >= mark)).toHaveLength(1);

    await clock.advance(30_000);
    await s.running.steward.outbox.kick();
    await settled(s);
    expect(incident(3)).toMatchObject({ war_room_state: 'ready', war_room_name: 'inc-3-edge-errors' });
    expect(
      s.fake
        .callsOf('conversations.create')
        .filter((c) => c.seq >= mark)
        .map((c) => c.status),
    ).toEqual([429, 200]);
  });

  it('a title "@here <!channel> fix" and a summary with <!everyone> and <@U0BOB> never become live mentions', async () => {
    const view = await openDeclare(s, 'declare @here <!channel> fix');
    expect(view.blocks[0].element.initial_value).toBe('@here <!channel> fix');
    const mark = s.fake.mark;
    const res = await s.sim.viewSubmission({
      view_id: view.id,
      user: ALICE,
      values: declareValues('@here <!channel> fix', {
        summary: field.text('<!everyone> @everyone <@U0BOB> says <!subteam^S0ONCALL> should look'),
      }),
    });
    expect(res.body).toBe('');
    await settled(s);
    await s.sim.slashCommand({ command: '/incident', text: 'update INC-4 @channel <!here> all hands', user_id: ALICE });
    await settled(s);

    const creates = s.fake.callsOf('conversations.create').filter((c) => c.seq >= mark);
    expect(creates.map((c) => c.body.name)).toEqual(['inc-4-here-channel-fix']);
    const room = creates[0]!.response.channel.id;
    expect(s.fake.channel(room)!.topic.value).toBe('INC-4 SEV2: @\u200bhere ‹!channel› fix');

    const messages = s.fake.calls.filter(
      (c) => c.seq >= mark && ['chat.postMessage', 'chat.update', 'chat.postEphemeral'].includes(c.method),
    );
    expect(messages.length).toBeGreaterThanOrEqual(6);
    for (const c of messages) {
      expect(c.response.ok, `${c.method} ${JSON.stringify(c.response)}`).toBe(true);
      expect(validateBlocks(c.body.blocks)).toEqual([]);
      for (const str of [c.body.text, ...strings(c.body.blocks)]) {
        expect(str, `${c.method}: ${str}`).not.toMatch(LIVE_MENTION);
        expect(str, `${c.method}: ${str}`).not.toContain('<@U0BOB>');
        expect(str, `${c.method}: ${str}`).not.toContain('<!subteam');
      }
    }
    const summary = messages.find((c) => c.method === 'chat.postMessage' && c.body.channel === room)!;
    expect(summary.body.blocks[0].text.text).toBe(':warning: INC-4 · @\u200bhere ‹!channel› fix');
    expect(textOf(summary)).toContain('&lt;!everyone&gt; @\u200beveryone &lt;@U0BOB&gt; says');
  });

  it('when Slack refuses the ephemeral confirmation, the declarer gets it as a direct message', async () => {
    s.fake.fail('chat.postEphemeral', 'channel_not_found');
    const { mark } = await declare('Queue backlog');
    const dm = await s.fake.waitFor('chat.postMessage', (c) => c.seq >= mark && c.body.channel === ALICE);
    expect(textOf(dm)).toContain('INC-5 declared');
    await settled(s);
  });
});
