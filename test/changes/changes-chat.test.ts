// Change approvals from Slack and Discord through the real dispatcher (commands as the platforms
// send them, buttons through the real action codec, forms through the real form codec) in front of
// the real Steward core and store (SQLite and PostgreSQL), with the console carrying the cards and
// a clock the test moves: refusals, the tally and quorum, start and complete, reject with a reason,
// freezes, emergency changes on their incident, standard changes, expiry. The wire itself (modals,
// Block Kit and embeds, inline errors, one approval edited in place) is tested in
// changes-slack.e2e.test.ts and changes-discord.e2e.test.ts.
import { afterEach, expect, it } from 'vitest';
import { loadPolicyFile } from '../../src/config/policy.js';
import { type Card, type Reply, type Rich, plain } from '../../src/core/card.js';
import { Steward } from '../../src/core/steward.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { encodeForm } from '../../src/render/form-codec.js';
import { openStore } from '../../src/store/index.js';
import { ManualClock } from '../support/clock.js';
import { forEachDialect } from '../support/databases.js';
import { type Recorded, ChatRecorder, chatOf, codeOf, said } from '../support/dispatch.js';

const policy = new URL('../fixtures/changes-e2e.policy.yaml', import.meta.url).pathname;
const SLACK = { alice: 'U0ALICE', bob: 'U0BOB', carol: 'U0CAROL', dave: 'U0DAVE', erin: 'U0ERIN' } as const;
const DISCORD = {
  alice: '111111111111111111',
  bob: '111111111111111112',
  carol: '111111111111111113',
  dave: '111111111111111114',
  erin: '111111111111111115',
  stranger: '999999999999999999',
} as const;
const HOUR = 3_600_000;
/** Wednesday 2026-12-02 15:00Z (10:00 in New York, bob's zone). */
const T0 = Date.UTC(2026, 11, 2, 15, 0);

const TLS = {
  title: 'Rotate the payments TLS certificate',
  service: 'payments-api',
  kind: 'normal-high',
  window: '2026-12-03 10:00 +2h',
  details: 'Swap the certificate on both load balancers; roll back by restoring the old one.',
};

const fieldOf = (c: Card, label: string): Rich | undefined => c.fields?.find((f) => f.label === label)?.value;
const text = (c: Card, label: string) => {
  const f = fieldOf(c, label);
  return f ? plain(f) : undefined;
};
const mentioned = (r: Rich, platform: 'slack' | 'discord') =>
  r.flatMap((s) => (s.t === 'user' ? [s[platform] ?? `(${s.name})`] : []));
const buttons = (c: Card) => (c.buttons ?? []).map((b) => b.label);
/** Everything a reply shows: titles, bodies, fields and sections. */
const shown = (r: Reply) =>
  r.cards
    .flatMap((c) => [
      c.title,
      plain(c.body ?? []),
      ...(c.fields ?? []).map((f) => `${f.label}\n${plain(f.value)}`),
      ...(c.sections ?? []).map((s) => `${s.heading ?? ''}\n${plain(s.body)}`),
    ])
    .join('\n');

