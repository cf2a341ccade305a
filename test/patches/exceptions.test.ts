// Risk exceptions on findings through the real Steward core and store (SQLite and PostgreSQL), with
// the console as the chat platform and a clock the test moves: the request form's field errors,
// approvals by the policy's approvers only (never the requester), a double click counted once, two
// approvals at the same instant decided once, a rejection with its reason, the finding hidden from
// overdue lists while excepted, expiry at its exact instant reactivating it and telling its owners once,
// and a request nobody decided in time expiring quietly.
import { afterEach, expect, it } from 'vitest';
import { ConsoleGateway } from '../../src/adapters/console/gateway.js';
import { parsePolicy } from '../../src/config/policy.js';
import { type Card, type Reply, plain } from '../../src/core/card.js';
import type { Invocation } from '../../src/core/context.js';
import { Directory } from '../../src/core/directory.js';
import type { Outcome } from '../../src/core/errors.js';
import { importReport } from '../../src/core/patches/findings/importer.js';
import type { Store } from '../../src/core/ports.js';
import { Steward } from '../../src/core/steward.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { openStore } from '../../src/store/index.js';
import { forEachDialect } from '../support/databases.js';
import { generatedVulns, trivyReport } from '../support/reports.js';
import { fixedClock } from '../support/clock.js';

const POLICY = `
timezone: UTC
people:
  - { id: alice, name: Alice Owner, slack: U0ALICE }
  - { id: bob, name: Bob Sec, slack: U0BOB }
  - { id: carol, name: Carol Sec, slack: U0CAROL }
  - { id: dave, name: Dave Dev, slack: U0DAVE }
  - { id: erin, name: Erin Owner, slack: U0ERIN }
teams:
  - { id: payments, name: Payments, members: [alice, dave, erin] }
groups:
  - { id: security, name: Security, members: [alice, bob, carol] }
services:
  - { id: payments-api, name: Payments API, team: payments, tier: 1, owners: [alice, erin] }
patches:
  exceptions:
    maxDuration: 90d
    approve: [{ group: security, count: 2 }]
`;
const loaded = parsePolicy(POLICY);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Tuesday 2026-12-01 12:00 UTC. */
const T0 = '2026-12-01T12:00:00.000Z';

const as = (person: string): Invocation => ({ platform: 'console', userId: person, requestId: `r-${Math.random()}` });
const onSlack = (person: string): Invocation => ({
  platform: 'slack',
  userId: `U0${person.toUpperCase()}`,
  requestId: `r-${Math.random()}`,
});
const title = (r: Outcome<Reply>) => (r.ok ? (r.value.cards[0]?.title ?? '') : `${r.error.code}: ${r.error.message}`);
const field = (card: Card, label: string) => {
  const f = card.fields?.find((x) => x.label === label);
  return f ? plain(f.value) : undefined;
};
const buttons = (card: Card) => (card.buttons ?? []).map((b) => b.label);

interface Copy {
  channelId: string;
  versions: Reply[];
}

/** The console platform, keeping every direct message and each edit of it. */
class Recorder extends ConsoleGateway {
  readonly copies = new Map<string, Copy>();
  constructor() {
    super({ show: () => {}, note: () => {}, enter: () => {} }, 'nobody');
  }
  override async dm(userId: string, reply: Reply) {
    const r = await super.dm(userId, reply);
    this.copies.set(`${r.channelId}/${r.messageId}`, { channelId: r.channelId, versions: [reply] });
    return r;
  }
  override async edit(channelId: string, messageId: string, reply: Reply) {
    await super.edit(channelId, messageId, reply);
    const c = this.copies.get(`${channelId}/${messageId}`);
    if (!c) throw new Error(`edit of a message never sent: ${channelId}/${messageId}`);
    c.versions.push(reply);
  }
  /** Copies whose first version's title starts with `prefix`. */
  of(prefix: string): Copy[] {
    return [...this.copies.values()].filter((c) => c.versions[0]!.cards[0]?.title.startsWith(prefix));
  }
}

