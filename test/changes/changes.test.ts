// Change approvals through the real Steward core and store (SQLite and PostgreSQL), with the console
// as the chat platform and a clock the test moves: request checks, idempotency, quorum and
// separation of duties, races between approvers and replicas, reject, every copy edited, the
// lifecycle, expiry, daylight saving, what incidents see, and the list / show / calendar views.
import { afterEach, expect, it } from 'vitest';
import { ConsoleGateway } from '../../src/adapters/console/gateway.js';
import { loadPolicyFile } from '../../src/config/policy.js';
import { type Card, type FormTarget, type Reply, plain } from '../../src/core/card.js';
import type { Invocation } from '../../src/core/context.js';
import type { Outcome } from '../../src/core/errors.js';
import type { Store } from '../../src/core/ports.js';
import { Steward } from '../../src/core/steward.js';
import { changesModule } from '../../src/core/changes/module.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { openStore } from '../../src/store/index.js';
import { forEachDialect } from '../support/databases.js';
import { fixedClock } from '../support/clock.js';

const policy = loadPolicyFile(new URL('../fixtures/changes.policy.yaml', import.meta.url).pathname);
const SLACK: Record<string, string> = {
  alice: 'U0ALICE',
  bob: 'U0BOB',
  carol: 'U0CAROL',
  dave: 'U0DAVE',
  erin: 'U0ERIN',
  frank: 'U0FRANK',
};
/** A console user (the platform user id is the person id). */
const as = (person: string): Invocation => ({ platform: 'console', userId: person, requestId: `r-${Math.random()}` });
/** The same person clicking on Slack (the audit log must carry the Slack user id). */
const onSlack = (person: string): Invocation => ({
  platform: 'slack',
  userId: SLACK[person] ?? person,
  requestId: `r-${Math.random()}`,
});
const title = (r: Outcome<Reply>) => (r.ok ? (r.value.cards[0]?.title ?? '') : `${r.error.code}: ${r.error.message}`);
const bodyOf = (r: Outcome<Reply>) => (r.ok ? plain(r.value.cards[0]?.body ?? []) : '');
const field = (card: Card, label: string) => {
  const f = card.fields?.find((x) => x.label === label);
  return f ? plain(f.value) : undefined;
};
const section = (card: Card, heading: string) => {
  const s = card.sections?.find((x) => x.heading === heading);
  return s ? plain(s.body) : undefined;
};
const buttons = (card: Card) => (card.buttons ?? []).map((b) => b.label);

const HOUR = 3_600_000;
/** Tuesday 2026-12-01, 08:00 in New York, 14:00 in Berlin: no freeze. */
const T0 = '2026-12-01T13:00:00.000Z';

const HIGH = {
  title: 'Rotate the payments TLS certificate',
  service: 'payments-api',
  kind: 'normal-high',
  // Alice is in New York: 15:00Z – 17:00Z on Wednesday.
  window: '2026-12-02 10:00 +2h',
  details: 'Swap the certificate on the load balancers; roll back by restoring the old one.',
};

interface Copy {
  channelId: string;
  messageId: string;
  /** The message as sent, then each edit. */
  versions: Reply[];
}

/** The console platform, keeping every message it sent and every edit of it. */
class Recorder extends ConsoleGateway {
  readonly copies = new Map<string, Copy>();
  constructor() {
    super({ show: () => {}, note: () => {}, enter: () => {} }, 'nobody');
  }
  private keep(channelId: string, messageId: string, reply: Reply) {
    this.copies.set(`${channelId}/${messageId}`, { channelId, messageId, versions: [reply] });
  }
  override async post(channelId: string, reply: Reply, opts?: { threadOf?: string }) {
    const r = await super.post(channelId, reply, opts);
    this.keep(channelId, r.messageId, reply);
    return r;
  }
  override async dm(userId: string, reply: Reply) {
    const r = await super.dm(userId, reply);
    this.keep(r.channelId, r.messageId, reply);
    return r;
  }
  override async edit(channelId: string, messageId: string, reply: Reply) {
    await super.edit(channelId, messageId, reply);
    const c = this.copies.get(`${channelId}/${messageId}`);
    if (!c) throw new Error(`edit of a message never sent: ${channelId}/${messageId}`);
    c.versions.push(reply);
  }
  /** Every copy of CHG-n's card, by where it went. */
  change(n: number): Copy[] {
    return [...this.copies.values()].filter((c) => c.versions[0]!.cards[0]?.title.startsWith(`CHG-${n} · `));
  }
  /** Where CHG-n's copies went, with how many times each was edited. */
  edits(n: number): Record<string, number> {
    return Object.fromEntries(this.change(n).map((c) => [c.channelId, c.versions.length - 1]));
  }
  /** The current card of each copy of CHG-n. */
  current(n: number): Card[] {
    return this.change(n).map((c) => c.versions.at(-1)!.cards[0]!);
  }
}