await forEachDialect('change approvals from chat', ({ createDatabase }) => {
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
    const gw = new ChatRecorder();
    steward.gateways.set('console', gw);
    const chat = chatOf(steward);
    const settled = () => chat.dispatcher.settled();
    const change = (text: string, user: string = SLACK.bob) => chat.command('slack', user, 'change', text);
    /** `/change request` on Slack, the form submitted with `values`; every side effect carried out. */
    const request = async (values: typeof TLS, user: string = SLACK.bob) => {
      const opened = await change('request', user);
      const submitted = await chat.submit('slack', user, opened.form!, values);
      expect(submitted.fieldErrors).toBeUndefined();
      await settled();
      return submitted.reply;
    };
    const row = async (n: number) => (await store.transaction((tx) => tx.changes.byNumber(n)))!;
    const decisions = (n: number) =>
      store.transaction(async (tx) => tx.changes.decisions((await tx.changes.byNumber(n))!.id));
    const audit = async (action: string, n: number) =>
      (await store.auditReader.page(0, 10_000)).filter((a) => a.action === action && a.subject === `change:CHG-${n}`)
        .length;
    /** Every copy of CHG-n: the card in the team channel and a direct message to each approver. */
    const copies = (n: number) => gw.copies(`CHG-${n} · `);
    const dmOf = (n: number, person: string) => copies(n).find((m) => m.channelId === `@${person}`)!;
    const cardOf = (n: number) => copies(n).find((m) => !m.channelId.startsWith('@'))!;
    /** The card of a copy as it was last sent or edited. */
    const now = (m: Recorded) => m.versions.at(-1)!.cards[0]!;
    return {
      store,
      steward,
      gw,
      chat,
      clock,
      settled,
      change,
      request,
      row,
      decisions,
      audit,
      copies,
      dmOf,
      cardOf,
      now,
    };
  }

  it('Slack: the requester cannot approve his own change, nor can someone the rule does not name: plain refusals, nothing recorded', async () => {
    const t = await setup();
    await t.request(TLS);
    const card = t.cardOf(1).versions[0]!;
    const own = await t.chat.click('slack', SLACK.bob, card, 'Approve');
    expect(said(own)).toBe('you requested this change: someone else must decide');
    expect(own.visibility).toBe('ephemeral');
    expect(own.replaceOriginal ?? false).toBe(false);
    const stranger = await t.chat.click('slack', SLACK.erin, card, 'Approve');
    expect(said(stranger)).toBe('not an approver for this change');
    // Reject is refused the same way, before any form opens.
    const rejectOwn = await t.chat.click('slack', SLACK.bob, card, 'Reject');
    expect(said(rejectOwn)).toBe('you requested this change: someone else must decide');
    expect(rejectOwn.form).toBeUndefined();
    expect(await t.decisions(1)).toEqual([]);
    expect(await t.audit('change.approval_given', 1)).toBe(0);
  });

  it('Slack: /change start before approval is refused, saying why and where the tally stands', async () => {
    const t = await setup();
    await t.request(TLS);
    // Carol has approved already (one of the two the board must give).
    expect(said(await t.chat.click('slack', SLACK.carol, t.dmOf(1, 'carol').versions[0]!, 'Approve'))).toContain(
      'You approved CHG-1',
    );
    const res = await t.change('start CHG-1');
    // The refusal's tally counts carol's approval.
    expect(said(res)).toBe(
      'CHG-1 is waiting for approval: it may start once approved.: Tally: 1 of 2 from Change Advisory Board · owners 0 of 1',
    );
    expect((await t.row(1)).phase).toBe('requested');
  });

  it('Slack: the last two approvals (alice, dave) clicked at the same instant: approved exactly once, every copy says Approved, no buttons', async () => {
    const t = await setup();
    await t.request(TLS);
    await t.chat.click('slack', SLACK.carol, t.dmOf(1, 'carol').versions[0]!, 'Approve');
    await t.settled();
    const answers = await Promise.all([
      t.chat.click('slack', SLACK.alice, t.dmOf(1, 'alice').versions[0]!, 'Approve'),
      t.chat.click('slack', SLACK.dave, t.dmOf(1, 'dave').versions[0]!, 'Approve'),
    ]);
    // Both are counted; whichever came second completed the quorum.
    expect(answers.map(said).sort()).toEqual([
      'You approved CHG-1: CHG-1 is now approved.',
      expect.stringMatching(
        /^You approved CHG-1: Tally: (1 of 2 from Change Advisory Board · owners ✓|2 of 2 from Change Advisory Board ✓ · owners 0 of 1)\.$/,
      ),
    ]);
    expect(
      (await t.decisions(1))
        .filter((d) => d.decision === 'approve')
        .map((d) => d.personId)
        .sort(),
    ).toEqual(['alice', 'carol', 'dave']);
    expect(await t.audit('change.approved', 1)).toBe(1);
    expect(await t.audit('change.approval_given', 1)).toBe(3);
    expect(await t.row(1)).toMatchObject({ approval: 'approved', phase: 'requested' });
    await t.settled();
    expect(t.copies(1)).toHaveLength(4);
    for (const m of t.copies(1)) {
      const c = t.now(m);
      expect(text(c, 'State'), m.channelId).toBe('Approved');
      expect(buttons(c), m.channelId).toEqual([]);
      expect(text(c, 'Approvals')).toMatch(/^2 of 2 from Change Advisory Board ✓ · owners ✓\n/);
      expect([c.title, c.tone]).toEqual(['CHG-1 · Rotate the payments TLS certificate', 'good']);
    }
    // A click on a copy as it was before the edit (a client not yet refreshed) is told.
    const late = await t.chat.click('slack', SLACK.erin, t.cardOf(1).versions[0]!, 'Approve');
    expect(said(late)).toBe('CHG-1 is approved; nothing to decide.');
  });

  /** CHG-1 (TLS) requested by bob and approved by carol, alice and dave. */
  async function approved(t: Awaited<ReturnType<typeof setup>>) {
    await t.request(TLS);
    for (const p of ['carol', 'alice', 'dave'] as const)
      await t.chat.click('slack', SLACK[p], t.dmOf(1, p).versions[0]!, 'Approve');
    await t.settled();
    expect((await t.row(1)).approval).toBe('approved');
  }

  it('Slack: /change start after approval: refused outside its window, accepted inside it', async () => {
    const t = await setup();
    await approved(t);
    const early = await t.change('start CHG-1');
    expect(said(early)).toBe(
      'CHG-1 is planned for 2026-12-03T15:00:00.000Z – 2026-12-03T17:00:00.000Z; start it inside its window.: Request a new change for another time.',
    );
    // Erin is neither the requester nor on the service's team.
    await t.clock.advance(24 * HOUR);
    const stranger = await t.change('start CHG-1', SLACK.erin);
    expect(said(stranger)).toBe('Only the requester, the owners or the team of payments-api may start CHG-1.');
    const started = await t.change('start CHG-1');
    expect(said(started)).toBe('CHG-1 started: Finish with /change complete CHG-1, or /change rollback CHG-1.');
    expect(await t.row(1)).toMatchObject({ approval: 'approved', phase: 'in_progress' });
    await t.settled();
    for (const m of t.copies(1)) expect(text(t.now(m), 'State'), m.channelId).toBe('In progress');
    expect(await t.audit('change.started', 1)).toBe(1);
  });

  it('Slack: /change complete asks how it went; the answer ends CHG-1 on every copy', async () => {
    const t = await setup();
    await approved(t);
    await t.clock.advance(24 * HOUR);
    expect(said(await t.change('start CHG-1'))).toMatch(/^CHG-1 started/);
    const res = await t.change('complete CHG-1');
    const form = res.form!;
    expect(form.title).toBe('Complete CHG-1');
    expect(form.fields.map((f) => [f.id, f.label, !f.required])).toEqual([
      ['outcome', 'How did it go?', false],
      ['notes', 'Notes', true],
    ]);
    const done = await t.chat.submit('slack', SLACK.bob, form, {
      outcome: 'successful',
      notes: 'Both load balancers serve the new certificate',
    });
    expect(done.fieldErrors).toBeUndefined();
    await t.settled();
    for (const m of t.copies(1)) expect(text(t.now(m), 'State'), m.channelId).toBe('Completed (successful)');
    expect(await t.row(1)).toMatchObject({ approval: 'approved', phase: 'completed' });
    expect(said(await t.change('start CHG-1'))).toBe('CHG-1 is completed; it cannot start.');
  });

  it('Slack: Reject opens a reason form; the submitted reason rejects the change on every copy and shows in /change show', async () => {
    const t = await setup();
    await t.request({
      ...TLS,
      title: 'Drop the legacy card tokens table',
      window: '2026-12-04 10:00 +1h',
      details: 'DROP TABLE legacy_tokens; restore from last night’s backup to roll back.',
    });
    const opened = await t.chat.click('slack', SLACK.carol, t.dmOf(1, 'carol').versions[0]!, 'Reject');
    const form = opened.form!;
    expect(form.title).toBe('Reject CHG-1');
    expect(encodeForm(form.target)).toMatch(/^f1\|change\.reject\|1\|/);
    expect(form.fields.map((f) => [f.id, f.label, f.kind])).toEqual([['reason', 'Why', 'paragraph']]);
    const short = await t.chat.submit('slack', SLACK.carol, form, { reason: 'no' });
    expect(short.fieldErrors).toEqual({ reason: 'Say why (at least 3 characters)' });
    expect((await t.row(1)).approval).toBe('pending');
    const done = await t.chat.submit('slack', SLACK.carol, form, { reason: 'No tested restore of that backup yet' });
    expect(done.fieldErrors).toBeUndefined();
    // The rejecter hears it where she clicked.
    expect(said(done.reply)).toBe('You rejected CHG-1: CHG-1 is now rejected.');
    await t.settled();
    for (const m of t.copies(1)) {
      expect(text(t.now(m), 'State'), m.channelId).toBe('Rejected');
      expect(buttons(t.now(m)), m.channelId).toEqual([]);
    }
    expect((await t.row(1)).approval).toBe('rejected');
    expect(await t.audit('change.rejected', 1)).toBe(1);

    const show = await t.change('show CHG-1', SLACK.erin);
    const all = shown(show);
    expect(all).toContain('✗ @Carol Danvers');
    expect(mentioned(fieldOf(show.cards[0]!, 'Approvals')!, 'slack')).toContain(SLACK.carol);
    expect(all).toContain(': No tested restore of that backup yet');
    expect(all).toContain('History');
    expect(all).toMatch(/rejection_given · carol \(slack U0CAROL\)/);
    expect(all).toMatch(/rejected · carol/);
  });

  it('Slack: a normal change planned inside a freeze is refused at submission, naming the freeze and when it ends', async () => {
    const t = await setup();
    const opened = await t.change('request');
    const res = await t.chat.submit('slack', SLACK.bob, opened.form!, {
      ...TLS,
      kind: 'normal-low',
      window: '2099-06-03 10:00 +2h',
    });
    expect(res.fieldErrors).toEqual({
      window:
        'Launch freeze: Payments API is frozen until Mon 2099-06-08 00:00 America/New_York (freeze launch); plan it after that, or make it an emergency change',
    });
    expect(codeOf(res.reply)).toBe('FORM.INVALID');
    expect(await t.store.transaction((tx) => tx.changes.list({ limit: 10 }))).toEqual([]);
  });

  it('Slack: an emergency change names its incident: refused for an unknown one; accepted inside the freeze, flagged, noted on INC-1', async () => {
    const t = await setup();
    // Declare INC-1 through /incident declare.
    const declare = await t.chat.command('slack', SLACK.alice, 'incident', 'declare Card payments failing');
    const declared = await t.chat.submit('slack', SLACK.alice, declare.form!, {
      title: 'Card payments failing',
      severity: 'SEV1',
      service: 'payments-api',
      summary: 'Every card payment is declined',
    });
    expect(declared.fieldErrors).toBeUndefined();
    await t.settled();
    const incident = (await t.store.transaction((tx) => tx.incidents.byNumber(1)))!;
    expect(incident.status).toBe('investigating');

    const hotfix = {
      title: 'Hotfix the card processor timeout',
      service: 'payments-api',
      kind: 'emergency',
      window: '2099-06-03 10:00 +1h',
      details: 'Raise the processor timeout to 10s for INC-9; revert the flag to roll back.',
    };
    const form = (await t.change('request')).form!;
    const unknown = await t.chat.submit('slack', SLACK.bob, form, hotfix);
    expect(unknown.fieldErrors).toEqual({ details: 'There is no incident INC-9' });
    const unnamed = await t.chat.submit('slack', SLACK.bob, form, {
      ...hotfix,
      details: 'Raise the processor timeout to 10s; revert the flag.',
    });
    expect(unnamed.fieldErrors).toEqual({ details: 'An emergency change names its incident, e.g. INC-7' });

    const ok = await t.chat.submit('slack', SLACK.bob, form, {
      ...hotfix,
      details: 'Raise the processor timeout to 10s for INC-1; revert the flag to roll back.',
    });
    expect(ok.fieldErrors).toBeUndefined();
    await t.settled();
    expect(await t.row(1)).toMatchObject({ kind: 'emergency', approval: 'pending', incidentNumber: 1 });
    expect((await t.row(1)).flags).toEqual({
      freeze: { id: 'launch', reason: 'Launch freeze', until: '2099-06-08T04:00:00.000Z' },
      conflicts: [],
    });
    const card = t.cardOf(1).versions[0]!.cards[0]!;
    expect(text(card, 'Kind')).toBe('Emergency (may start now, approved afterwards) · INC-1');
    expect(text(card, 'Flags')).toMatch(/^⚠ inside the freeze launch \(Launch freeze\) until /);
    expect(fieldOf(card, 'Flags')!.flatMap((s) => (s.t === 'time' ? [s.at.getTime() / 1000] : []))).toEqual([
      4084574400,
    ]);
    // Emergency: one of the CAB decides; alice, carol and dave are asked.
    expect(
      t
        .copies(1)
        .filter((m) => m.channelId.startsWith('@'))
        .map((m) => m.channelId)
        .sort(),
    ).toEqual(['@alice', '@carol', '@dave']);
    const timeline = await t.store.transaction((tx) => tx.incidents.timeline(incident.id));
    expect(
      timeline
        .filter((e) => e.text.includes('CHG-1'))
        .map((e) => ({ kind: e.kind, actor: e.actorPerson, text: e.text })),
    ).toEqual([{ kind: 'change', actor: 'bob', text: 'Emergency change CHG-1: Hotfix the card processor timeout' }]);

    // It may start at once, before anyone approves it.
    expect(said(await t.change('start CHG-1'))).toBe(
      'CHG-1 started: Finish with /change complete CHG-1, or /change rollback CHG-1.',
    );
    // …and is approved afterwards by one of the CAB.
    const answer = await t.chat.click('slack', SLACK.dave, t.dmOf(1, 'dave').versions[0]!, 'Approve');
    expect(said(answer)).toContain('CHG-1 is now in progress.');
    await t.settled();
    for (const m of t.copies(1)) {
      expect(text(t.now(m), 'Approvals'), m.channelId).toContain('1 of 1 from Change Advisory Board ✓');
      expect(buttons(t.now(m)), m.channelId).toEqual([]);
    }
    expect(await t.row(1)).toMatchObject({ approval: 'approved', phase: 'in_progress' });
  });

  it('Slack: a standard change is pre-approved: its card has no buttons and nobody is asked', async () => {
    const t = await setup();
    const reply = await t.request({
      title: 'Restart the payments workers',
      service: 'payments-api',
      kind: 'standard',
      window: 'now +30m',
      details: 'Rolling restart from the runbook; nothing to roll back.',
    });
    expect(await t.row(1)).toMatchObject({ kind: 'standard', approval: 'approved', phase: 'requested' });
    expect(said(reply)).toBe('CHG-1 requested: Pre-approved: start it in its window with /change start.');
    expect(t.copies(1).map((m) => m.channelId.startsWith('@'))).toEqual([false]);
    const card = t.cardOf(1).versions[0]!.cards[0]!;
    expect(text(card, 'Kind')).toBe('Standard (pre-approved)');
    expect(text(card, 'Approvals')).toBe('pre-approved');
    expect(buttons(card)).toEqual([]);
    expect(said(await t.change('start CHG-1'))).toMatch(/^CHG-1 started/);
  });

  it('Slack: a request nobody decides within approvalTimeout expires: every copy says so, without buttons', async () => {
    const t = await setup();
    // A change decided already (pre-approved), which expiry leaves alone.
    await t.request({ ...TLS, kind: 'standard', window: 'now +30m', title: 'Restart the payments workers' });
    await t.request({
      title: 'Tune the connection pool',
      service: 'payments-api',
      kind: 'normal-low',
      window: 'now +2h',
      details: 'Pool size 20 → 40; set it back to roll back.',
    });
    expect(
      t
        .copies(2)
        .map((m) => m.channelId)
        .filter((c) => c.startsWith('@')),
    ).toEqual(['@alice']);
    expect(t.copies(2)).toHaveLength(2);
    const expire = t.steward.jobs().interval.find((j) => j.name === 'changes-expire')!;
    expect(expire).toBeDefined();
    // Just before the 3d timeout nothing happens; just after, it expires.
    await t.clock.advance(3 * 24 * HOUR - 1);
    await expire.run(t.clock.now());
    expect((await t.row(2)).approval).toBe('pending');
    await t.clock.advance(2);
    await expire.run(t.clock.now());
    expect((await t.row(2)).approval).toBe('expired');
    await t.settled();
    for (const m of t.copies(2)) {
      expect(text(t.now(m), 'State'), m.channelId).toBe('Expired (nobody decided in time)');
      expect(buttons(t.now(m)), m.channelId).toEqual([]);
    }
    expect(await t.audit('change.expired', 2)).toBe(1);
    // Running it again changes nothing; the decided change was left alone.
    await expire.run(t.clock.now());
    expect(await t.audit('change.expired', 2)).toBe(1);
    const all = await t.store.transaction((tx) => tx.changes.list({ limit: 10 }));
    expect(all.map((c) => [c.number, c.approval, c.phase]).sort()).toEqual([
      [1, 'approved', 'requested'],
      [2, 'expired', 'requested'],
    ]);
    // An approver clicking the expired request is told.
    const late = await t.chat.click('slack', SLACK.alice, t.dmOf(2, 'alice').versions[0]!, 'Approve');
    expect(said(late)).toBe('CHG-2 is expired (nobody decided in time); nothing to decide.');
  });

  /** `/change request` on Discord, the modal submitted with the TLS change for now +2h. */
  async function discordRequest(t: Awaited<ReturnType<typeof setup>>) {
    const opened = await t.chat.discord(DISCORD.bob, 'change', 'request');
    const submitted = await t.chat.submit('discord', DISCORD.bob, opened.form!, { ...TLS, window: 'now +2h' });
    expect(submitted.reply.cards[0]!.title).toBe('CHG-1 requested');
    await t.settled();
    expect(t.copies(1)).toHaveLength(4);
  }

  it('Discord: the requester and a person the rule does not name are refused with a plain message; nothing is recorded', async () => {
    const t = await setup();
    await discordRequest(t);
    const card = t.cardOf(1).versions[0]!;
    const own = await t.chat.click('discord', DISCORD.bob, card, 'Approve');
    expect(own.visibility).toBe('ephemeral');
    expect([own.cards[0]!.title, codeOf(own)]).toEqual([
      'you requested this change: someone else must decide',
      'AUTH.FORBIDDEN',
    ]);
    const erin = await t.chat.click('discord', DISCORD.erin, card, 'Approve');
    expect([erin.cards[0]!.title, codeOf(erin)]).toEqual(['not an approver for this change', 'AUTH.FORBIDDEN']);
    // Someone who is not in the policy at all.
    const stranger = await t.chat.click('discord', DISCORD.stranger, card, 'Approve');
    expect(codeOf(stranger)).toBe('AUTH.UNKNOWN_USER');
    // Reject is refused before its form opens.
    const reject = await t.chat.click('discord', DISCORD.erin, card, 'Reject');
    expect(reject.form).toBeUndefined();
    expect(codeOf(reject)).toBe('AUTH.FORBIDDEN');
    expect(await t.decisions(1)).toEqual([]);
  });

  it('Discord: Reject opens a reason form; the reason rejects CHG-1: every copy says so and loses its buttons; /change show has the reason', async () => {
    const t = await setup();
    await discordRequest(t);
    const opened = await t.chat.click('discord', DISCORD.dave, t.dmOf(1, 'dave').versions[0]!, 'Reject');
    const form = opened.form!;
    expect(form.title).toBe('Reject CHG-1');
    expect(encodeForm(form.target)).toMatch(/^f1\|change\.reject\|1\|[A-Za-z0-9_-]+$/);
    expect(form.fields.map((f) => [f.label, f.id, f.kind, f.required])).toEqual([['Why', 'reason', 'paragraph', true]]);
    expect((await t.row(1)).approval).toBe('pending');

    const done = await t.chat.submit('discord', DISCORD.dave, form, {
      reason: 'Not during the card network maintenance tonight',
    });
    expect([done.reply.cards[0]!.title, plain(done.reply.cards[0]!.body!)]).toEqual([
      'You rejected CHG-1',
      'CHG-1 is now rejected.',
    ]);
    await t.settled();
    for (const m of t.copies(1)) {
      const c = t.now(m);
      expect(buttons(c), m.channelId).toEqual([]);
      expect(text(c, 'State')).toBe('Rejected');
      expect(text(c, 'Approvals')).toContain('✗ @Dave Ops');
      expect(mentioned(fieldOf(c, 'Approvals')!, 'discord')).toContain(DISCORD.dave);
    }
    expect(await t.row(1)).toMatchObject({ approval: 'rejected', phase: 'requested' });
    expect(await t.audit('change.rejected', 1)).toBe(1);

    const show = await t.chat.discord(DISCORD.alice, 'change', 'show', { change: 'CHG-1' });
    expect(text(show.cards[0]!, 'Approvals')).toMatch(
      /✗ @Dave Ops .*: Not during the card network maintenance tonight/,
    );
    expect(shown(show)).toMatch(/rejected · dave \(discord 111111111111111114\)/);

    // Too late for alice: her click on the old copy is told, and a rejected change cannot start.
    const late = await t.chat.click('discord', DISCORD.alice, t.dmOf(1, 'alice').versions[0]!, 'Approve');
    expect(late.cards[0]!.title).toBe('CHG-1 is rejected; nothing to decide.');
    const start = await t.chat.discord(DISCORD.bob, 'change', 'start', { change: 'CHG-1' });
    expect(start.cards[0]!.title).toBe('CHG-1 is rejected: it may start once approved.');
  });
});
