// Change approvals on Slack end to end: the real Bolt app inside Steward (SQLite, a manual clock)
// against FakeSlack, with test/fixtures/changes-e2e.policy.yaml. /change request → the five-field
// modal → inline field errors (response_action) → CHG-1, its Block Kit card in the team channel and
// a direct message to each approver's IM channel (Approve with a confirm dialog, Reject) → one
// approval edits every copy in place with the tally. Refusals, quorum, start and complete, reject
// with a reason, freezes, emergency, standard and expired changes from Slack are tested through
// the dispatcher in changes-chat.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_GENERAL_CHANNEL, SLACK_USERS, validateBlocks, type SlackApiCall } from '../fakes/slack.js';
import {
  INCIDENT_CHANNELS,
  ManualClock,
  field,
  settled,
  startStewardSlack,
  strings,
  textOf,
  type StewardSlack,
} from '../support/steward-slack.js';

type Json = Record<string, any>;
const POLICY = new URL('../fixtures/changes-e2e.policy.yaml', import.meta.url).pathname;
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const CAROL = 'U0CAROL';
const DAVE = 'U0DAVE';
const ERIN = 'U0ERIN';
const PAYMENTS = 'C0PAYMENTS';
/** Wednesday 2026-12-02 15:00Z (10:00 in New York, bob's zone). */
const T0 = Date.UTC(2026, 11, 2, 15, 0);

interface CopyRow {
  kind: string;
  person_id: string | null;
  platform: string;
  channel_id: string;
  message_id: string;
}

const buttonsOf = (blocks: unknown) =>
  ((blocks as Json[] | undefined) ?? [])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements ?? []) as Json[]);