await forEachDialect('risk exceptions core', ({ dialect, createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup() {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const clock = { ms: Date.parse(T0) };
    let shared: Store | undefined;
    const open = async (holder: string) => {
      const store = dialect === 'sqlite' && shared ? shared : await openStore({ url: db.url, migrate: true });
      if (store !== shared) cleanup.push(() => store.close());
      shared ??= store;
      const steward = new Steward({
        store,
        clock: fixedClock(() => clock.ms),
        policy: loaded,
        modules: STANDARD_MODULES,
        holder,
      });
      cleanup.push(() => steward.outbox.stop());
      const gw = new Recorder();
      steward.gateways.set('console', gw);
      return { store, steward, gw };
    };
    const first = await open('replica-a');
    const { store, steward } = first;
    // Three findings of payments-api, first seen 20 days ago: the critical ones (7 days) are overdue.
    const seenAt = new Date(Date.parse(T0) - 20 * DAY);
    const imported = await importReport(
      { store, clock: fixedClock(seenAt), dir: new Directory(loaded.policy, loaded.sha256) },
      {
        serviceId: 'payments-api',
        input: trivyReport(generatedVulns(8)),
        actor: { platform: 'cli', platformUserId: 'ci' },
        by: 'cli:ci',
      },
    );
    if (!imported.ok) throw new Error(imported.reason);
    const overdueIds = async () =>
      (await store.transaction((tx) => tx.findings.listOpen({ overdueAt: new Date(clock.ms) }, 0, 100))).findings.map(
        (f) => f.id,
      );
    const [critical] = await overdueIds();
    let nonces = 0;
    const request = (
      who: string,
      values: { justification?: string; until?: string } = {},
      finding = critical,
      nonce = `nonce-${++nonces}`,
    ) =>
      steward.submit(
        as(who),
        { kind: 'patch.exception', number: finding, nonce },
        { justification: 'Not reachable: the parser runs only on signed input.', until: '30d', ...values },
      );
    const approve = (who: string, n: number, s: Steward = steward) =>
      s.execute(onSlack(who), { kind: 'exception.approve', exception: n });
    const exception = (n: number) => store.transaction((tx) => tx.exceptions.byNumber(n));
    const audit = async () =>
      (await store.auditReader.page(0, 10_000)).filter((a) => a.action.startsWith('exception.'));
    return {
      ...first,
      open,
      clock,
      critical,
      overdueIds,
      request,
      approve,
      exception,
      audit,
      at: (iso: string) => (clock.ms = Date.parse(iso)),
      settle: () => steward.outbox.kick(),
    };
  }

  it('the form opens for an open finding; a bad justification or expiry gets field errors and stores nothing', async () => {
    const { steward, request, critical, exception } = await setup();
    const opened = await steward.execute(as('dave'), { kind: 'patch.exception', finding: critical });
    expect(opened.ok && opened.value.form?.fields.map((f) => f.id)).toEqual(['justification', 'until']);
    const fields = async (values: { justification?: string; until?: string }) => {
      const r = await request('dave', values);
      return r.ok ? {} : { code: r.error.code, ...r.error.fields };
    };
    expect(await fields({ justification: 'later' })).toEqual({
      code: 'FORM.INVALID',
      justification: 'Say why the finding can wait (at least 10 characters)',
    });
    expect(await fields({ until: 'next month' })).toEqual({
      code: 'FORM.INVALID',
      until: 'Give a duration such as 30d, or a date YYYY-MM-DD',
    });
    expect(await fields({ until: '91d' })).toEqual({
      code: 'FORM.INVALID',
      until: 'At most 90d from now (patches.exceptions.maxDuration)',
    });
    expect(await fields({ until: '2026-11-30' })).toEqual({
      code: 'FORM.INVALID',
      until: '2026-11-30 has passed; give a later date',
    });
    // 2027-02-28 ends at 2027-03-01T00:00Z: exactly 90 days from T0 is 2027-03-01T12:00Z, so it fits; 03-01 does not.
    expect(await fields({ until: '2027-03-01' })).toEqual({
      code: 'FORM.INVALID',
      until: 'At most 90d from now (patches.exceptions.maxDuration)',
    });
    expect(await exception(1)).toBeNull();
    const ok = await request('dave', { until: '2027-02-28' });
    expect(title(ok)).toBe(`EXC-1 requested for F-${critical}`);
    expect((await exception(1))?.until).toEqual(new Date('2027-03-01T00:00:00.000Z'));
    // One open exception per finding.
    expect(title(await steward.execute(as('dave'), { kind: 'patch.exception', finding: critical }))).toBe(
      `EXCEPTION.OPEN: F-${critical} already has EXC-1 (waiting for approval).`,
    );
  });

  it('only the security group approves, never the requester; a double click counts once; every copy is edited and /patch show tells', async () => {
    const { steward, gw, request, approve, exception, audit, settle, critical, overdueIds } = await setup();
    expect(title(await request('alice'))).toBe(`EXC-1 requested for F-${critical}`);
    await settle();
    // Alice is in the group but asked: bob and carol are asked, by direct message.
    expect(
      gw
        .of('EXC-1 · ')
        .map((c) => c.channelId)
        .sort(),
    ).toEqual(['@bob', '@carol']);
    expect(await approve('alice', 1)).toMatchObject({
      ok: false,
      error: { code: 'AUTH.FORBIDDEN', message: 'you requested this exception: someone else must decide' },
    });
    expect(await approve('dave', 1)).toMatchObject({
      ok: false,
      error: { code: 'AUTH.FORBIDDEN', message: 'not an approver for this exception' },
    });
    expect(title(await approve('bob', 1))).toBe('You approved EXC-1');
    expect(await approve('bob', 1)).toMatchObject({
      ok: false,
      error: { code: 'EXCEPTION.DECIDED', message: 'already decided' },
    });
    expect((await exception(1))?.state).toBe('pending');
    expect(await overdueIds()).toContain(critical);
    const r = await approve('carol', 1);
    expect(r.ok && plain(r.value.cards[0]!.body!)).toBe('EXC-1 is now accepted.');
    expect(await exception(1)).toMatchObject({ state: 'accepted', decidedAt: new Date(T0) });
    expect(await overdueIds()).not.toContain(critical);
    await settle();
    for (const c of gw.of('EXC-1 · ')) {
      const card = c.versions.at(-1)!.cards[0]!;
      expect([field(card, 'State'), field(card, 'Approvals')?.split('\n')[0], buttons(card)]).toEqual([
        'Accepted',
        '2 of 2 from Security ✓',
        [],
      ]);
      expect(c.versions).toHaveLength(3);
    }
    const show = await steward.execute(as('dave'), { kind: 'patch.show', finding: critical });
    const card = show.ok ? show.value.cards[0] : ({} as Card);
    const section = plain(card!.sections!.find((s) => s.heading === 'Risk exception EXC-1')!.body);
    expect(section).toContain('Requested by: @Alice Owner 2026-12-01T12:00:00.000Z');
    expect(section).toContain('Approved by: @Bob Sec, @Carol Sec');
    expect(section).toContain('Until: 2026-12-31T12:00:00.000Z');
    expect(buttons(card!)).toEqual([]);
    expect(field(card!, 'Deadline')).toMatch(/^risk exception until /);
    expect((await audit()).map((a) => [a.action, a.actor.platform, a.actor.platformUserId, a.subject])).toEqual([
      ['exception.requested', 'console', 'alice', `finding:F-${critical}`],
      ['exception.approval_given', 'slack', 'U0BOB', `finding:F-${critical}`],
      ['exception.approval_given', 'slack', 'U0CAROL', `finding:F-${critical}`],
      ['exception.accepted', 'slack', 'U0CAROL', `finding:F-${critical}`],
    ]);
  });

  it('two approvals at the same instant on two replicas are both counted and decide once', async () => {
    const { open, request, exception, audit, settle, gw, critical } = await setup();
    const b = await open('replica-b');
    // Replica A alone delivers (the console recorders are per replica, unlike a chat platform).
    await b.steward.outbox.stop();
    expect(title(await request('alice'))).toBe(`EXC-1 requested for F-${critical}`);
    await settle();
    const [x, y] = await Promise.all([
      b.steward.execute(onSlack('bob'), { kind: 'exception.approve', exception: 1 }),
      b.steward.execute(onSlack('carol'), { kind: 'exception.approve', exception: 1 }),
    ]);
    expect([x.ok, y.ok]).toEqual([true, true]);
    expect((await exception(1))?.state).toBe('accepted');
    expect((await audit()).filter((a) => a.action === 'exception.accepted')).toHaveLength(1);
    expect(gw.of('EXC-1 · ')).toHaveLength(2);
  });

  it('a rejection asks for a reason, then rejects on every copy; later decisions change nothing', async () => {
    const { steward, gw, request, approve, exception, audit, settle, critical, overdueIds } = await setup();
    await request('dave');
    await settle();
    const opened = await steward.execute(onSlack('bob'), { kind: 'exception.reject', exception: 1 });
    if (!opened.ok || !opened.value.form) throw new Error('no reason form');
    expect(opened.value.form.title).toBe('Reject EXC-1');
    const short = await steward.submit(onSlack('bob'), opened.value.form.target, { reason: 'no' });
    expect(short.ok ? {} : short.error.fields).toEqual({ reason: 'Say why (at least 3 characters)' });
    expect(
      title(
        await steward.submit(onSlack('bob'), opened.value.form.target, {
          reason: 'Reachable from the public API; patch it.',
        }),
      ),
    ).toBe('You rejected EXC-1');
    expect(await exception(1)).toMatchObject({ state: 'rejected', decidedAt: new Date(T0) });
    expect(await approve('carol', 1)).toMatchObject({
      ok: false,
      error: { code: 'EXCEPTION.DECIDED', message: 'EXC-1 is rejected; nothing to decide.' },
    });
    expect(await overdueIds()).toContain(critical);
    await settle();
    for (const c of gw.of('EXC-1 · ')) {
      const card = c.versions.at(-1)!.cards[0]!;
      expect([field(card, 'State'), buttons(card)]).toEqual(['Rejected', []]);
      expect(field(card, 'Approvals')).toContain('✗ @Bob Sec 2026-12-01T12:00:00.000Z');
      expect(field(card, 'Approvals')).toContain('Reachable from the public API; patch it.');
    }
    expect((await audit()).map((a) => a.action)).toEqual([
      'exception.requested',
      'exception.rejection_given',
      'exception.rejected',
    ]);
    // Rejected: a new request may be made.
    expect(title(await request('dave'))).toBe(`EXC-2 requested for F-${critical}`);
  });

  it('expires at its exact instant on every replica once: the finding is overdue again and its owners are told once', async () => {
    const { open, steward, store, gw, request, approve, exception, audit, settle, critical, overdueIds, at } =
      await setup();
    const b = await open('replica-b');
    // Replica A alone delivers (the console recorders are per replica, unlike a chat platform).
    await b.steward.outbox.stop();
    await request('dave', { until: '7d' });
    await approve('bob', 1);
    await approve('carol', 1);
    await settle();
    const job = (s: Steward) => s.jobs().interval.find((j) => j.name === 'exceptions-expire')!;
    expect(job(steward).everyMs).toBe(30_000);
    const due = new Date(Date.parse(T0) + 7 * DAY);
    at(new Date(due.getTime() - 1).toISOString());
    await job(steward).run(new Date(due.getTime() - 1));
    expect((await exception(1))?.state).toBe('accepted');
    expect(await overdueIds()).not.toContain(critical);
    at(due.toISOString());
    // At the instant itself the finding counts as overdue again, before the job has run.
    expect(await overdueIds()).toContain(critical);
    await Promise.all([job(steward).run(due), job(b.steward).run(due), job(steward).run(due)]);
    expect(await exception(1)).toMatchObject({ state: 'expired', expiredAt: due });
    const finding = await store.transaction((tx) => tx.findings.byId(critical!));
    expect(finding?.exceptedUntil).toBeNull();
    expect(
      (await audit())
        .filter((a) => a.action === 'exception.expired')
        .map((a) => [a.at.toISOString(), a.actor.platform]),
    ).toEqual([[due.toISOString(), 'system']]);
    await settle();
    await job(steward).run(new Date(due.getTime() + 30_000));
    await settle();
    // The owners (alice and erin) hear it once each.
    const notices = gw.of('EXC-1 expired');
    expect(notices.map((c) => c.channelId).sort()).toEqual(['@alice', '@erin']);
    expect(notices[0]!.versions[0]!.cards[0]!.title).toBe(`EXC-1 expired: F-${critical} is active again`);
    for (const c of gw.of('EXC-1 · ')) expect(field(c.versions.at(-1)!.cards[0]!, 'State')).toBe('Expired');
  });

  it('a request nobody decided by its expiry is refused from then on and expires without telling the owners', async () => {
    const { steward, gw, request, approve, exception, audit, settle, at } = await setup();
    await request('dave', { until: '1d' });
    await approve('bob', 1);
    const due = new Date(Date.parse(T0) + DAY);
    at(due.toISOString());
    expect(await approve('carol', 1)).toMatchObject({
      ok: false,
      error: { code: 'EXCEPTION.DECIDED', message: 'EXC-1 has reached its expiry; nothing to decide.' },
    });
    await steward
      .jobs()
      .interval.find((j) => j.name === 'exceptions-expire')!
      .run(due);
    expect(await exception(1)).toMatchObject({ state: 'expired', expiredAt: due, decidedAt: null });
    await settle();
    expect(gw.of('EXC-1 expired')).toEqual([]);
    for (const c of gw.of('EXC-1 · '))
      expect([field(c.versions.at(-1)!.cards[0]!, 'State'), buttons(c.versions.at(-1)!.cards[0]!)]).toEqual([
        'Expired',
        [],
      ]);
    expect((await audit()).map((a) => a.action)).toEqual([
      'exception.requested',
      'exception.approval_given',
      'exception.expired',
    ]);
  });
});
