// Incident and outbox repositories: numbering, versioned updates, timeline dedupe, outbox claims.
import { afterEach, expect, it } from 'vitest';
import type { NewIncident } from '../../src/core/incidents/ports.js';
import { openStore, type OpenedStore } from '../../src/store/index.js';
import { forEachDialect } from '../support/databases.js';

const T0 = new Date('2026-03-08T06:59:00.000Z');
const base = (number: number, key = `k${number}`): NewIncident => ({
  number,
  declareKey: key,
  title: `Incident ${number}`,
  severity: 'SEV2',
  status: 'investigating',
  serviceId: 'payments-api',
  summary: '',
  declaredBy: 'alice',
  declaredPlatform: 'slack',
  declaredUserId: 'U0ALICE',
  declaredChannel: 'C0GENERAL',
  pageOncall: false,
  declaredAt: T0,
  roles: { commander: 'alice' },
  warRoom: { platform: 'slack', channelId: null, name: null, state: 'pending', error: null },
});

await forEachDialect('incident store', ({ createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  async function fresh(): Promise<OpenedStore> {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    return store;
  }

  it('numbers incidents without gaps or duplicates under concurrency', async () => {
    const store = await fresh();
    const numbers = await Promise.all(
      Array.from({ length: 10 }, () => store.transaction((tx) => tx.incidents.nextNumber())),
    );
    expect([...numbers].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('versioned updates: a stale version changes nothing', async () => {
    const store = await fresh();
    const i = await store.transaction((tx) => tx.incidents.create(base(1), T0));
    const a = await store.transaction((tx) =>
      tx.incidents.update(i.id, 1, { severity: 'SEV1', roles: { commander: 'bob' } }, T0),
    );
    expect(a).toMatchObject({ version: 2, severity: 'SEV1', roles: { commander: 'bob' } });
    const stale = await store.transaction((tx) => tx.incidents.update(i.id, 1, { severity: 'SEV3' }, T0));
    expect(stale).toBeNull();
    expect(await store.transaction((tx) => tx.incidents.byNumber(1))).toMatchObject({ severity: 'SEV1', version: 2 });
    const byKey = await store.transaction((tx) => tx.incidents.byDeclareKey('k1'));
    expect(byKey?.number).toBe(1);
  });

  it('timeline entries with a dedupe key are written once; others always', async () => {
    const store = await fresh();
    const i = await store.transaction((tx) => tx.incidents.create(base(1), T0));
    const pin = {
      incidentId: i.id,
      at: T0,
      kind: 'pinned' as const,
      actorPerson: 'bob',
      actorName: 'Bob',
      text: "it's the pool; quote ' here",
      dedupeKey: 'pin:slack:C1:1.2',
    };
    const results = await Promise.all([1, 2, 3].map(() => store.transaction((tx) => tx.incidents.addTimeline(pin))));
    expect(results.filter(Boolean)).toHaveLength(1);
    await store.transaction((tx) => tx.incidents.addTimeline({ ...pin, kind: 'update', dedupeKey: undefined }));
    await store.transaction((tx) => tx.incidents.addTimeline({ ...pin, kind: 'update', dedupeKey: undefined }));
    const t = await store.transaction((tx) => tx.incidents.timeline(i.id));
    expect(t.map((e) => e.kind)).toEqual(['pinned', 'update', 'update']);
    expect(t[0]!.text).toBe("it's the pool; quote ' here");
  });

  it('outbox: enqueue once per key; two workers never claim the same item; retry and give up', async () => {
    const store = await fresh();
    expect(await store.transaction((tx) => tx.outbox.enqueue('a', 'k', { n: 1 }, T0))).toBe(true);
    expect(await store.transaction((tx) => tx.outbox.enqueue('a', 'k', { n: 2 }, T0))).toBe(false);
    await store.transaction((tx) => tx.outbox.enqueue('b', 'k', { n: 3 }, T0));
    await store.transaction((tx) => tx.outbox.enqueue('later', 'k', {}, T0, new Date(T0.getTime() + 60_000)));
    const lock = new Date(T0.getTime() + 30_000);
    const [x, y] = await Promise.all([
      store.outboxWorker.claimDue(T0, 10, 'w1', lock),
      store.outboxWorker.claimDue(T0, 10, 'w2', lock),
    ]);
    const claimed = [...x, ...y].map((i) => i.key).sort();
    expect(claimed).toEqual(['a', 'b']);
    expect([...x, ...y].find((i) => i.key === 'a')?.payload).toEqual({ n: 1 });
    const a = [...x, ...y].find((i) => i.key === 'a')!;
    const holder = x.includes(a) ? 'w1' : 'w2';
    await store.outboxWorker.retryMany(
      [{ id: a.id, error: 'rate limited', dueAt: new Date(T0.getTime() + 5_000) }],
      holder,
    );
    expect(await store.outboxWorker.claimDue(new Date(T0.getTime() + 1_000), 10, 'w3', lock)).toEqual([]);
    const again = await store.outboxWorker.claimDue(
      new Date(T0.getTime() + 5_000),
      10,
      'w3',
      new Date(T0.getTime() + 65_000),
    );
    expect(again.map((i) => [i.key, i.attempts])).toEqual([['a', 2]]);
    await store.outboxWorker.giveUp(a.id, 'w3', 'gone', T0);
    expect(await store.outboxWorker.pending()).toBe(2);
  });

  it('outbox: a restarted replica frees the claims its previous run left (its own, or all on one SQLite process)', async () => {
    const store = await fresh();
    await store.transaction(async (tx) => {
      await tx.outbox.enqueue('mine', 'k', {}, T0);
      await tx.outbox.enqueue('theirs', 'k', {}, T0);
    });
    const lock = new Date(T0.getTime() + 60_000);
    await store.outboxWorker.claimDue(T0, 1, 'replica-1', lock);
    await store.outboxWorker.claimDue(T0, 1, 'replica-2', lock);
    expect(await store.outboxWorker.claimDue(T0, 10, 'replica-1', lock)).toEqual([]);
    if (store.dialect === 'sqlite') {
      // One process serves a SQLite file: whatever claims are left in it are a previous run's.
      expect(await store.outboxWorker.releaseAbandoned('replica-1')).toBe(2);
    } else {
      expect(await store.outboxWorker.releaseAbandoned('replica-1')).toBe(1);
      expect((await store.outboxWorker.claimDue(T0, 10, 'replica-1', lock)).map((i) => [i.key, i.attempts])).toEqual([
        ['mine', 2],
      ]);
      // replica-2's claim stands until it lapses or replica-2 restarts.
      expect(await store.outboxWorker.releaseAbandoned('replica-1')).toBe(1);
      expect(await store.outboxWorker.releaseAbandoned('replica-2')).toBe(1);
    }
    expect((await store.outboxWorker.claimDue(T0, 10, 'replica-3', lock)).map((i) => i.key).sort()).toEqual([
      'mine',
      'theirs',
    ]);
  });
});
