// Paging repositories on SQLite and PostgreSQL: page numbering and lookups, versioned and
// open-only updates, escalation steps (order, claims, rescheduling, cancelling, failed tries),
// message dedupe by send key, and on-call overrides with cancellation.
import { afterEach, expect, it } from 'vitest';
import type { FrozenPath, Page } from '../../src/core/paging/model.js';
import type { NewPage } from '../../src/core/paging/ports.js';
import type { Store } from '../../src/core/ports.js';
import { openStore } from '../../src/store/index.js';
import { STEP_ERROR_MAX } from '../../src/store/pages.js';
import { forEachDialect } from '../support/databases.js';

const T0 = new Date('2026-11-23T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const path: FrozenPath = {
  policy: 'checkout-fast',
  levels: [
    { notify: [{ schedule: 'checkout-primary' }], ackTimeoutMs: 2000 },
    { notify: [{ person: 'carol' }], ackTimeoutMs: 2000 },
  ],
  repeat: 1,
  team: 'payments',
  policyVersion: 'v1',
};
const newPage = (key: string, message = 'Checkout returns 502'): NewPage => ({
  key,
  serviceId: 'checkout',
  personId: null,
  incidentNumber: null,
  message,
  status: 'open',
  path,
  createdBy: 'alice',
  createdPlatform: 'slack',
  createdUserId: 'U0ALICE',
  createdAt: T0,
});
const step = (pageId: number, seq: number, dueAt: Date) => ({
  pageId,
  seq,
  round: Math.floor(seq / 2),
  level: seq % 2,
  kind: 'notify' as const,
  dueAt,
});