describe('Slack change approvals: request → the modal → approvers → one approval on every copy', () => {
  let s: StewardSlack;
  const clock = new ManualClock(T0, { realTimers: true });

  beforeAll(async () => {
    s = await startStewardSlack({
      clock,
      env: { STEWARD_CONFIG: POLICY },
      fake: {
        users: [
          ...Object.values(SLACK_USERS),
          { id: DAVE, name: 'dave', real_name: 'Dave Ops' },
          { id: ERIN, name: 'erin', real_name: 'Erin Field' },
        ],
        channels: [...INCIDENT_CHANNELS, { id: PAYMENTS, name: 'payments' }, { id: 'C0PLATFORM', name: 'platform' }],
      },
    });
  });
  afterAll(async () => {
    await s?.close();
  });

  const change = (text: string, user = BOB) =>
    s.sim.slashCommand({ command: '/change', text, user_id: user, channel_id: SLACK_GENERAL_CHANNEL });
  /** `/change request [title]`: the views.open it causes. */
  async function openRequest(title?: string, user = BOB): Promise<SlackApiCall> {
    const mark = s.fake.mark;
    const res = await change(title ? `request ${title}` : 'request', user);
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    return s.fake.waitFor(
      'views.open',
      (c) => c.seq >= mark && c.body.view.callback_id.startsWith('f1|change.request|'),
    );
  }
  const submitRequest = (
    viewId: string,
    v: { title: string; service: string; kind: string; window: string; details: string },
    user = BOB,
  ) =>
    s.sim.viewSubmission({
      view_id: viewId,
      user,
      values: {
        title: field.text(v.title),
        service: field.select(v.service),
        kind: field.select(v.kind),
        window: field.text(v.window),
        details: field.text(v.details),
      },
    });
  /** Opens the form and submits it valid; waits for every side effect; returns the change number. */
  async function request(v: Parameters<typeof submitRequest>[1], user = BOB): Promise<number> {
    const open = await openRequest(undefined, user);
    const before = changes().length;
    const res = await submitRequest(open.response.view.id, v, user);
    expect(res.body).toBe('');
    await settled(s);
    expect(changes()).toHaveLength(before + 1);
    return changes().at(-1)!.number;
  }
  const changes = () =>
    s.query<{
      number: number;
      title: string;
      kind: string;
      risk: string | null;
      approval: string;
      phase: string;
      flags: string;
      incident_number: number | null;
    }>('select * from "change" order by number');
  const changeRow = (n: number) => changes().find((c) => c.number === n)!;
  const copies = (n: number) =>
    s.query<CopyRow>(
      'select m.kind, m.person_id, m.platform, m.channel_id, m.message_id from change_message m join "change" c on c.id = m.change_id where c.number = ? order by m.id',
      n,
    );
  /** Every copy of CHG-n as Slack now holds it (after edits). */
  const stored = (n: number) => copies(n).map((m) => ({ ...m, message: s.fake.message(m.channel_id, m.message_id)! }));
  const storedText = (m: { message: Json }) => [m.message.text, ...strings(m.message.blocks)].join('\n');
  const approvalsField = (blocks: unknown) => strings(blocks).find((t) => t.startsWith('*Approvals*'));
  /** A click on a button of a stored copy; resolves with the reply Steward posts to its response_url. */
  async function click(m: { channel_id: string; message_id: string }, label: string, user: string) {
    const message = s.fake.message(m.channel_id, m.message_id)!;
    const button = buttonsOf(message.blocks).find((b) => b.text.text === label);
    if (!button)
      throw new Error(`no ${label} button on ${m.channel_id}/${m.message_id}: ${JSON.stringify(message.blocks)}`);
    const res = await s.sim.blockAction({
      action_id: button.action_id,
      user,
      channel: m.channel_id,
      message_ts: m.message_id,
    });
    expect(res.status).toBe(200);
    return res;
  }
  const replyTo = async (res: Awaited<ReturnType<typeof click>>) =>
    (await s.fake.waitForResponse((r) => res.sent.response_url.endsWith(r.id))).body;
  /** Waits until every copy of CHG-n was edited by chat.update since `mark` and reads `text`. */
  async function everyCopyReads(n: number, mark: number, text: string) {
    for (const m of copies(n)) {
      await s.fake.waitFor(
        'chat.update',
        (c) =>
          c.seq >= mark && c.body.channel === m.channel_id && c.body.ts === m.message_id && textOf(c).includes(text),
      );
    }
    await settled(s);
    for (const m of stored(n)) expect(storedText(m), `${m.kind} ${m.person_id ?? ''}`).toContain(text);
  }

  const TLS = {
    title: 'Rotate the payments TLS certificate',
    service: 'payments-api',
    kind: 'normal-high',
    window: '2026-12-03 10:00 +2h',
    details: 'Swap the certificate on both load balancers; roll back by restoring the old one.',
  };

  it('/change request <title> opens the five-field modal, the title typed; nothing is created', async () => {
    const open = await openRequest('Rotate the payments TLS certificate');
    const view = open.body.view;
    expect(view).toMatchObject({
      type: 'modal',
      title: { text: 'Request a change' },
      submit: { text: 'Request' },
      close: { text: 'Cancel' },
    });
    expect(view.callback_id).toMatch(/^f1\|change\.request\|[A-Za-z0-9_-]{6,32}$/);
    expect(validateBlocks(view.blocks, '/view/blocks', 100)).toEqual([]);
    expect(view.blocks.map((b: Json) => [b.type, b.block_id, b.label.text, b.optional, b.element.type])).toEqual([
      ['input', 'title', 'Title', false, 'plain_text_input'],
      ['input', 'service', 'Service', false, 'static_select'],
      ['input', 'kind', 'Kind', false, 'static_select'],
      ['input', 'window', 'Planned window', false, 'plain_text_input'],
      ['input', 'details', 'Details', false, 'plain_text_input'],
    ]);
    const [title, service, kind, window, details] = view.blocks.map((b: Json) => b.element);
    expect(title).toMatchObject({ initial_value: 'Rotate the payments TLS certificate', max_length: 100 });
    expect(service.options.map((o: Json) => [o.value, o.text.text, o.description.text])).toEqual([
      ['payments-api', 'Payments API', 'payments-api · tier 1'],
      ['edge-gateway', 'Edge Gateway', 'edge-gateway · tier 1'],
    ]);
    expect(kind.options.map((o: Json) => [o.value, o.text.text])).toEqual([
      ['standard', 'Standard (pre-approved)'],
      ['normal-low', 'Normal, low risk'],
      ['normal-medium', 'Normal, medium risk'],
      ['normal-high', 'Normal, high risk'],
      ['emergency', 'Emergency (name the incident)'],
    ]);
    expect(window).toMatchObject({
      max_length: 60,
      placeholder: { text: 'YYYY-MM-DD HH:MM +2h, or now +30m (your time zone)' },
    });
    expect(details).toMatchObject({ multiline: true, max_length: 2000 });
    expect(changes()).toEqual([]);
  });

  it('a window Steward cannot read gets an inline error saying what it expects; nothing is created', async () => {
    const open = await openRequest();
    const viewId = open.response.view.id;
    const bad = await submitRequest(viewId, { ...TLS, window: 'tomorrow afternoon' });
    expect(bad.json).toEqual({ response_action: 'errors', errors: { window: 'Use YYYY-MM-DD HH:MM +2h or now +30m' } });
    const past = await submitRequest(viewId, { ...TLS, window: '2026-12-01 10:00 +2h' });
    expect(past.json).toEqual({
      response_action: 'errors',
      errors: {
        window: 'the window starts in the past (2026-12-01 10:00 America/New_York): use now +<length> or a later time',
      },
    });
    const long = await submitRequest(viewId, { ...TLS, window: 'now +9d' });
    expect(long.json.errors.window).toBe('a window may last at most 1w (this one lasts 1w 2d)');
    expect(changes()).toEqual([]);
    expect(s.fake.callsOf('chat.postMessage')).toEqual([]);
  });

  let chg1 = 0;
  it('a valid submission creates CHG-1: its card in #payments and a direct message to each approver, Approve with a confirm dialog', async () => {
    const mark = s.fake.mark;
    chg1 = await request(TLS);
    expect(chg1).toBe(1);
    expect(changeRow(1)).toMatchObject({
      title: TLS.title,
      kind: 'normal',
      risk: 'high',
      approval: 'pending',
      phase: 'requested',
    });
    const confirmation = s.fake.ephemerals.find((e) => e.user === BOB && e.text.includes('CHG-1 requested'));
    expect(confirmation).toMatchObject({ channel: SLACK_GENERAL_CHANNEL, via: 'chat.postEphemeral' });

    // One card in the team channel, one direct message to each approver: alice (an owner, and on
    // the CAB), carol and dave (the CAB). Not bob (he asked) and not erin (no rule names her).
    const posts = s.fake.callsOf('chat.postMessage').filter((c) => c.seq >= mark);
    expect(posts.map((c) => c.body.channel).sort()).toEqual([ALICE, CAROL, DAVE, PAYMENTS].sort());
    expect(copies(1).map((m) => [m.kind, m.person_id, m.platform])).toEqual(
      expect.arrayContaining([
        ['card', null, 'slack'],
        ['approver', 'alice', 'slack'],
        ['approver', 'carol', 'slack'],
        ['approver', 'dave', 'slack'],
      ]),
    );
    expect(copies(1)).toHaveLength(4);
    for (const p of posts) {
      expect(validateBlocks(p.body.blocks)).toEqual([]);
      expect(p.body.blocks[0]).toEqual({
        type: 'header',
        text: { type: 'plain_text', text: ':warning: CHG-1 · Rotate the payments TLS certificate', emoji: true },
      });
      expect(approvalsField(p.body.blocks)).toBe('*Approvals*\n0 of 2 from Change Advisory Board · owners 0 of 1');
      expect(textOf(p)).toContain('*Requested by*\n<@U0BOB>');
      expect(textOf(p)).toContain('*Window*\n<!date^1796310000^');
      const [approve, reject] = buttonsOf(p.body.blocks);
      expect(buttonsOf(p.body.blocks)).toHaveLength(2);
      expect(approve).toEqual({
        type: 'button',
        action_id: 'steward:0',
        text: { type: 'plain_text', text: 'Approve', emoji: true },
        value: 'st1|change.approve|1',
        style: 'primary',
        confirm: {
          title: { type: 'plain_text', text: 'Approve CHG-1?' },
          text: { type: 'plain_text', text: 'Rotate the payments TLS certificate on Payments API' },
          confirm: { type: 'plain_text', text: 'Approve' },
          deny: { type: 'plain_text', text: 'Not yet' },
        },
      });
      expect(reject).toEqual({
        type: 'button',
        action_id: 'steward:1',
        text: { type: 'plain_text', text: 'Reject', emoji: true },
        value: 'st1|change.reject|1',
        style: 'danger',
      });
    }
    // Direct messages went to each approver's own IM channel.
    for (const p of posts.filter((c) => c.body.channel !== PAYMENTS))
      expect(p.response.channel).toBe(s.fake.imChannelFor(p.body.channel));
  });

  it('carol approves from her direct message: every copy is edited with the tally and keeps its buttons', async () => {
    const dm = copies(1).find((m) => m.person_id === 'carol')!;
    const mark = s.fake.mark;
    const answer = await replyTo(await click(dm, 'Approve', CAROL));
    expect(answer.text).toContain('You approved CHG-1');
    expect(strings(answer.blocks).join('\n')).toContain('Tally: 1 of 2 from Change Advisory Board · owners 0 of 1.');
    await everyCopyReads(1, mark, '*Approvals*\n1 of 2 from Change Advisory Board · owners 0 of 1\n✓ <@U0CAROL>');
    for (const m of stored(1))
      expect(buttonsOf(m.message.blocks).map((b) => b.text.text)).toEqual(['Approve', 'Reject']);
    // A second click by carol is told, and changes nothing.
    const again = await replyTo(await click(dm, 'Approve', CAROL));
    expect(again.text).toBe('already decided');
    expect(s.query('select person_id, decision, platform, platform_user_id from change_decision')).toEqual([
      { person_id: 'carol', decision: 'approve', platform: 'slack', platform_user_id: CAROL },
    ]);
  });
});
