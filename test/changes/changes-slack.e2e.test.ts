// Change approvals on Slack end to end: the real Bolt app inside Steward (SQLite, a manual clock)
// against FakeSlack, with test/fixtures/changes-e2e.policy.yaml. /change request → the five-field
// modal → inline field errors → CHG-1, its card in the team channel and a direct message to each
// approver (Approve with a confirm dialog, Reject) → refusals (the requester, someone the rule does
// not name) → one approval edits every copy with the tally → /change start refused → the last two
// approvals at once, decided once → /change start → /change complete; Reject with a reason; a
// freeze refuses a normal change and flags an emergency one, which lands on its incident's
// timeline; a standard change is pre-approved; a request nobody decides expires.
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
const HOUR = 3_600_000;
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

describe('Slack change approvals: request → approvers → quorum → start; reject; freezes; emergency; expiry', () => {
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
  const audit = (action: string, n: number) =>
    s.query<{ n: number }>(
      'select count(*) as n from audit_entry where action = ? and subject = ?',
      action,
      `change:CHG-${n}`,
    )[0]!.n;
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

  it('the requester cannot approve his own change, nor can someone the rule does not name: plain refusals, nothing recorded', async () => {
    const card = copies(1).find((m) => m.kind === 'card')!;
    const own = await replyTo(await click(card, 'Approve', BOB));
    expect(own.text).toBe('you requested this change: someone else must decide');
    expect(own.response_type).toBe('ephemeral');
    expect(own.replace_original).toBe(false);
    const stranger = await replyTo(await click(card, 'Approve', ERIN));
    expect(stranger.text).toBe('not an approver for this change');
    // Reject is refused the same way, before any form opens.
    const mark = s.fake.mark;
    const rejectOwn = await replyTo(await click(card, 'Reject', BOB));
    expect(rejectOwn.text).toBe('you requested this change: someone else must decide');
    expect(s.fake.callsOf('views.open').filter((c) => c.seq >= mark)).toEqual([]);
    expect(s.query('select * from change_decision')).toEqual([]);
    expect(audit('change.approval_given', 1)).toBe(0);
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

  it('/change start before approval is refused, saying why and where the tally stands (carol has approved)', async () => {
    const res = await change('start CHG-1');
    expect(res.json.text).toBe(
      'CHG-1 is waiting for approval: it may start once approved.: Tally: 1 of 2 from Change Advisory Board · owners 0 of 1',
    );
    expect(changeRow(1).phase).toBe('requested');
  });

  it('the last two approvals (alice, dave) clicked at the same instant: approved exactly once, every copy says Approved, no buttons', async () => {
    const alice = copies(1).find((m) => m.person_id === 'alice')!;
    const dave = copies(1).find((m) => m.person_id === 'dave')!;
    const mark = s.fake.mark;
    const clicks = await Promise.all([click(alice, 'Approve', ALICE), click(dave, 'Approve', DAVE)]);
    const answers = await Promise.all(clicks.map(replyTo));
    // Both are counted; whichever came second completed the quorum.
    expect(answers.map((a) => a.text).sort()).toEqual([
      'You approved CHG-1: CHG-1 is now approved.',
      expect.stringMatching(
        /^You approved CHG-1: Tally: (1 of 2 from Change Advisory Board · owners ✓|2 of 2 from Change Advisory Board ✓ · owners 0 of 1)\.$/,
      ),
    ]);
    expect(
      s
        .query<{ person_id: string }>(
          "select person_id from change_decision where decision = 'approve' order by person_id",
        )
        .map((r) => r.person_id),
    ).toEqual(['alice', 'carol', 'dave']);
    expect(audit('change.approved', 1)).toBe(1);
    expect(audit('change.approval_given', 1)).toBe(3);
    expect(changeRow(1)).toMatchObject({ approval: 'approved', phase: 'requested' });
    await everyCopyReads(1, mark, '*State*\n*Approved*');
    for (const m of stored(1)) {
      expect(buttonsOf(m.message.blocks), `${m.kind} ${m.person_id ?? ''}`).toEqual([]);
      expect(approvalsField(m.message.blocks)).toMatch(
        /^\*Approvals\*\n2 of 2 from Change Advisory Board ✓ · owners ✓\n/,
      );
      expect(m.message.blocks![0].text.text).toBe(':white_check_mark: CHG-1 · Rotate the payments TLS certificate');
    }
    // A click on a copy as it was before the edit (a client not yet refreshed) is told.
    const late = await replyTo(
      await s.sim.blockAction({ action_id: 'steward:0', value: 'st1|change.approve|1', user: ERIN, channel: PAYMENTS }),
    );
    expect(late.text).toBe('CHG-1 is approved; nothing to decide.');
  });

  it('/change start after approval: refused outside its window, accepted inside it', async () => {
    const early = await change('start CHG-1');
    expect(early.json.text).toBe(
      'CHG-1 is planned for 2026-12-03T15:00:00.000Z – 2026-12-03T17:00:00.000Z; start it inside its window.: Request a new change for another time.',
    );
    // Erin is neither the requester nor on the service's team.
    await clock.advance(24 * HOUR);
    const stranger = await change('start CHG-1', ERIN);
    expect(stranger.json.text).toBe('Only the requester, the owners or the team of payments-api may start CHG-1.');
    const mark = s.fake.mark;
    const started = await change('start CHG-1');
    expect(started.json.text).toBe('CHG-1 started: Finish with /change complete CHG-1, or /change rollback CHG-1.');
    expect(changeRow(1)).toMatchObject({ approval: 'approved', phase: 'in_progress' });
    await everyCopyReads(1, mark, '*State*\n*In progress*');
    expect(audit('change.started', 1)).toBe(1);
  });

  it('/change complete asks how it went; the answer ends CHG-1 on every copy', async () => {
    const mark = s.fake.mark;
    const res = await change('complete CHG-1');
    expect(res.body).toBe('');
    const open = await s.fake.waitFor('views.open', (c) => c.seq >= mark);
    expect(open.body.view.title.text).toBe('Complete CHG-1');
    expect(open.body.view.blocks.map((b: Json) => [b.block_id, b.label.text, b.optional])).toEqual([
      ['outcome', 'How did it go?', false],
      ['notes', 'Notes', true],
    ]);
    const done = await s.sim.viewSubmission({
      view_id: open.response.view.id,
      user: BOB,
      values: {
        outcome: field.select('successful'),
        notes: field.text('Both load balancers serve the new certificate'),
      },
    });
    expect(done.body).toBe('');
    await everyCopyReads(1, mark, '*State*\n*Completed* (successful)');
    expect(changeRow(1)).toMatchObject({ approval: 'approved', phase: 'completed' });
    const again = await change('start CHG-1');
    expect(again.json.text).toBe('CHG-1 is completed; it cannot start.');
  });

  it('Reject opens a reason form; the submitted reason rejects CHG-2 on every copy and shows in /change show', async () => {
    const n = await request({
      ...TLS,
      title: 'Drop the legacy card tokens table',
      window: '2026-12-04 10:00 +1h',
      details: 'DROP TABLE legacy_tokens; restore from last night’s backup to roll back.',
    });
    expect(n).toBe(2);
    const dm = copies(2).find((m) => m.person_id === 'carol')!;
    const mark = s.fake.mark;
    await click(dm, 'Reject', CAROL);
    const open = await s.fake.waitFor('views.open', (c) => c.seq >= mark);
    expect(open.body.view.title.text).toBe('Reject CHG-2');
    expect(open.body.view.callback_id).toMatch(/^f1\|change\.reject\|2\|/);
    expect(
      open.body.view.blocks.map((b: Json) => [b.block_id, b.label.text, b.element.type, b.element.multiline]),
    ).toEqual([['reason', 'Why', 'plain_text_input', true]]);
    const viewId = open.response.view.id;
    const short = await s.sim.viewSubmission({ view_id: viewId, user: CAROL, values: { reason: field.text('no') } });
    expect(short.json).toEqual({ response_action: 'errors', errors: { reason: 'Say why (at least 3 characters)' } });
    expect(changeRow(2).approval).toBe('pending');
    const done = await s.sim.viewSubmission({
      view_id: viewId,
      user: CAROL,
      values: { reason: field.text('No tested restore of that backup yet') },
    });
    expect(done.body).toBe('');
    await everyCopyReads(2, mark, '*State*\n*Rejected*');
    // The rejecter hears where she clicked.
    expect(
      s.fake.ephemerals.find((e) => e.user === CAROL && e.text === 'You rejected CHG-2: CHG-2 is now rejected.'),
    ).toMatchObject({ channel: dm.channel_id, via: 'chat.postEphemeral' });
    for (const m of stored(2)) expect(buttonsOf(m.message.blocks)).toEqual([]);
    expect(changeRow(2).approval).toBe('rejected');
    expect(audit('change.rejected', 2)).toBe(1);

    const show = await change('show CHG-2', ERIN);
    const text = strings(show.json.blocks).join('\n');
    expect(text).toContain('✗ <@U0CAROL>');
    expect(text).toContain(': No tested restore of that backup yet');
    expect(text).toContain('*History*');
    expect(text).toMatch(/\*rejection_given\* · carol \(slack U0CAROL\)/);
    expect(text).toMatch(/\*rejected\* · carol/);
  });

  it('a normal change planned inside a freeze is refused at submission, naming the freeze and when it ends', async () => {
    const open = await openRequest();
    const res = await submitRequest(open.response.view.id, {
      ...TLS,
      kind: 'normal-low',
      window: '2099-06-03 10:00 +2h',
    });
    expect(res.json).toEqual({
      response_action: 'errors',
      errors: {
        window:
          'Launch freeze: Payments API is frozen until Mon 2099-06-08 00:00 America/New_York (freeze launch); plan it after that, or make it an emergency change',
      },
    });
    expect(changes()).toHaveLength(2);
  });

  it('an emergency change names its incident: refused for an unknown one; accepted inside the freeze, flagged, noted on INC-1', async () => {
    // Declare INC-1 through /incident declare.
    const mark = s.fake.mark;
    await s.sim.slashCommand({
      command: '/incident',
      text: 'declare Card payments failing',
      user_id: ALICE,
      channel_id: SLACK_GENERAL_CHANNEL,
    });
    const declare = await s.fake.waitFor('views.open', (c) => c.seq >= mark);
    const declared = await s.sim.viewSubmission({
      view_id: declare.response.view.id,
      user: ALICE,
      values: {
        title: field.text('Card payments failing'),
        severity: field.select('SEV1'),
        service: field.select('payments-api'),
        summary: field.text('Every card payment is declined'),
        page: field.unchecked(),
      },
    });
    expect(declared.body).toBe('');
    await settled(s);
    expect(s.query('select number, status from incident')).toEqual([{ number: 1, status: 'investigating' }]);

    const hotfix = {
      title: 'Hotfix the card processor timeout',
      service: 'payments-api',
      kind: 'emergency',
      window: '2099-06-03 10:00 +1h',
      details: 'Raise the processor timeout to 10s for INC-9; revert the flag to roll back.',
    };
    const open = await openRequest();
    const unknown = await submitRequest(open.response.view.id, hotfix);
    expect(unknown.json).toEqual({ response_action: 'errors', errors: { details: 'There is no incident INC-9' } });
    const unnamed = await submitRequest(open.response.view.id, {
      ...hotfix,
      details: 'Raise the processor timeout to 10s; revert the flag.',
    });
    expect(unnamed.json).toEqual({
      response_action: 'errors',
      errors: { details: 'An emergency change names its incident, e.g. INC-7' },
    });

    const before = s.fake.mark;
    const ok = await submitRequest(open.response.view.id, {
      ...hotfix,
      details: 'Raise the processor timeout to 10s for INC-1; revert the flag to roll back.',
    });
    expect(ok.body).toBe('');
    await settled(s);
    const n = changes().at(-1)!.number;
    expect(n).toBe(3);
    expect(changeRow(3)).toMatchObject({ kind: 'emergency', approval: 'pending', incident_number: 1 });
    expect(JSON.parse(changeRow(3).flags)).toEqual({
      freeze: { id: 'launch', reason: 'Launch freeze', until: '2099-06-08T04:00:00.000Z' },
      conflicts: [],
    });
    const card = s.fake.callsOf('chat.postMessage').find((c) => c.seq >= before && c.body.channel === PAYMENTS)!;
    const text = textOf(card);
    expect(text).toContain('*Kind*\nEmergency (may start now, approved afterwards) · INC-1');
    expect(text).toContain('*Flags*\n⚠ inside the freeze launch (Launch freeze) until <!date^4084574400^');
    // Emergency: one of the CAB decides; alice, carol and dave are asked.
    expect(
      s.fake
        .callsOf('chat.postMessage')
        .filter((c) => c.seq >= before && c.body.channel !== PAYMENTS)
        .map((c) => c.body.channel)
        .sort(),
    ).toEqual([ALICE, CAROL, DAVE]);
    const timeline = s.query<{ kind: string; actor_person: string | null; text: string }>(
      'select t.kind, t.actor_person, t.text from timeline_entry t join incident i on i.id = t.incident_id where i.number = 1 order by t.id',
    );
    expect(timeline.filter((e) => e.text.includes('CHG-3'))).toEqual([
      { kind: 'change', actor_person: 'bob', text: 'Emergency change CHG-3: Hotfix the card processor timeout' },
    ]);

    // It may start at once, before anyone approves it.
    const started = await change('start CHG-3');
    expect(started.json.text).toBe('CHG-3 started: Finish with /change complete CHG-3, or /change rollback CHG-3.');
    // …and is approved afterwards by one of the CAB.
    const mark2 = s.fake.mark;
    const answer = await replyTo(
      await click(
        copies(3).find((m) => m.person_id === 'dave')!,
        'Approve',
        DAVE,
      ),
    );
    expect(strings(answer.blocks).join('\n')).toContain('CHG-3 is now in progress.');
    await everyCopyReads(3, mark2, '1 of 1 from Change Advisory Board ✓');
    for (const m of stored(3)) expect(buttonsOf(m.message.blocks)).toEqual([]);
    expect(changeRow(3)).toMatchObject({ approval: 'approved', phase: 'in_progress' });
  });

  it('a standard change is pre-approved: its card has no buttons and nobody is asked', async () => {
    const mark = s.fake.mark;
    const n = await request({
      title: 'Restart the payments workers',
      service: 'payments-api',
      kind: 'standard',
      window: 'now +30m',
      details: 'Rolling restart from the runbook; nothing to roll back.',
    });
    expect(n).toBe(4);
    expect(changeRow(4)).toMatchObject({ kind: 'standard', approval: 'approved', phase: 'requested' });
    expect(s.fake.ephemerals.find((e) => e.user === BOB && e.text.startsWith('CHG-4 requested'))?.text).toBe(
      'CHG-4 requested: Pre-approved: start it in its window with /change start.',
    );
    const posts = s.fake.callsOf('chat.postMessage').filter((c) => c.seq >= mark);
    expect(posts.map((c) => c.body.channel)).toEqual([PAYMENTS]);
    expect(textOf(posts[0]!)).toContain('*Kind*\nStandard (pre-approved)');
    expect(textOf(posts[0]!)).toContain('*Approvals*\npre-approved');
    expect(buttonsOf(posts[0]!.body.blocks)).toEqual([]);
    expect((await change('start CHG-4')).json.text).toMatch(/^CHG-4 started/);
  });

  it('a request nobody decides within approvalTimeout expires: every copy says so, without buttons', async () => {
    const n = await request({
      title: 'Tune the connection pool',
      service: 'payments-api',
      kind: 'normal-low',
      window: 'now +2h',
      details: 'Pool size 20 → 40; set it back to roll back.',
    });
    expect(n).toBe(5);
    expect(
      copies(5)
        .map((m) => m.person_id ?? 'card')
        .sort(),
    ).toEqual(['alice', 'card']);
    const expire = s.running.steward.jobs().interval.find((j) => j.name === 'changes-expire')!;
    expect(expire).toBeDefined();
    // Just before the 3d timeout nothing happens; just after, it expires.
    await clock.advance(3 * 24 * HOUR - 1);
    await expire.run(clock.now());
    expect(changeRow(5).approval).toBe('pending');
    const mark = s.fake.mark;
    await clock.advance(2);
    await expire.run(clock.now());
    expect(changeRow(5).approval).toBe('expired');
    await everyCopyReads(5, mark, '*State*\n*Expired (nobody decided in time)*');
    for (const m of stored(5)) expect(buttonsOf(m.message.blocks)).toEqual([]);
    expect(audit('change.expired', 5)).toBe(1);
    // Running it again changes nothing; the decided changes were left alone.
    await expire.run(clock.now());
    expect(audit('change.expired', 5)).toBe(1);
    expect(changes().map((c) => [c.number, c.approval, c.phase])).toEqual([
      [1, 'approved', 'completed'],
      [2, 'rejected', 'requested'],
      [3, 'approved', 'in_progress'],
      [4, 'approved', 'in_progress'],
      [5, 'expired', 'requested'],
    ]);
    // An approver clicking the expired request is told.
    const late = await replyTo(
      await s.sim.blockAction({
        action_id: 'steward:0',
        value: 'st1|change.approve|5',
        user: ALICE,
        channel: PAYMENTS,
      }),
    );
    expect(late.text).toBe('CHG-5 is expired (nobody decided in time); nothing to decide.');
  });
});