await forEachDialect('paging store', ({ dialect, createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  async function fresh(): Promise<Store> {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    return store;
  }
  const steps = (store: Store, pageId: number) => store.transaction((tx) => tx.pages.steps(pageId));

  it('creates pages numbered 1, 2 … and finds them by number, id and key', async () => {
    const store = await fresh();
    const a = await store.transaction((tx) => tx.pages.create(newPage('page:slack:r1'), T0));
    const b = await store.transaction((tx) => tx.pages.create(newPage('page:slack:r2', 'second'), at(1000)));
    expect([a.number, b.number]).toEqual([1, 2]);
    expect(a).toMatchObject({
      key: 'page:slack:r1',
      status: 'open',
      path,
      stepSeq: -1,
      notified: [],
      exhaustedAt: null,
      ackBy: null,
      version: 1,
      createdAt: T0,
      updatedAt: T0,
    });
    expect((await store.transaction((tx) => tx.pages.byNumber(2)))?.message).toBe('second');
    expect((await store.transaction((tx) => tx.pages.byId(a.id)))?.number).toBe(1);
    expect((await store.transaction((tx) => tx.pages.byKey('page:slack:r2')))?.number).toBe(2);
    expect(await store.transaction((tx) => tx.pages.byNumber(3))).toBeNull();
    expect(await store.transaction((tx) => tx.pages.byKey('page:slack:nope'))).toBeNull();
    await expect(store.transaction((tx) => tx.pages.create(newPage('page:slack:r1'), T0))).rejects.toThrow();
    expect((await store.transaction((tx) => tx.pages.list({ statuses: ['open'] }))).map((p) => p.number)).toEqual([
      2, 1,
    ]);
  });

  it('a versioned update applies once: of two racing at one version, one wins and the other changes nothing', async () => {
    const store = await fresh();
    const p = await store.transaction((tx) => tx.pages.create(newPage('k'), T0));
    const [x, y] = await Promise.all([
      store.transaction((tx) =>
        tx.pages.update(p.id, 1, { status: 'acknowledged', ackBy: 'bob', ackAt: at(5), ackPlatform: 'slack' }, at(5)),
      ),
      store.transaction((tx) =>
        tx.pages.update(p.id, 1, { status: 'resolved', resolvedBy: 'carol', resolvedAt: at(5) }, at(5)),
      ),
    ]);
    expect([x, y].filter((r) => r === null)).toHaveLength(1);
    const won = (x ?? y)!;
    expect(won.version).toBe(2);
    const stored = (await store.transaction((tx) => tx.pages.byId(p.id)))!;
    expect([stored.status, stored.version, stored.updatedAt]).toEqual([won.status, 2, at(5)]);
    expect(await store.transaction((tx) => tx.pages.update(p.id, 1, { notified: ['bob'] }, at(6)))).toBeNull();
    const next = await store.transaction((tx) =>
      tx.pages.update(p.id, 2, { notified: ['bob', 'carol'], stepSeq: 1 }, at(7)),
    );
    expect(next).toMatchObject({ version: 3, notified: ['bob', 'carol'], stepSeq: 1, status: won.status });
  });

  it('updateIfOpen bumps the version while the page is open, and does nothing once it is not', async () => {
    const store = await fresh();
    const p = await store.transaction((tx) => tx.pages.create(newPage('k'), T0));
    const a = await store.transaction((tx) => tx.pages.updateIfOpen(p.id, { stepSeq: 0, notified: ['bob'] }, at(10)));
    expect(a).toMatchObject({ version: 2, stepSeq: 0, notified: ['bob'], updatedAt: at(10) });
    const b = await store.transaction((tx) => tx.pages.updateIfOpen(p.id, {}, at(20)));
    expect(b).toMatchObject({ version: 3, stepSeq: 0, updatedAt: at(20) });
    await store.transaction((tx) =>
      tx.pages.update(p.id, 3, { status: 'acknowledged', ackBy: 'bob', ackAt: at(30) }, at(30)),
    );
    expect(await store.transaction((tx) => tx.pages.updateIfOpen(p.id, { stepSeq: 1 }, at(40)))).toBeNull();
    expect(await store.transaction((tx) => tx.pages.byId(p.id))).toMatchObject({
      version: 4,
      stepSeq: 0,
      status: 'acknowledged',
    });
  });

  it('pending steps come earliest first (ties by id), up to the due bound and the limit; a step is added once per seq', async () => {
    const store = await fresh();
    const p = await store.transaction((tx) => tx.pages.create(newPage('p1'), T0));
    const q = await store.transaction((tx) => tx.pages.create(newPage('p2'), T0));
    await store.transaction(async (tx) => {
      await tx.pages.addStep(step(p.id, 0, at(3000)));
      await tx.pages.addStep(step(q.id, 0, at(1000)));
      await tx.pages.addStep(step(p.id, 1, at(2000)));
      await tx.pages.addStep(step(q.id, 1, at(2000)));
      await tx.pages.addStep(step(q.id, 2, at(9000)));
      // The same seq again (a retried firing): the first row stands.
      await tx.pages.addStep(step(p.id, 0, at(500)));
    });
    const due = await store.transaction((tx) => tx.pages.pendingSteps(at(3000), 100));
    expect(due.map((s) => [s.pageId, s.seq, s.dueAt.getTime() - T0.getTime()])).toEqual([
      [q.id, 0, 1000],
      [p.id, 1, 2000],
      [q.id, 1, 2000],
      [p.id, 0, 3000],
    ]);
    expect(due[0]).toMatchObject({
      state: 'pending',
      kind: 'notify',
      round: 0,
      level: 0,
      firedAt: null,
      firedBy: null,
      targets: null,
      attempts: 0,
      lastError: null,
    });
    expect((await store.transaction((tx) => tx.pages.pendingSteps(at(3000), 2))).map((s) => [s.pageId, s.seq])).toEqual(
      [
        [q.id, 0],
        [p.id, 1],
      ],
    );
    expect(await store.transaction((tx) => tx.pages.pendingSteps(at(999), 100))).toEqual([]);
    expect((await steps(store, q.id)).map((s) => s.seq)).toEqual([0, 1, 2]);
  });

  it('claims due steps in batches: earliest first, at most the limit, each by one of several concurrent claimers; then advances, records and adds in one statement each', async () => {
    const store = await fresh();
    const pages: Page[] = [];
    for (let i = 0; i < 6; i++) pages.push(await store.transaction((tx) => tx.pages.create(newPage(`b${i}`), T0)));
    // 30 steps due at 0..29 ms, and one not due yet.
    await store.transaction((tx) =>
      tx.pages.addSteps([
        ...Array.from({ length: 30 }, (_, i) => step(pages[i % 6]!.id, Math.floor(i / 6), at(i))),
        step(pages[0]!.id, 9, at(5000)),
      ]),
    );
    const first = await store.transaction((tx) => tx.pages.claimDue(at(100), 'replica-a', 4));
    expect(first.map((s) => s.dueAt.getTime() - T0.getTime())).toEqual([0, 1, 2, 3]);
    expect(first[0]).toMatchObject({ state: 'fired', firedBy: 'replica-a', kind: 'notify', attempts: 0 });
    // Three claimers at once take the other 26 due steps between them, none twice.
    const claimed = await Promise.all(
      ['b', 'c', 'd'].map((h) => store.transaction((tx) => tx.pages.claimDue(at(100), `replica-${h}`, 10))),
    );
    const ids = [...first, ...claimed.flat()].map((s) => s.id);
    expect(claimed.every((c) => c.length <= 10)).toBe(true);
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
    expect(await store.transaction((tx) => tx.pages.claimDue(at(100), 'replica-a', 10))).toEqual([]);
    expect((await store.transaction((tx) => tx.pages.nextDue()))?.getTime()).toBe(at(5000).getTime());
    const rows = await steps(store, pages[0]!.id);
    expect(rows.filter((r) => r.state === 'fired')).toHaveLength(5);

    // Moves apply only while the page is open, one version more each.
    await store.transaction((tx) => tx.pages.update(pages[1]!.id, 1, { status: 'acknowledged' }, at(1)));
    const versions = await store.transaction((tx) =>
      tx.pages.advanceIfOpen(
        [
          { id: pages[0]!.id, stepSeq: 4, notified: ['alice', "o'brien"], exhausted: false },
          { id: pages[1]!.id, stepSeq: 4, notified: ['bob'], exhausted: false },
          { id: pages[2]!.id, stepSeq: 5, notified: [], exhausted: true },
        ],
        at(200),
      ),
    );
    expect([...versions]).toEqual(
      expect.arrayContaining([
        [pages[0]!.id, 2],
        [pages[2]!.id, 2],
      ]),
    );
    expect(versions.has(pages[1]!.id)).toBe(false);
    const [p0, p1, p2] = (await store.transaction((tx) => tx.pages.byIds(pages.slice(0, 3).map((p) => p.id)))).sort(
      (a, b) => a.id - b.id,
    );
    expect([p0!.stepSeq, p0!.notified, p0!.exhaustedAt, p0!.updatedAt]).toEqual([
      4,
      ['alice', "o'brien"],
      null,
      at(200),
    ]);
    expect([p1!.stepSeq, p1!.status, p1!.version]).toEqual([-1, 'acknowledged', 2]);
    expect([p2!.stepSeq, p2!.exhaustedAt]).toEqual([5, at(200)]);
    const targets = { people: [{ person: 'carol', via: 'person' }], teams: ['payments'], missed: [] };
    await store.transaction((tx) =>
      tx.pages.recordTargetsMany(first.map((s, i) => ({ stepId: s.id, targets: { ...targets, missed: [`m${i}`] } }))),
    );
    const recorded = (await Promise.all(pages.map((p) => steps(store, p.id)))).flat().filter((r) => r.targets);
    expect(recorded.map((r) => r.targets!.missed[0]).sort()).toEqual(['m0', 'm1', 'm2', 'm3']);
  });

  it('a due step is claimed once: of two concurrent claims one wins; a step not due yet cannot be claimed', async () => {
    const store = await fresh();
    const p = await store.transaction((tx) => tx.pages.create(newPage('k'), T0));
    await store.transaction(async (tx) => {
      await tx.pages.addStep(step(p.id, 0, T0));
      await tx.pages.addStep(step(p.id, 1, at(2000)));
    });
    const [s0, s1] = await steps(store, p.id);
    const claims = await Promise.all([
      store.transaction((tx) => tx.pages.claimStep(s0!.id, 'replica-a', at(1))),
      store.transaction((tx) => tx.pages.claimStep(s0!.id, 'replica-b', at(1))),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.transaction((tx) => tx.pages.claimStep(s0!.id, 'replica-c', at(2)))).toBe(false);
    const fired = (await steps(store, p.id))[0];
    expect(fired).toMatchObject({ state: 'fired', firedAt: at(1), firedBy: claims[0] ? 'replica-a' : 'replica-b' });
    expect(await store.transaction((tx) => tx.pages.claimStep(s1!.id, 'replica-a', at(1999)))).toBe(false);
    expect(await store.transaction((tx) => tx.pages.claimStep(s1!.id, 'replica-a', at(2000)))).toBe(true);
    await store.transaction((tx) =>
      tx.pages.recordTargets(s1!.id, {
        people: [{ person: 'carol', via: 'person' }],
        teams: [],
        missed: ['x: nobody on call'],
      }),
    );
    expect((await steps(store, p.id))[1]!.targets).toEqual({
      people: [{ person: 'carol', via: 'person' }],
      teams: [],
      missed: ['x: nobody on call'],
    });
  });

  it('reschedule moves a pending step only; cancelPending cancels every pending step of one page', async () => {
    const store = await fresh();
    const p = await store.transaction((tx) => tx.pages.create(newPage('p1'), T0));
    const q = await store.transaction((tx) => tx.pages.create(newPage('p2'), T0));
    await store.transaction(async (tx) => {
      await tx.pages.addStep(step(p.id, 0, T0));
      await tx.pages.addStep(step(p.id, 1, at(2000)));
      await tx.pages.addStep(step(p.id, 2, at(4000)));
      await tx.pages.addStep(step(q.id, 0, at(2000)));
    });
    const [s0] = await steps(store, p.id);
    await store.transaction((tx) => tx.pages.claimStep(s0!.id, 'a', T0));
    expect(await store.transaction((tx) => tx.pages.reschedule(p.id, 1, at(100)))).toBe(true);
    expect(await store.transaction((tx) => tx.pages.reschedule(p.id, 0, at(100)))).toBe(false);
    expect(await store.transaction((tx) => tx.pages.reschedule(p.id, 7, at(100)))).toBe(false);
    expect((await steps(store, p.id))[1]!.dueAt).toEqual(at(100));
    expect(await store.transaction((tx) => tx.pages.cancelPending(p.id, at(50)))).toBe(2);
    expect((await steps(store, p.id)).map((s) => [s.state, s.firedAt])).toEqual([
      ['fired', T0],
      ['cancelled', at(50)],
      ['cancelled', at(50)],
    ]);
    expect(await store.transaction((tx) => tx.pages.cancelPending(p.id, at(60)))).toBe(0);
    expect(await store.transaction((tx) => tx.pages.reschedule(p.id, 1, at(200)))).toBe(false);
    expect(
      await store.transaction(async (tx) => tx.pages.claimStep((await tx.pages.steps(p.id))[1]!.id, 'a', at(5000))),
    ).toBe(false);
    expect((await steps(store, q.id)).map((s) => s.state)).toEqual(['pending']);
  });

  if (dialect === 'postgresql')
    it('closing a page while a runner holds its just-claimed step neither waits for it nor deadlocks; the runner then finds the page closed', async () => {
      const store = await fresh();
      const p = await store.transaction((tx) => tx.pages.create(newPage('race'), T0));
      await store.transaction(async (tx) => {
        await tx.pages.addStep(step(p.id, 0, T0));
        await tx.pages.addStep(step(p.id, 1, at(2000)));
      });
      const [s0] = await steps(store, p.id);
      // The runner: claims step 0 (its row locked), then, once the closer has run, takes the page.
      let claimed!: () => void;
      let closed!: () => void;
      const hasClaimed = new Promise<void>((r) => (claimed = r));
      const hasClosed = new Promise<void>((r) => (closed = r));
      const runner = store.transaction(async (tx) => {
        expect(await tx.pages.claimStep(s0!.id, 'runner', T0)).toBe(true);
        claimed();
        await hasClosed;
        return tx.pages.advanceIfOpen([{ id: p.id, stepSeq: 0, notified: ['bob'], exhausted: false }], T0);
      });
      await hasClaimed;
      // The closer: the page's row lock, then its pending steps (step 0 is the runner's: skipped).
      const cancelled = await store.transaction(async (tx) => {
        expect(await tx.pages.update(p.id, p.version, { status: 'acknowledged' }, at(1))).not.toBeNull();
        const n = await tx.pages.cancelPending(p.id, at(1));
        closed();
        return n;
      });
      expect(cancelled).toBe(1);
      expect((await runner).size).toBe(0);
      expect((await steps(store, p.id)).map((s) => s.state)).toEqual(['fired', 'cancelled']);
    });

  it('a message is recorded once per send key, even when two deliveries race', async () => {
    const store = await fresh();
    const p = await store.transaction((tx) => tx.pages.create(newPage('k'), T0));
    const m = { platform: 'slack' as const, channelId: 'D0BOB', messageId: '1.1' };
    const results = await Promise.all(
      [1, 2, 3].map(() => store.transaction((tx) => tx.pages.addMessage(p.id, '1:0:slack:U0BOB', m, T0))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(
      await store.transaction((tx) => tx.pages.addMessage(p.id, '1:0:slack:U0BOB', { ...m, messageId: '9.9' }, at(1))),
    ).toBe(false);
    expect(
      await store.transaction((tx) =>
        tx.pages.addMessage(p.id, '1:0:discord:42', { platform: 'discord', channelId: '77', messageId: '88' }, at(2)),
      ),
    ).toBe(true);
    expect(await store.transaction((tx) => tx.pages.hasMessage('1:0:slack:U0BOB'))).toBe(true);
    expect(await store.transaction((tx) => tx.pages.hasMessage('1:1:slack:U0BOB'))).toBe(false);
    expect(await store.transaction((tx) => tx.pages.messages(p.id))).toEqual([
      m,
      { platform: 'discord', channelId: '77', messageId: '88' },
    ]);
  });

  it('a failed try is recorded once on a pending step (due again at the retry instant); setting aside takes it out of the runner', async () => {
    const store = await fresh();
    const p = await store.transaction((tx) => tx.pages.create(newPage('k'), T0));
    await store.transaction(async (tx) => {
      await tx.pages.addStep(step(p.id, 0, T0));
      await tx.pages.addStep(step(p.id, 1, at(2000)));
    });
    const [s0, s1] = await steps(store, p.id);
    expect(await store.transaction((tx) => tx.pages.stepFailed(s0!.id, 0, 'boom', at(1000)))).toBe(true);
    expect((await steps(store, p.id))[0]).toMatchObject({
      state: 'pending',
      attempts: 1,
      lastError: 'boom',
      dueAt: at(1000),
      firedAt: null,
    });
    // A second worker that saw the same try (0 failures before) records nothing.
    expect(await store.transaction((tx) => tx.pages.stepFailed(s0!.id, 0, 'boom too', at(1000)))).toBe(false);
    expect(await store.transaction((tx) => tx.pages.pendingSteps(at(999), 10))).toEqual([]);
    expect(
      (await store.transaction((tx) => tx.pages.pendingSteps(at(1000), 10))).map((s) => [s.seq, s.attempts]),
    ).toEqual([[0, 1]]);
    // Two workers racing on the next try: one records it.
    const racing = await Promise.all([
      store.transaction((tx) => tx.pages.stepFailed(s0!.id, 1, 'a', at(3000))),
      store.transaction((tx) => tx.pages.stepFailed(s0!.id, 1, 'b', at(3000))),
    ]);
    expect(racing.filter(Boolean)).toHaveLength(1);
    expect((await steps(store, p.id))[0]).toMatchObject({ attempts: 2, dueAt: at(3000) });
    expect(await store.transaction((tx) => tx.pages.setAside(s0!.id, 1, 'stale', at(3000)))).toBe(false);
    expect(
      await store.transaction((tx) => tx.pages.setAside(s0!.id, 2, 'x'.repeat(STEP_ERROR_MAX + 50), at(3000))),
    ).toBe(true);
    const aside = (await steps(store, p.id))[0]!;
    expect(aside).toMatchObject({ state: 'failed', attempts: 3, firedAt: at(3000), dueAt: at(3000) });
    expect(aside.lastError).toBe('x'.repeat(STEP_ERROR_MAX));
    expect((await store.transaction((tx) => tx.pages.pendingSteps(at(60_000), 10))).map((s) => s.seq)).toEqual([1]);
    expect(await store.transaction((tx) => tx.pages.claimStep(s0!.id, 'a', at(60_000)))).toBe(false);
    expect(await store.transaction((tx) => tx.pages.stepFailed(s0!.id, 3, 'again', at(61_000)))).toBe(false);
    expect(await store.transaction((tx) => tx.pages.setAside(s0!.id, 3, 'again', at(61_000)))).toBe(false);
    // A fired or cancelled step is past failing.
    await store.transaction((tx) => tx.pages.claimStep(s1!.id, 'a', at(2000)));
    expect(await store.transaction((tx) => tx.pages.stepFailed(s1!.id, 0, 'late', at(5000)))).toBe(false);
    expect(await store.transaction((tx) => tx.pages.setAside(s1!.id, 0, 'late', at(5000)))).toBe(false);
    expect((await steps(store, p.id))[1]).toMatchObject({ state: 'fired', attempts: 0, lastError: null });
    // cancelPending leaves a set-aside step as it is.
    expect(await store.transaction((tx) => tx.pages.cancelPending(p.id, at(70_000)))).toBe(0);
    expect((await steps(store, p.id)).map((s) => s.state)).toEqual(['failed', 'fired']);
  });

  it('overrides: active ones overlap the window; a cancelled one counts until its cancellation, one cancelled before it started never', async () => {
    const store = await fresh();
    const make = (scheduleId: string, personId: string, from: number, to: number) =>
      store.transaction((tx) =>
        tx.overrides.create({
          scheduleId,
          personId,
          startsAt: at(from),
          endsAt: at(to),
          covers: 'bob',
          createdBy: 'bob',
          createdAt: T0,
        }),
      );
    const H = 3_600_000;
    const now = await make('checkout-primary', 'alice', 0, 2 * H);
    const later = await make('checkout-primary', 'carol', 4 * H, 6 * H);
    const other = await make('edge-primary', 'dave', 0, 2 * H);
    expect(now).toMatchObject({ id: expect.any(Number), cancelledAt: null, cancelledBy: null });
    const ids = (from: number, to: number, schedules = ['checkout-primary']) =>
      store.transaction(async (tx) => (await tx.overrides.active(schedules, at(from), at(to))).map((o) => o.id));
    expect(await ids(H, H + 1)).toEqual([now.id]);
    expect(await ids(0, 8 * H, ['checkout-primary', 'edge-primary'])).toEqual([now.id, later.id, other.id]);
    expect(await ids(2 * H, 4 * H)).toEqual([]);
    const cancelled = await store.transaction((tx) => tx.overrides.cancel(now.id, 'alice', at(H)));
    expect(cancelled).toMatchObject({ id: now.id, cancelledAt: at(H), cancelledBy: 'alice', endsAt: at(2 * H) });
    expect(await ids(H - 1, H)).toEqual([now.id]);
    expect(await ids(H, H + 1)).toEqual([]);
    expect(await ids(0, 2 * H)).toEqual([now.id]);
    expect(await ids(H + 1, 8 * H)).toEqual([later.id]);
    // Cancelled before it started: in no window at all.
    expect(await store.transaction((tx) => tx.overrides.cancel(later.id, 'bob', at(H + 60_000)))).toMatchObject({
      cancelledAt: at(H + 60_000),
    });
    expect(await ids(0, 8 * H)).toEqual([now.id]);
    expect(await ids(4 * H, 5 * H)).toEqual([]);
    // Once only, and not after it ended.
    expect(await store.transaction((tx) => tx.overrides.cancel(now.id, 'bob', at(H + 1)))).toBeNull();
    expect(await store.transaction((tx) => tx.overrides.cancel(other.id, 'dave', at(2 * H)))).toBeNull();
    expect(await store.transaction((tx) => tx.overrides.byId(now.id))).toMatchObject({
      cancelledAt: at(H),
      cancelledBy: 'alice',
    });
    expect(await store.transaction((tx) => tx.overrides.byId(other.id))).toMatchObject({ cancelledAt: null });
    expect(await store.transaction((tx) => tx.overrides.byId(9999))).toBeNull();
  });
});