await forEachDialect('change approvals core', ({ dialect, createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup(start = T0) {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const clock = { ms: Date.parse(start) };
    /**
     * One replica: its Steward and console recorder, on PostgreSQL with a connection pool of its own.
     * SQLite serves one process, whose single connection the replicas share (a second connection
     * waiting for the write lock would block this process's event loop).
     */
    let shared: Store | undefined;
    const open = async (holder: string) => {
      const store = dialect === 'sqlite' && shared ? shared : await openStore({ url: db.url, migrate: true });
      if (store !== shared) cleanup.push(() => store.close());
      shared ??= store;
      const steward = new Steward({
        store,
        clock: fixedClock(() => clock.ms),
        policy,
        modules: STANDARD_MODULES,
        holder,
      });
      // Stopped before the store closes, as at shutdown (outbox kicks are not awaited by commands).
      cleanup.push(() => steward.outbox.stop());
      const gw = new Recorder();
      steward.gateways.set('console', gw);
      return { store, steward, gw };
    };
    const first = await open('replica-a');
    const { steward, store } = first;
    let nonces = 0;
    const request = (who: string, values: Partial<typeof HIGH> = {}, nonce = `nonce-${++nonces}`) =>
      steward.submit(as(who), { kind: 'change.request', nonce }, { ...HIGH, ...values });
    const approve = (who: string, n: number, s: Steward = steward) =>
      s.execute(onSlack(who), { kind: 'change.approve', change: n });
    const change = (n: number) => store.transaction((tx) => tx.changes.byNumber(n));
    const audit = async (action?: string) =>
      (await store.auditReader.page(0, 10_000)).filter(
        (a) => a.subject.startsWith('change:') && (!action || a.action === action),
      );
    const declare = async (who = 'alice', incidentTitle = 'Checkout fails', service = 'payments-api') => {
      const f = await steward.execute(as(who), { kind: 'incident.declare', title: incidentTitle });
      if (!f.ok || !f.value.form) throw new Error(`no declare form: ${JSON.stringify(f)}`);
      const r = await steward.submit(as(who), f.value.form.target, {
        title: incidentTitle,
        severity: 'SEV2',
        service,
        summary: 'card payments fail',
      });
      if (!r.ok) throw new Error(`declare failed: ${JSON.stringify(r.error)}`);
      return r;
    };
    /** The reply's form target (Reject, Complete). */
    const formOf = (r: Outcome<Reply>): FormTarget => {
      if (!r.ok || !r.value.form) throw new Error(`no form: ${title(r)}`);
      return r.value.form.target;
    };
    return {
      ...first,
      open,
      clock,
      request,
      approve,
      change,
      audit,
      declare,
      formOf,
      at: (iso: string) => (clock.ms = Date.parse(iso)),
      advance: (ms: number) => (clock.ms += ms),
      settle: () => steward.outbox.kick(),
    };
  }

  it('refuses invalid requests per field and stores nothing', async () => {
    const { request, store, audit } = await setup();
    const fields = async (values: Partial<typeof HIGH>, who = 'alice') => {
      const r = await request(who, values);
      expect(r.ok).toBe(false);
      return r.ok ? {} : { code: r.error.code, ...r.error.fields };
    };
    expect(await fields({ window: 'tomorrow at ten' })).toEqual({
      code: 'FORM.INVALID',
      window: 'Use YYYY-MM-DD HH:MM +2h or now +30m',
    });
    expect(await fields({ window: '2026-12-01 07:54 +1h' })).toEqual({
      code: 'FORM.INVALID',
      window: 'the window starts in the past (2026-12-01 07:54 America/New_York): use now +<length> or a later time',
    });
    // (Five minutes of grace for filling in the form: 07:55 in New York is accepted below.)
    expect(await fields({ kind: 'emergency', details: 'Hotfix for the checkout, no incident named here' })).toEqual({
      code: 'FORM.INVALID',
      details: 'An emergency change names its incident, e.g. INC-7',
    });
    expect(await fields({ kind: 'emergency', details: 'Hotfix for INC-9: revert the pool size' })).toEqual({
      code: 'FORM.INVALID',
      details: 'There is no incident INC-9',
    });
    // Monday 2026-12-21 in New York is inside the year-end freeze (Dec 20 – Jan 4, New York time).
    expect(await fields({ window: '2026-12-21 10:00 +2h' })).toEqual({
      code: 'FORM.INVALID',
      window:
        'Year-end freeze: Payments API is frozen until Mon 2027-01-04 03:00 America/New_York (freeze year-end, then weekend); plan it after that, or make it an emergency change',
    });
    // It ends at 00:00 in New York, inside the weekend freeze (until Monday 09:00 in Berlin, 03:00 in New York).
    expect(await fields({ window: '2027-01-04 02:30 +1h' })).toEqual({
      code: 'FORM.INVALID',
      window:
        'No weekend changes: Payments API is frozen until Mon 2027-01-04 03:00 America/New_York (freeze weekend); plan it after that, or make it an emergency change',
    });
    // Ledger's only owner is Alice: a change she asks for could never be approved.
    expect(await fields({ service: 'ledger', kind: 'normal-low' })).toEqual({
      code: 'FORM.INVALID',
      kind: 'This change could never be approved: the only owner of Ledger is the requester',
    });
    // Carol owns Edge Gateway and sits on the board: with Dave asking, only Carol and Erin are left for three sign-offs.
    expect(await fields({ service: 'edge-gateway' }, 'dave')).toEqual({
      code: 'FORM.INVALID',
      kind: 'This change could never be approved: Change Advisory Board and owners need 3 different approvers (one approval counts for one entry) but only 2 people can approve them: Carol Danvers, Erin Chen',
    });
    expect(await fields({ service: 'nope' })).toEqual({
      code: 'FORM.INVALID',
      service: 'Choose a service from the catalog',
    });
    expect(await fields({ title: 'x', service: 'nope', kind: 'risky' })).toEqual({
      code: 'FORM.INVALID',
      title: 'Use at least 3 characters',
      kind: 'Choose standard, normal (low, medium or high risk) or emergency',
    });
    expect(await store.transaction((tx) => tx.changes.list({}))).toEqual([]);
    expect(await audit()).toEqual([]);
    expect(await store.outboxWorker.pending()).toBe(0);

    // The same request inside the grace, and Bob asking for the Ledger change, are accepted.
    expect(title(await request('alice', { window: '2026-12-01 07:55 +1h' }))).toBe('CHG-1 requested');
    expect(title(await request('bob', { service: 'ledger', kind: 'normal-low' }))).toBe('CHG-2 requested');
    expect(title(await request('alice', { window: '2027-01-04 03:00 +1h' }))).toBe('CHG-3 requested');
  });

  it('an emergency change answers an open incident on its own service', async () => {
    const { request, declare, settle, steward } = await setup();
    await declare('alice', 'Checkout fails', 'payments-api');
    await settle();
    const refusal = (r: Outcome<Reply>) => (r.ok ? title(r) : { code: r.error.code, details: r.error.fields?.details });
    // INC-1 is on payments-api: a Ledger emergency change cannot name it.
    expect(
      refusal(
        await request('alice', {
          kind: 'emergency',
          service: 'ledger',
          window: '2026-12-21 10:00 +1h',
          details: 'Hotfix for INC-1',
        }),
      ),
    ).toEqual({
      code: 'FORM.INVALID',
      details: 'INC-1 is on payments-api, not ledger: an emergency change answers an open incident on the same service',
    });
    // Once INC-1 is declined, it is no reason for an emergency change either.
    const declined = await steward.execute(as('alice'), {
      kind: 'incident.status',
      incident: 1,
      status: 'declined',
      text: 'false alarm',
    });
    expect(declined.ok).toBe(true);
    await settle();
    expect(
      refusal(
        await request('alice', { kind: 'emergency', window: '2026-12-21 10:00 +1h', details: 'Hotfix for INC-1' }),
      ),
    ).toEqual({
      code: 'FORM.INVALID',
      details: 'INC-1 is declined: an emergency change answers an open incident',
    });
  });

  it('an emergency change passes a freeze and is flagged; an overlapping change is marked with the other one', async () => {
    const { request, declare, settle, gw, change, store, steward, formOf } = await setup();
    await declare();
    await settle();
    const emergency = await request('alice', {
      kind: 'emergency',
      window: '2026-12-21 10:00 +1h',
      details: 'Hotfix for INC-1: raise the connection pool size',
    });
    expect(title(emergency)).toBe('CHG-1 requested');
    await settle();
    // The team channel and the board's three members.
    expect(gw.current(1).map((card) => [field(card, 'Kind'), field(card, 'Flags'), field(card, 'Approvals')])).toEqual(
      Array(4).fill([
        'Emergency (may start now, approved afterwards) · INC-1',
        '⚠ inside the freeze year-end (Year-end freeze) until 2027-01-04T05:00:00.000Z',
        '0 of 1 from Change Advisory Board',
      ]),
    );
    expect((await change(1))?.flags).toEqual({
      freeze: { id: 'year-end', reason: 'Year-end freeze', until: '2027-01-04T05:00:00.000Z' },
      conflicts: [],
    });
    // The incident's timeline notes it.
    const timeline = await store.transaction(async (tx) => tx.incidents.timeline((await tx.incidents.byNumber(1))!.id));
    expect(timeline.filter((e) => e.text.includes('CHG-1')).map((e) => e.text)).toEqual([
      'Emergency change CHG-1: Rotate the payments TLS certificate',
    ]);

    // CHG-2 on Wednesday 10:00–12:00; CHG-3 11:00–13:00 overlaps it; CHG-4 on Ledger at the same time does not.
    expect(title(await request('alice'))).toBe('CHG-2 requested');
    expect(title(await request('alice', { window: '2026-12-02 11:00 +2h' }))).toBe('CHG-3 requested');
    expect(title(await request('bob', { service: 'ledger', window: '2026-12-02 11:00 +2h' }))).toBe('CHG-4 requested');
    // Back to back is no overlap: CHG-5 starts when CHG-3 ends.
    expect(title(await request('alice', { window: '2026-12-02 13:00 +1h' }))).toBe('CHG-5 requested');
    await settle();
    expect((await change(2))?.flags.conflicts).toEqual([]);
    expect((await change(3))?.flags.conflicts).toEqual([2]);
    expect((await change(4))?.flags.conflicts).toEqual([]);
    expect((await change(5))?.flags.conflicts).toEqual([]);
    expect(gw.current(3).map((c) => field(c, 'Flags'))).toEqual(Array(5).fill('⚠ overlaps CHG-2 on the same service'));
    expect(gw.current(2).map((c) => field(c, 'Flags'))).toEqual(Array(5).fill(undefined));

    // A rejected change no longer counts as a conflict; a pending one does.
    const reject = formOf(await steward.execute(onSlack('bob'), { kind: 'change.reject', change: 2 }));
    expect(title(await steward.submit(onSlack('bob'), reject, { reason: 'Wait for the new CA bundle' }))).toBe(
      'You rejected CHG-2',
    );
    expect(title(await request('alice', { window: '2026-12-02 10:30 +1h' }))).toBe('CHG-6 requested');
    expect((await change(6))?.flags.conflicts).toEqual([3]);
  });

  it('the same form submitted twice, or at the same time, creates one change', async () => {
    const { request, store, settle, gw, audit } = await setup();
    const first = await request('alice', {}, 'same-nonce');
    const again = await request('alice', {}, 'same-nonce');
    expect([title(first), title(again)]).toEqual(['CHG-1 requested', 'CHG-1 was already requested from this form']);
    const racing = await Promise.all([
      request('alice', {}, 'racing'),
      request('alice', {}, 'racing'),
      request('alice', {}, 'racing'),
    ]);
    expect(racing.map(title).sort()).toEqual([
      'CHG-2 requested',
      'CHG-2 was already requested from this form',
      'CHG-2 was already requested from this form',
    ]);
    await settle();
    expect((await store.transaction((tx) => tx.changes.list({}))).map((c) => c.number)).toEqual([2, 1]);
    expect((await audit('change.requested')).map((a) => a.subject)).toEqual(['change:CHG-1', 'change:CHG-2']);
    // One card and one request per approver each.
    expect(Object.keys(gw.edits(1)).sort()).toEqual(['@bob', '@carol', '@dave', '@erin', 'payments']);
    expect(gw.change(2)).toHaveLength(5);
  });

  it('quorum: 2 of the CAB and an owner; the requester, outsiders and double clicks are refused; decided once', async () => {
    const { request, approve, settle, gw, audit, advance, steward, change } = await setup();
    await request('alice');
    await settle();
    const tally = () => gw.current(1).map((c) => field(c, 'Approvals')!.split('\n')[0]);
    expect(tally()).toEqual(Array(5).fill('0 of 2 from Change Advisory Board · owners 0 of 1'));

    advance(60_000);
    expect(await approve('alice', 1)).toMatchObject({
      ok: false,
      error: { code: 'AUTH.FORBIDDEN', message: 'you requested this change: someone else must decide' },
    });
    expect(await approve('frank', 1)).toMatchObject({
      ok: false,
      error: { code: 'AUTH.FORBIDDEN', message: 'not an approver for this change' },
    });
    expect(await steward.execute(onSlack('U0MALLORY'), { kind: 'change.approve', change: 1 })).toMatchObject({
      ok: false,
      error: { code: 'AUTH.UNKNOWN_USER' },
    });
    expect(await approve('carol', 9)).toMatchObject({
      ok: false,
      error: { code: 'CHANGE.NOT_FOUND', message: 'There is no change CHG-9.' },
    });

    const carol = await approve('carol', 1);
    expect([title(carol), bodyOf(carol)]).toEqual([
      'You approved CHG-1',
      'Tally: 1 of 2 from Change Advisory Board · owners 0 of 1.',
    ]);
    await settle();
    expect(tally()).toEqual(Array(5).fill('1 of 2 from Change Advisory Board · owners 0 of 1'));
    // A double click counts once.
    expect(await approve('carol', 1)).toMatchObject({
      ok: false,
      error: { code: 'CHANGE.DECIDED', message: 'already decided' },
    });

    advance(60_000);
    const bob = await approve('bob', 1);
    expect(bodyOf(bob)).toBe('Tally: 1 of 2 from Change Advisory Board · owners ✓.');
    await settle();
    expect(tally()).toEqual(Array(5).fill('1 of 2 from Change Advisory Board · owners ✓'));
    expect((await change(1))?.approval).toBe('pending');

    advance(60_000);
    const dave = await approve('dave', 1);
    expect([title(dave), bodyOf(dave)]).toEqual(['You approved CHG-1', 'CHG-1 is now approved.']);
    await settle();
    expect(tally()).toEqual(Array(5).fill('2 of 2 from Change Advisory Board ✓ · owners ✓'));
    expect(gw.current(1).map((c) => field(c, 'Approvals')!.split('\n').slice(1))).toEqual(
      Array(5).fill([
        '✓ @Carol Danvers 2026-12-01T13:01:00.000Z',
        '✓ @Bob Builder 2026-12-01T13:02:00.000Z',
        '✓ @Dave Ops 2026-12-01T13:03:00.000Z',
      ]),
    );
    expect(await approve('erin', 1)).toMatchObject({
      ok: false,
      error: { code: 'CHANGE.DECIDED', message: 'CHG-1 is approved; nothing to decide.' },
    });
    expect(await approve('carol', 1)).toMatchObject({ ok: false, error: { code: 'CHANGE.DECIDED' } });

    expect(await change(1)).toMatchObject({
      approval: 'approved',
      phase: 'requested',
      decidedAt: new Date('2026-12-01T13:03:00.000Z'),
    });
    expect((await audit('change.approved')).map((a) => [a.subject, a.at.toISOString(), a.actor])).toEqual([
      ['change:CHG-1', '2026-12-01T13:03:00.000Z', { platform: 'slack', platformUserId: 'U0DAVE', personId: 'dave' }],
    ]);
    // Every decision's entry carries the platform user id of whoever clicked.
    expect((await audit('change.approval_given')).map((a) => a.actor)).toEqual([
      { platform: 'slack', platformUserId: 'U0CAROL', personId: 'carol' },
      { platform: 'slack', platformUserId: 'U0BOB', personId: 'bob' },
      { platform: 'slack', platformUserId: 'U0DAVE', personId: 'dave' },
    ]);
    expect((await steward.verifyAudit()).ok).toBe(true);
  });

  it('an owner who sits on the board counts for one entry only, whatever the order of the clicks', async () => {
    const { request, approve, change } = await setup();
    const tally = async (who: string, n: number) => {
      const r = await approve(who, n);
      return bodyOf(r) || title(r);
    };
    // Frank asks twice for Edge Gateway, owned by Carol.
    expect(title(await request('frank', { service: 'edge-gateway', window: '2026-12-02 10:00 +1h' }))).toBe(
      'CHG-1 requested',
    );
    expect(title(await request('frank', { service: 'edge-gateway', window: '2026-12-03 10:00 +1h' }))).toBe(
      'CHG-2 requested',
    );
    expect([await tally('carol', 1), await tally('dave', 1), await tally('erin', 1)]).toEqual([
      'Tally: 0 of 2 from Change Advisory Board · owners ✓.',
      'Tally: 1 of 2 from Change Advisory Board · owners ✓.',
      'CHG-1 is now approved.',
    ]);
    // The board first: Carol's approval then goes to the owners' entry, which only she can meet.
    expect([await tally('dave', 2), await tally('erin', 2), await tally('carol', 2)]).toEqual([
      'Tally: 1 of 2 from Change Advisory Board · owners 0 of 1.',
      'Tally: 2 of 2 from Change Advisory Board ✓ · owners 0 of 1.',
      'CHG-2 is now approved.',
    ]);
    expect([(await change(1))?.approval, (await change(2))?.approval]).toEqual(['approved', 'approved']);
  });

  it('two approvals at the same instant, on two replicas: both count, the change is approved once', async () => {
    const { request, approve, open, audit, change, formOf } = await setup();
    const b = await open('replica-b');
    for (let n = 1; n <= 6; n++) {
      expect(
        title(await request('alice', { window: `2026-12-0${n < 4 ? 2 : 3} ${String(8 + n).padStart(2, '0')}:00 +1h` })),
      ).toBe(`CHG-${n} requested`);
      if (n % 2) {
        // The last two needed (one from the CAB, the owner) click at once: both count.
        await approve('carol', n);
        const [x, y] = await Promise.all([approve('dave', n), approve('bob', n, b.steward)]);
        expect([x.ok, y.ok]).toEqual([true, true]);
        expect([bodyOf(x), bodyOf(y)].filter((t) => t === `CHG-${n} is now approved.`)).toHaveLength(1);
      } else {
        // Two of the CAB race for the last place: one decides, the other is told it is decided.
        await approve('carol', n);
        await approve('bob', n, b.steward);
        const both = await Promise.all([approve('dave', n), approve('erin', n, b.steward)]);
        expect(both.map((r) => (r.ok ? bodyOf(r) : r.error.code)).sort()).toEqual([
          'CHANGE.DECIDED',
          `CHG-${n} is now approved.`,
        ]);
      }
      expect((await change(n))?.approval).toBe('approved');
    }
    const approved = await audit('change.approved');
    expect(approved.map((a) => a.subject)).toEqual([1, 2, 3, 4, 5, 6].map((n) => `change:CHG-${n}`));
    const given = await audit('change.approval_given');
    expect(given).toHaveLength(6 * 3);
    expect(
      given.every((a) => a.actor.platform === 'slack' && a.actor.platformUserId === SLACK[a.actor.personId!]),
    ).toBe(true);

    // The last approval and a rejection at once: whichever takes the lock first decides, the other is told.
    for (let n = 7; n <= 10; n++) {
      expect(title(await request('alice', { window: `2026-12-04 ${n}:00 +1h` }))).toBe(`CHG-${n} requested`);
      await approve('carol', n);
      await approve('bob', n);
      const target = formOf(await b.steward.execute(onSlack('erin'), { kind: 'change.reject', change: n }));
      const [yes, no] = await Promise.all([
        approve('dave', n),
        b.steward.submit(onSlack('erin'), target, { reason: 'Not on a Friday' }),
      ]);
      const c = (await change(n))!;
      expect(
        c.approval === 'approved' ? [bodyOf(yes), no.ok || no.error.code] : [yes.ok || yes.error.code, bodyOf(no)],
      ).toEqual(
        c.approval === 'approved'
          ? [`CHG-${n} is now approved.`, 'CHANGE.DECIDED']
          : ['CHANGE.DECIDED', `CHG-${n} is now rejected.`],
      );
      const outcomes = (await audit()).filter(
        (a) => a.subject === `change:CHG-${n}` && (a.action === 'change.approved' || a.action === 'change.rejected'),
      );
      expect(outcomes.map((a) => a.action)).toEqual([`change.${c.approval}`]);
    }
  });

  it('reject asks for a reason, records it, and a decision afterwards is told the outcome', async () => {
    const { request, approve, settle, gw, steward, formOf, change, audit, store, advance } = await setup();
    await request('alice');
    await settle();
    // The requester may not reject either: refused before any form opens.
    expect(await steward.execute(as('alice'), { kind: 'change.reject', change: 1 })).toMatchObject({
      ok: false,
      error: { code: 'AUTH.FORBIDDEN', message: 'you requested this change: someone else must decide' },
    });
    await approve('carol', 1);
    expect(await steward.execute(onSlack('frank'), { kind: 'change.reject', change: 1 })).toMatchObject({
      ok: false,
      error: { code: 'AUTH.FORBIDDEN', message: 'not an approver for this change' },
    });
    advance(60_000);
    const target = formOf(await steward.execute(onSlack('dave'), { kind: 'change.reject', change: 1 }));
    expect(target).toMatchObject({ kind: 'change.reject', number: 1 });
    const empty = await steward.submit(onSlack('dave'), target, { reason: '   ' });
    expect(empty).toMatchObject({
      ok: false,
      error: { code: 'FORM.INVALID', fields: { reason: 'Say why, so the requester knows what to change' } },
    });
    expect(await steward.submit(onSlack('dave'), target, { reason: 'no' })).toMatchObject({
      ok: false,
      error: { fields: { reason: 'Say why (at least 3 characters)' } },
    });
    expect((await change(1))?.approval).toBe('pending');

    const r = await steward.submit(onSlack('dave'), target, { reason: 'No rollback plan for the HSM keys' });
    expect([title(r), bodyOf(r)]).toEqual(['You rejected CHG-1', 'CHG-1 is now rejected.']);
    await settle();
    expect(await change(1)).toMatchObject({ approval: 'rejected', decidedAt: new Date('2026-12-01T13:01:00.000Z') });
    const decisions = await store.transaction(async (tx) => tx.changes.decisions((await tx.changes.byNumber(1))!.id));
    expect(decisions.map((d) => [d.personId, d.decision, d.reason, d.platform, d.platformUserId])).toEqual([
      ['carol', 'approve', null, 'slack', 'U0CAROL'],
      ['dave', 'reject', 'No rollback plan for the HSM keys', 'slack', 'U0DAVE'],
    ]);
    for (const card of gw.current(1)) {
      expect(field(card, 'State')).toBe('Rejected');
      expect(field(card, 'Approvals')).toBe(
        '1 of 2 from Change Advisory Board · owners 0 of 1\n✓ @Carol Danvers 2026-12-01T13:00:00.000Z\n✗ @Dave Ops 2026-12-01T13:01:00.000Z: No rollback plan for the HSM keys',
      );
      expect(buttons(card)).toEqual([]);
    }
    expect((await audit('change.rejected')).map((a) => [a.subject, a.actor.platformUserId])).toEqual([
      ['change:CHG-1', 'U0DAVE'],
    ]);
    expect((await audit('change.rejection_given')).map((a) => JSON.parse(a.after!).reason)).toEqual([
      'No rollback plan for the HSM keys',
    ]);

    expect(await approve('bob', 1)).toMatchObject({
      ok: false,
      error: { code: 'CHANGE.DECIDED', message: 'CHG-1 is rejected; nothing to decide.' },
    });
    expect(await steward.execute(onSlack('erin'), { kind: 'change.reject', change: 1 })).toMatchObject({
      ok: false,
      error: { code: 'CHANGE.DECIDED' },
    });
    // The reject form opened before the outcome, submitted after it.
    expect(
      await steward.submit(onSlack('bob'), { ...target, nonce: 'later' }, { reason: 'Too late anyway' }),
    ).toMatchObject({ ok: false, error: { code: 'CHANGE.DECIDED' } });
  });

  it('every copy is sent once and edited after each decision; decided copies lose their buttons', async () => {
    const { request, approve, settle, gw } = await setup();
    await request('alice');
    await settle();
    // The team channel card, and a direct message to each approver (never to the requester).
    expect(gw.edits(1)).toEqual({ payments: 0, '@carol': 0, '@dave': 0, '@erin': 0, '@bob': 0 });
    for (const card of gw.current(1)) {
      expect(card.title).toBe('CHG-1 · Rotate the payments TLS certificate');
      expect([
        field(card, 'Service'),
        field(card, 'Kind'),
        field(card, 'Window'),
        field(card, 'Requested by'),
        field(card, 'State'),
      ]).toEqual([
        'Payments API payments-api',
        'Normal · high risk',
        '2026-12-02T15:00:00.000Z → 2026-12-02T17:00:00.000Z (2h)',
        '@Alice Example',
        'Waiting for approval',
      ]);
      expect(buttons(card)).toEqual(['Approve', 'Reject']);
      expect(card.buttons![0]).toMatchObject({
        command: { kind: 'change.approve', change: 1 },
        confirm: { title: 'Approve CHG-1?', text: 'Rotate the payments TLS certificate on Payments API' },
      });
    }
    const all = (n: number) => ({ payments: n, '@carol': n, '@dave': n, '@erin': n, '@bob': n });
    await approve('carol', 1);
    await settle();
    expect(gw.edits(1)).toEqual(all(1));
    await approve('bob', 1);
    await settle();
    expect(gw.edits(1)).toEqual(all(2));
    expect(gw.current(1).map(buttons)).toEqual(Array(5).fill(['Approve', 'Reject']));
    await approve('erin', 1);
    await settle();
    expect(gw.edits(1)).toEqual(all(3));
    for (const card of gw.current(1)) {
      expect(field(card, 'State')).toBe('Approved');
      expect(card.tone).toBe('good');
      expect(buttons(card)).toEqual([]);
    }
    // A refused click edits nothing; nothing more is sent.
    await approve('dave', 1);
    await settle();
    expect(gw.edits(1)).toEqual(all(3));
    expect(gw.change(1)).toHaveLength(5);
  });

  it('a refused click between a decision and its delivery does not lose the edit', async () => {
    const { request, approve, settle, gw, open } = await setup();
    // Replica B handles the clicks; its outbox is stopped, so replica A delivers everything afterwards.
    const b = await open('replica-b');
    await b.steward.outbox.stop();
    await request('alice');
    await settle();
    await approve('carol', 1, b.steward);
    expect(await approve('alice', 1, b.steward)).toMatchObject({ ok: false, error: { code: 'AUTH.FORBIDDEN' } });
    expect(await approve('carol', 1, b.steward)).toMatchObject({ ok: false, error: { code: 'CHANGE.DECIDED' } });
    await settle();
    expect(gw.current(1).map((c) => field(c, 'Approvals')!.split('\n')[0])).toEqual(
      Array(5).fill('1 of 2 from Change Advisory Board · owners 0 of 1'),
    );
  });

  it('copies delivered after the decision show the decision', async () => {
    const { approve, settle, gw, open } = await setup();
    const b = await open('replica-b');
    await b.steward.outbox.stop();
    expect(title(await b.steward.submit(as('alice'), { kind: 'change.request', nonce: 'late' }, HIGH))).toBe(
      'CHG-1 requested',
    );
    for (const who of ['carol', 'bob', 'dave']) await approve(who, 1, b.steward);
    await settle();
    expect(gw.change(1)).toHaveLength(5);
    expect(gw.current(1).map((c) => [field(c, 'State'), field(c, 'Approvals')!.split('\n')[0], buttons(c)])).toEqual(
      Array(5).fill(['Approved', '2 of 2 from Change Advisory Board ✓ · owners ✓', []]),
    );
  });

  it('lifecycle: start only approved and inside the window, complete with an outcome, rollback, cancel by the requester', async () => {
    const { request, approve, settle, gw, steward, formOf, change, at, declare, audit } = await setup();
    await request('alice');
    // A pre-approved standard change, 14:00Z – 16:10Z on Wednesday.
    expect(
      title(
        await request('alice', {
          kind: 'standard',
          title: 'Renew the staging certificate',
          window: '2026-12-02 09:00 +2h10m',
        }),
      ),
    ).toBe('CHG-2 requested');
    expect((await change(2))?.approval).toBe('approved');
    // Completing a change that has not started is refused before the outcome form opens.
    expect(await steward.execute(as('alice'), { kind: 'change.complete', change: 1 })).toMatchObject({
      ok: false,
      error: { code: 'CHANGE.STATE', message: 'CHG-1 is waiting for approval; only a change in progress completes.' },
    });
    const notApproved = await steward.execute(as('alice'), { kind: 'change.start', change: 1 });
    expect(notApproved).toMatchObject({
      ok: false,
      error: { code: 'CHANGE.NOT_APPROVED', message: 'CHG-1 is waiting for approval: it may start once approved.' },
    });
    for (const who of ['carol', 'dave', 'bob']) await approve(who, 1);
    const early = await steward.execute(as('alice'), { kind: 'change.start', change: 1 });
    expect(early).toMatchObject({
      ok: false,
      error: {
        code: 'CHANGE.OUTSIDE_WINDOW',
        message:
          'CHG-1 is planned for 2026-12-02T15:00:00.000Z – 2026-12-02T17:00:00.000Z; start it inside its window.',
      },
    });
    // Five minutes early is allowed, a millisecond more is not.
    at('2026-12-02T14:54:59.999Z');
    expect(await steward.execute(as('alice'), { kind: 'change.start', change: 1 })).toMatchObject({
      ok: false,
      error: { code: 'CHANGE.OUTSIDE_WINDOW' },
    });
    // Only the requester, the service's owners or its team run a change.
    at('2026-12-02T14:55:00.000Z');
    expect(await steward.execute(as('frank'), { kind: 'change.start', change: 1 })).toMatchObject({
      ok: false,
      error: { code: 'AUTH.FORBIDDEN' },
    });
    expect(title(await steward.execute(as('bob'), { kind: 'change.start', change: 1 }))).toBe('CHG-1 started');
    expect(await change(1)).toMatchObject({ phase: 'in_progress', startedAt: new Date('2026-12-02T14:55:00.000Z') });
    expect(await steward.execute(as('alice'), { kind: 'change.start', change: 1 })).toMatchObject({
      ok: false,
      error: { code: 'CHANGE.STATE' },
    });

    // Complete through its form: the outcome is required; someone outside the service gets no form.
    at('2026-12-02T16:10:00.000Z');
    expect(await steward.execute(as('frank'), { kind: 'change.complete', change: 1 })).toMatchObject({
      ok: false,
      error: {
        code: 'AUTH.FORBIDDEN',
        message: 'Only the requester, the owners or the team of payments-api may complete CHG-1.',
      },
    });
    const target = formOf(await steward.execute(as('alice'), { kind: 'change.complete', change: 1 }));
    expect(await steward.submit(as('alice'), target, {})).toMatchObject({
      ok: false,
      error: { fields: { outcome: 'Choose how it went' } },
    });
    expect(
      title(await steward.submit(as('alice'), target, { outcome: 'with_issues', notes: 'one node needed a restart' })),
    ).toBe('CHG-1 completed: with issues');
    expect(await change(1)).toMatchObject({
      phase: 'completed',
      outcome: 'with_issues',
      endedAt: new Date('2026-12-02T16:10:00.000Z'),
    });
    await settle();
    expect(gw.current(1).map((c) => field(c, 'State'))).toEqual(Array(5).fill('Completed (completed with issues)'));

    // The pre-approved change may not start once its window has ended (the end is exclusive).
    expect(await steward.execute(as('alice'), { kind: 'change.start', change: 2 })).toMatchObject({
      ok: false,
      error: { code: 'CHANGE.OUTSIDE_WINDOW' },
    });

    // Rolled back: the reply offers to declare an incident, and that button opens the declare form.
    expect(title(await request('alice', { kind: 'standard', title: 'Bump the pool size', window: 'now +1h' }))).toBe(
      'CHG-3 requested',
    );
    expect(title(await steward.execute(as('alice'), { kind: 'change.start', change: 3 }))).toBe('CHG-3 started');
    const rolled = await steward.execute(as('alice'), { kind: 'change.rollback', change: 3 });
    expect(title(rolled)).toBe('CHG-3 rolled back');
    const offer = rolled.ok ? rolled.value.cards[0]!.buttons : [];
    expect(offer).toEqual([
      {
        label: 'Declare an incident',
        style: 'danger',
        command: { kind: 'incident.declare', title: 'Rollback of CHG-3: Bump the pool size' },
      },
    ]);
    const declareForm = await steward.execute(as('alice'), offer![0]!.command);
    expect(declareForm.ok && declareForm.value.form?.fields.find((f) => f.id === 'title')?.initial).toBe(
      'Rollback of CHG-3: Bump the pool size',
    );
    expect(await change(3)).toMatchObject({ phase: 'rolled_back', endedAt: new Date('2026-12-02T16:10:00.000Z') });

    // Cancel: only the requester.
    expect(title(await request('alice', { window: '2026-12-03 10:00 +1h' }))).toBe('CHG-4 requested');
    expect(await steward.execute(as('bob'), { kind: 'change.cancel', change: 4 })).toMatchObject({
      ok: false,
      error: { code: 'AUTH.FORBIDDEN', message: 'Only Alice Example, who requested it, may cancel CHG-4.' },
    });
    expect(title(await steward.execute(as('alice'), { kind: 'change.cancel', change: 4 }))).toBe('CHG-4 cancelled');
    expect(await approve('carol', 4)).toMatchObject({
      ok: false,
      error: { code: 'CHANGE.DECIDED', message: 'CHG-4 is cancelled; nothing to decide.' },
    });
    await settle();
    expect(gw.current(4).map((c) => [field(c, 'State'), buttons(c)])).toEqual(Array(5).fill(['Cancelled', []]));

    // The incident declared after the rollback, on the same service, names the rolled-back change in its war room.
    await declare('alice', 'Rollback of CHG-3: Bump the pool size');
    await settle();
    const room = [...gw.copies.values()].find(
      (x) => x.channelId.startsWith('inc-1-') && x.versions[0]!.cards[0]!.title.startsWith('INC-1 · '),
    )!;
    expect(field(room.versions.at(-1)!.cards[0]!, 'What changed?')).toBe(
      'CHG-3 Bump the pool size · started 2026-12-02T16:10:00.000Z\nCHG-1 Rotate the payments TLS certificate · started 2026-12-02T14:55:00.000Z',
    );

    // An emergency change starts at once, before its approval, outside any window check; it still collects it.
    expect(
      title(
        await request('alice', {
          kind: 'emergency',
          title: 'Raise the pool limit',
          window: '2026-12-03 12:00 +1h',
          details: 'For INC-1: raise max_client_conn',
        }),
      ),
    ).toBe('CHG-5 requested');
    expect(title(await steward.execute(as('alice'), { kind: 'change.start', change: 5 }))).toBe('CHG-5 started');
    expect(await change(5)).toMatchObject({
      approval: 'pending',
      phase: 'in_progress',
      startedAt: new Date('2026-12-02T16:10:00.000Z'),
    });
    await settle();
    expect(gw.current(5).map((c) => [field(c, 'State'), buttons(c)])).toEqual(
      Array(4).fill(['In progress', ['Approve', 'Reject']]),
    );
    // The reply names the state the card shows: approved, it is still in progress.
    expect(bodyOf(await approve('erin', 5))).toBe('CHG-5 is now in progress.');
    await settle();
    expect(gw.current(5).map((c) => [field(c, 'State'), field(c, 'Approvals')!.split('\n')[0], buttons(c)])).toEqual(
      Array(4).fill(['In progress', '1 of 1 from Change Advisory Board ✓', []]),
    );
    expect(await change(5)).toMatchObject({ approval: 'approved', phase: 'in_progress' });
    // Rejected afterwards, a running emergency change says so on every copy.
    expect(
      title(
        await request('alice', {
          kind: 'emergency',
          title: 'Disable the retry storm',
          window: 'now +1h',
          details: 'For INC-1: turn off client retries',
        }),
      ),
    ).toBe('CHG-6 requested');
    expect(title(await steward.execute(as('alice'), { kind: 'change.start', change: 6 }))).toBe('CHG-6 started');
    const rejectForm = formOf(await steward.execute(onSlack('carol'), { kind: 'change.reject', change: 6 }));
    expect(
      bodyOf(
        await steward.submit(onSlack('carol'), rejectForm, {
          reason: 'Retries are the only thing keeping checkout up',
        }),
      ),
    ).toBe('CHG-6 is now in progress.');
    await settle();
    expect(gw.current(6).map((c) => [field(c, 'State'), field(c, 'Flags'), buttons(c)])).toEqual(
      Array(4).fill(['In progress', '⚠ emergency change rejected afterwards', []]),
    );
    expect(await change(6)).toMatchObject({ approval: 'rejected', phase: 'in_progress' });
    // It still runs: open, on the calendar, and a change planned over it is marked with it.
    const open = await steward.execute(as('bob'), { kind: 'change.list' });
    expect(
      open.ok &&
        plain(open.value.cards[0]!.body!)
          .split('\n')
          .map((l) => l.split(' ')[0]),
    ).toEqual(['CHG-6', 'CHG-5', 'CHG-2']);
    const calendar = await steward.execute(as('bob'), { kind: 'change.calendar' });
    expect(
      calendar.ok &&
        plain(calendar.value.cards[0]!.sections![0]!.body)
          .split('\n')
          .map((l) => l.split(' ')[0]),
    ).toEqual(['CHG-6', 'CHG-5']);
    expect(title(await request('alice', { title: 'Tune the retry budget', window: 'now +30m' }))).toBe(
      'CHG-7 requested',
    );
    expect((await change(7))?.flags.conflicts).toEqual([6]);
    expect((await audit()).filter((a) => a.subject === 'change:CHG-1').map((a) => a.action)).toEqual([
      'change.requested',
      'change.approval_given',
      'change.approval_given',
      'change.approval_given',
      'change.approved',
      'change.started',
      'change.completed',
    ]);
  });

  it('a request nobody decides expires exactly at its timeout, once across replicas', async () => {
    const { request, approve, settle, gw, steward, change, audit, at, open, advance } = await setup();
    // Replica B expires too, but delivers nothing: every copy is edited by replica A.
    const b = await open('replica-b');
    await b.steward.outbox.stop();
    await request('alice');
    await settle();
    await approve('carol', 1);
    advance(HOUR);
    expect(title(await request('alice', { window: '2026-12-02 12:00 +1h' }))).toBe('CHG-2 requested');
    await settle();
    const job = (s: Steward) => s.jobs().interval.find((j) => j.name === 'changes-expire')!;
    expect(job(steward).everyMs).toBe(30_000);

    at('2026-12-04T12:59:59.999Z');
    await job(steward).run(new Date('2026-12-04T12:59:59.999Z'));
    expect((await change(1))?.approval).toBe('pending');

    const due = new Date('2026-12-04T13:00:00.000Z');
    at(due.toISOString());
    await Promise.all([job(steward).run(due), job(b.steward).run(due), job(steward).run(due)]);
    expect(await change(1)).toMatchObject({ approval: 'expired', decidedAt: due });
    expect((await audit('change.expired')).map((a) => [a.subject, a.at.toISOString(), a.actor.platform])).toEqual([
      ['change:CHG-1', '2026-12-04T13:00:00.000Z', 'system'],
    ]);
    await settle();
    for (const card of gw.current(1)) {
      expect(field(card, 'State')).toBe('Expired (nobody decided in time)');
      expect(plain(card.context!)).toBe('CHG-1 · Expired (nobody decided in time)');
      expect(buttons(card)).toEqual([]);
    }
    expect(gw.current(1)).toHaveLength(5);
    expect(await approve('dave', 1)).toMatchObject({
      ok: false,
      error: { code: 'CHANGE.DECIDED', message: 'CHG-1 is expired (nobody decided in time); nothing to decide.' },
    });
    await job(steward).run(new Date(due.getTime() + 30_000));
    expect(await audit('change.expired')).toHaveLength(1);
    expect((await change(2))?.approval).toBe('pending');

    // CHG-2 reaches its timeout between two runs of the job: an approval then is too late, and expires it.
    at('2026-12-04T14:00:00.000Z');
    expect(await approve('dave', 2)).toMatchObject({
      ok: false,
      error: { code: 'CHANGE.DECIDED', message: 'CHG-2 is expired (nobody decided in time); nothing to decide.' },
    });
    expect(await change(2)).toMatchObject({ approval: 'expired', decidedAt: new Date('2026-12-04T14:00:00.000Z') });
    await job(steward).run(new Date('2026-12-04T14:00:10.000Z'));
    expect((await audit('change.expired')).map((a) => [a.subject, a.at.toISOString(), a.actor.platform])).toEqual([
      ['change:CHG-1', '2026-12-04T13:00:00.000Z', 'system'],
      ['change:CHG-2', '2026-12-04T14:00:00.000Z', 'system'],
    ]);
    await settle();
    expect(gw.current(2).map((c) => [field(c, 'State'), buttons(c)])).toEqual(
      Array(5).fill(['Expired (nobody decided in time)', []]),
    );
    // One millisecond earlier, an approval still counts (CHG-3, the same timeout).
    expect(title(await request('alice', { window: '2026-12-07 12:00 +1h' }))).toBe('CHG-3 requested');
    at('2026-12-07T13:59:59.999Z');
    expect(bodyOf(await approve('bob', 3))).toBe('Tally: 0 of 2 from Change Advisory Board · owners ✓.');
    expect((await change(3))?.approval).toBe('pending');
  });

  it('daylight saving: a window typed in New York on the spring-forward day, and the Berlin weekend freeze that ends Monday 09:00 local', async () => {
    const { request, declare, change, settle, gw } = await setup('2026-03-02T12:00:00.000Z');
    await declare();
    // 01:30 EST is 06:30Z; two hours later it is 04:30 EDT (08:30Z). Sunday is inside the weekend freeze: emergency only.
    const r = await request('alice', {
      kind: 'emergency',
      window: '2026-03-08 01:30 +2h',
      details: 'For INC-1: rotate the leaked key',
    });
    expect([title(r), bodyOf(r)]).toEqual([
      'CHG-1 requested',
      'The approvers have been asked; the card in the team channel shows the tally.',
    ]);
    expect(await change(1)).toMatchObject({
      windowStart: new Date('2026-03-08T06:30:00.000Z'),
      windowEnd: new Date('2026-03-08T08:30:00.000Z'),
    });
    await settle();
    expect(field(gw.current(1)[0]!, 'Window')).toBe('2026-03-08T06:30:00.000Z → 2026-03-08T08:30:00.000Z (2h)');
    // The weekend freeze of March 6: Friday 17:00 CET to Monday 09:00 CET.
    expect(field(gw.current(1)[0]!, 'Flags')).toBe(
      '⚠ inside the freeze weekend (No weekend changes) until 2026-03-09T08:00:00.000Z',
    );
    expect(
      await request('alice', {
        kind: 'emergency',
        window: '2026-03-08 02:30 +1h',
        details: 'For INC-1: rotate the leaked key',
      }),
    ).toMatchObject({
      ok: false,
      error: { fields: { window: 'that time does not exist on 2026-03-08 in America/New_York (clocks go forward)' } },
    });

    // Carol is in Berlin, where clocks go forward on 2026-03-29: the freeze lasts 63 hours and ends 09:00 CEST (07:00Z).
    const frozen =
      'No weekend changes: Payments API is frozen until Mon 2026-03-30 09:00 Europe/Berlin (freeze weekend); plan it after that, or make it an emergency change';
    const low = { kind: 'normal-low' };
    expect(await request('carol', { ...low, window: '2026-03-29 12:00 +1h' })).toMatchObject({
      ok: false,
      error: { fields: { window: frozen } },
    });
    expect(await request('carol', { ...low, window: '2026-03-30 08:30 +30m' })).toMatchObject({
      ok: false,
      error: { fields: { window: frozen } },
    });
    expect(await request('carol', { ...low, window: '2026-03-27 16:30 +31m' })).toMatchObject({
      ok: false,
      error: { fields: { window: frozen } },
    });
    expect(title(await request('carol', { ...low, window: '2026-03-30 09:00 +1h' }))).toBe('CHG-2 requested');
    expect(title(await request('carol', { ...low, window: '2026-03-27 16:00 +1h' }))).toBe('CHG-3 requested');
    expect(await change(2)).toMatchObject({
      windowStart: new Date('2026-03-30T07:00:00.000Z'),
      windowEnd: new Date('2026-03-30T08:00:00.000Z'),
      flags: { conflicts: [] },
    });
    expect(await change(3)).toMatchObject({
      windowStart: new Date('2026-03-27T15:00:00.000Z'),
      windowEnd: new Date('2026-03-27T16:00:00.000Z'),
    });

    // Clocks go back in Berlin on 2026-10-25: that weekend lasts 65 hours and still ends 09:00 local (08:00Z).
    expect(await request('carol', { ...low, window: '2026-10-26 08:30 +30m' })).toMatchObject({
      ok: false,
      error: {
        fields: {
          window:
            'No weekend changes: Payments API is frozen until Mon 2026-10-26 09:00 Europe/Berlin (freeze weekend); plan it after that, or make it an emergency change',
        },
      },
    });
    expect(title(await request('carol', { ...low, window: '2026-10-26 09:00 +1h' }))).toBe('CHG-4 requested');
    expect(await change(4)).toMatchObject({ windowStart: new Date('2026-10-26T08:00:00.000Z') });
    // New York falls back on 2026-11-01: 01:30 happens twice, and the first (EDT, 05:30Z) is meant.
    const twice = await request('alice', {
      kind: 'emergency',
      window: '2026-11-01 01:30 +1h',
      details: 'For INC-1: rotate the leaked key',
    });
    expect([title(twice), bodyOf(twice)]).toEqual([
      'CHG-5 requested',
      'The approvers have been asked; the card in the team channel shows the tally.\nNote: 01:30 happens twice on 2026-11-01 in America/New_York; this is the first (UTC-04:00).',
    ]);
    expect(await change(5)).toMatchObject({
      windowStart: new Date('2026-11-01T05:30:00.000Z'),
      windowEnd: new Date('2026-11-01T06:30:00.000Z'),
    });
  });

  it('the war room lists the changes started on its service in the 24 hours before it was declared', async () => {
    const { request, steward, settle, gw, advance, declare, at } = await setup();
    const std = (t: string, service = 'payments-api') =>
      request('alice', { kind: 'standard', title: t, service, window: 'now +1h' });
    const start = (n: number) => steward.execute(as('alice'), { kind: 'change.start', change: n });
    expect(title(await std('Upgrade the TLS library'))).toBe('CHG-1 requested');
    expect(title(await start(1))).toBe('CHG-1 started'); // 13:00Z, 25 h before the incident
    advance(2 * HOUR);
    expect(title(await std('Raise the pool size'))).toBe('CHG-2 requested');
    expect(title(await start(2))).toBe('CHG-2 started'); // 15:00Z, 23 h before
    expect(title(await std('Rebuild the ledger index', 'ledger'))).toBe('CHG-3 requested');
    expect(title(await start(3))).toBe('CHG-3 started'); // another service
    expect(title(await std('Not started yet'))).toBe('CHG-4 requested');
    at('2026-12-02T14:00:00.000Z');
    await declare('bob', 'Card payments fail');
    await settle();
    const summary = [...gw.copies.values()].find(
      (c) => c.channelId.startsWith('inc-1-') && c.versions[0]!.cards[0]!.title === 'INC-1 · Card payments fail',
    );
    expect(summary).toBeDefined();
    expect(field(summary!.versions.at(-1)!.cards[0]!, 'What changed?')).toBe(
      'CHG-2 Raise the pool size · started 2026-12-01T15:00:00.000Z',
    );
    // Each incident sees its own service's changes.
    await declare('bob', 'Ledger lag', 'ledger');
    await settle();
    const ledger = [...gw.copies.values()].find(
      (c) => c.channelId.startsWith('inc-2-') && c.versions[0]!.cards[0]!.title === 'INC-2 · Ledger lag',
    );
    expect(field(ledger!.versions.at(-1)!.cards[0]!, 'What changed?')).toBe(
      'CHG-3 Rebuild the ledger index · started 2026-12-01T15:00:00.000Z',
    );
  });

  it('list, show with approvals and history, and the 7-day calendar with freezes', async () => {
    const { request, approve, steward, settle, advance, at } = await setup();
    /** What a person typing `/change <line>` gets: the command's grammar, then the operation. */
    const typed = async (who: string, line: string): Promise<Outcome<Reply>> => {
      const parsed = changesModule.commands[0]!.parse(line);
      return parsed.ok ? steward.execute(as(who), parsed.command) : parsed;
    };
    const list = async (who: string, filter?: string) => {
      const r = await typed(who, filter ? `list ${filter}` : 'list');
      return r.ok ? [r.value.cards[0]!.title, plain(r.value.cards[0]!.body!)] : [title(r)];
    };
    expect(await list('alice')).toEqual(['Open changes', 'None.']);
    expect(title(await request('alice', { window: '2026-12-01 10:00 +1h' }))).toBe('CHG-1 requested'); // today 15:00Z
    advance(60_000);
    expect(
      title(
        await request('bob', {
          title: 'Reindex the ledger',
          service: 'ledger',
          kind: 'normal-low',
          window: '2026-12-04 10:00 +1h',
        }),
      ),
    ).toBe('CHG-2 requested');
    advance(60_000);
    expect(bodyOf(await approve('alice', 2))).toBe('CHG-2 is now approved.');
    expect(
      title(await request('alice', { title: 'Patch the kernel', kind: 'standard', window: '2026-12-10 10:00 +1h' })),
    ).toBe('CHG-3 requested');
    expect(title(await request('alice', { title: 'Drop the old index', window: '2026-12-01 11:00 +1h' }))).toBe(
      'CHG-4 requested',
    );
    expect(title(await steward.execute(as('alice'), { kind: 'change.cancel', change: 4 }))).toBe('CHG-4 cancelled');
    await settle();

    const line1 =
      'CHG-1 Rotate the payments TLS certificate · Payments API · 2026-12-01T15:00:00.000Z → 2026-12-01T16:00:00.000Z (1h) · Waiting for approval';
    const line2 =
      'CHG-2 Reindex the ledger · Ledger · 2026-12-04T15:00:00.000Z → 2026-12-04T16:00:00.000Z (1h) · Approved';
    const line3 =
      'CHG-3 Patch the kernel · Payments API · 2026-12-10T15:00:00.000Z → 2026-12-10T16:00:00.000Z (1h) · Approved';
    const line4 =
      'CHG-4 Drop the old index · Payments API · 2026-12-01T16:00:00.000Z → 2026-12-01T17:00:00.000Z (1h) · Cancelled';
    expect(await list('alice')).toEqual(['Open changes (3)', [line3, line2, line1].join('\n')]);
    expect(await list('alice', 'mine')).toEqual(['Your changes (3)', [line4, line3, line1].join('\n')]);
    expect(await list('bob', 'mine')).toEqual(['Your changes (1)', line2]);
    expect(await list('alice', 'pending')).toEqual(['Changes waiting for approval (1)', line1]);
    expect(await list('alice', 'today')).toEqual(['Changes today (1)', line1]);
    expect(await list('alice', 'week')).toEqual(['Changes in the next 7 days (2)', [line1, line2].join('\n')]);
    expect(await list('alice', 'yesterday')).toEqual([
      'COMMAND.INVALID: /change list: filter Invalid option: expected one of "open"|"mine"|"pending"|"today"|"week".',
    ]);
    expect(await list('alice', 'mine pending')).toEqual([
      'COMMAND.INVALID: /change list takes at most one of mine, pending, today, week.',
    ]);

    // "Today" is the asker's day: 23:30 on December 1 in New York is December 2 in Berlin.
    expect(
      title(
        await request('alice', { title: 'Late-night reindex', kind: 'normal-low', window: '2026-12-01 23:30 +30m' }),
      ),
    ).toBe('CHG-5 requested');
    const line5 =
      'CHG-5 Late-night reindex · Payments API · 2026-12-02T04:30:00.000Z → 2026-12-02T05:00:00.000Z (30m) · Waiting for approval';
    expect(await list('alice', 'today')).toEqual(['Changes today (2)', [line1, line5].join('\n')]);
    expect(await list('carol', 'today')).toEqual(['Changes today (1)', line1]);
    expect(await list('dave', 'TODAY')).toEqual(['Changes today (1)', line1]);
    expect(title(await steward.execute(as('alice'), { kind: 'change.cancel', change: 5 }))).toBe('CHG-5 cancelled');

    const show = await typed('frank', 'show CHG-2');
    expect(show.ok).toBe(true);
    const card = show.ok ? show.value.cards[0] : ({} as Card);
    expect(card!.title).toBe('CHG-2 · Reindex the ledger');
    expect(field(card!, 'Approvals')).toBe('owners ✓\n✓ @Alice Example 2026-12-01T13:02:00.000Z');
    expect(section(card!, 'History')).toBe(
      [
        '2026-12-01T13:01:00.000Z · requested · bob (console bob)',
        '2026-12-01T13:02:00.000Z · approval_given · alice (slack U0ALICE)',
        '2026-12-01T13:02:00.000Z · approved · alice (slack U0ALICE)',
      ].join('\n'),
    );
    expect(section(card!, 'Details')).toBe(HIGH.details);
    expect(await steward.execute(as('frank'), { kind: 'change.show', change: 7 })).toMatchObject({
      ok: false,
      error: { code: 'CHANGE.NOT_FOUND', message: 'There is no change CHG-7.' },
    });

    const calendar = async () => {
      const r = await typed('frank', 'calendar');
      const c = r.ok ? r.value.cards[0] : ({} as Card);
      return [
        c!.title,
        section(c!, 'Changes (2)') ?? c!.sections?.map((s) => s.heading),
        c!.sections?.[1]!.heading,
        plain(c!.sections?.[1]!.body ?? []),
        plain(c!.context ?? []),
      ];
    };
    expect(await calendar()).toEqual([
      'Changes and freezes, the next 7 days',
      [line1, line2].join('\n'),
      'Freezes (1)',
      'weekend No weekend changes: 2026-12-04T16:00:00.000Z → 2026-12-07T08:00:00.000Z (every service)',
      'From 2026-12-01T13:02:00.000Z to 2026-12-08T13:02:00.000Z, in your time zone.',
    ]);
    // Two weeks on, the year-end freeze begins within the next 7 days too.
    at('2026-12-15T13:00:00.000Z');
    const later = await steward.execute(as('frank'), { kind: 'change.calendar' });
    const lc = later.ok ? later.value.cards[0] : ({} as Card);
    expect(lc!.sections?.map((s) => [s.heading, plain(s.body)])).toEqual([
      ['Changes (0)', 'None planned.'],
      [
        'Freezes (2)',
        [
          'weekend No weekend changes: 2026-12-18T16:00:00.000Z → 2026-12-21T08:00:00.000Z (every service)',
          'year-end Year-end freeze: 2026-12-20T05:00:00.000Z → 2027-01-04T05:00:00.000Z (payments-api, ledger)',
        ].join('\n'),
      ],
    ]);
  });
});
