// The Store contract (src/core/ports.ts), run against SQLite and PostgreSQL.
import { afterEach, expect, it } from 'vitest';
import { GENESIS_HASH, verifyPage } from '../../src/core/audit/chain.js';
import type { AuditEntryInput } from '../../src/core/ports.js';
import { openStore, type OpenedStore } from '../../src/store/index.js';
import { execSql, forEachDialect, type TestDatabase } from '../support/databases.js';

const T0 = new Date('2025-03-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function entry(i: number): AuditEntryInput {
  return {
    actor: i % 2 ? { platform: 'slack', platformUserId: `U${i}`, personId: 'alice' } : { platform: 'system' },
    action: 'test.appended',
    subject: `thing:${i}`,
    before: i % 3 ? { n: i - 1, note: "quote ' and ; semicolon" } : undefined,
    after: { n: i, tags: ['a', 'b'] },
  };
}

await forEachDialect('store contract', ({ dialect, createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];

  async function freshStore(): Promise<{ store: OpenedStore; db: TestDatabase }> {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    return { store, db };
  }

  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('reports its dialect and answers ping', async () => {
    const { store } = await freshStore();
    expect(store.dialect).toBe(dialect);
    await store.ping();
    expect(await store.pendingMigrations()).toBe(0);
  });

  it('appends hash-chained audit entries and reads them back in pages', async () => {
    const { store } = await freshStore();
    for (let i = 1; i <= 5; i++) await store.transaction((tx) => tx.audit.append(entry(i), at(i * 1000 + 0.7)));
    const appended = await store.auditReader.page(0, 10);
    expect(appended.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(appended[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < 5; i++) expect(appended[i]!.prevHash).toBe(appended[i - 1]!.hash);

    expect(await store.auditReader.count()).toBe(5);
    const first = await store.auditReader.page(0, 2);
    const rest = await store.auditReader.page(2, 10);
    expect(first.map((r) => r.seq)).toEqual([1, 2]);
    expect(rest.map((r) => r.seq)).toEqual([3, 4, 5]);
    expect([...first, ...rest]).toEqual(appended);

    const v1 = verifyPage(first, 0, GENESIS_HASH);
    expect(v1).toEqual({ prevSeq: 2, prevHash: appended[1]!.hash });
    if ('problem' in v1) throw new Error('unexpected problem');
    expect(verifyPage(rest, v1.prevSeq, v1.prevHash)).toEqual({ prevSeq: 5, prevHash: appended[4]!.hash });

    expect(rest[0]!.actor).toEqual({ platform: 'slack', platformUserId: 'U3', personId: 'alice' });
    expect(first[1]!.actor).toEqual({ platform: 'system' });
    expect(rest[0]!.before).toBeNull();
    expect(rest[1]!.before).toBe('{"n":3,"note":"quote \' and ; semicolon"}');
    expect(rest[1]!.after).toBe('{"n":4,"tags":["a","b"]}');
    expect(rest[0]!.at.toISOString()).toBe('2025-03-01T12:00:03.000Z');
    expect(await store.auditReader.page(5, 10)).toEqual([]);
  });

  it('serializes 20 concurrent appends into seq 1..20 with an intact chain', async () => {
    const { store } = await freshStore();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.transaction((tx) => tx.audit.append(entry(i + 1), at(i)))),
    );
    const page = await store.auditReader.page(0, 100);
    expect(page.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(page.map((r) => r.subject)).size).toBe(20);
    expect(page).toHaveLength(20);
    expect(verifyPage(page, 0, GENESIS_HASH)).toEqual({ prevSeq: 20, prevHash: page[19]!.hash });
  });

  // Replicas are separate processes; two clients on one SQLite file in ONE process would block
  // each other (better-sqlite3 waits synchronously), so this runs on PostgreSQL only.
  if (dialect === 'postgresql')
    it('serializes appends from two replicas (two clients) on one database', async () => {
      const { store, db } = await freshStore();
      const replica = await openStore({ url: db.url });
      cleanup.push(() => replica.close());
      await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          (i % 2 ? store : replica).transaction((tx) => tx.audit.append(entry(i), at(i))),
        ),
      );
      const page = await replica.auditReader.page(0, 100);
      expect(page.map((r) => r.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      expect('problem' in verifyPage(page, 0, GENESIS_HASH)).toBe(false);
    });

  it('appends nothing when the transaction rolls back', async () => {
    const { store } = await freshStore();
    await store.transaction((tx) => tx.audit.append(entry(1), at(0)));
    const boom = new Error('boom');
    await expect(
      store.transaction(async (tx) => {
        await tx.audit.append(entry(2), at(1));
        await tx.audit.append(entry(3), at(2));
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await store.auditReader.count()).toBe(1);
    await store.transaction((tx) => tx.audit.append(entry(4), at(3)));
    expect((await store.auditReader.page(0, 10)).map((r) => r.subject)).toEqual([entry(1).subject, entry(4).subject]);
    expect('problem' in verifyPage(await store.auditReader.page(0, 10), 0, GENESIS_HASH)).toBe(false);
  });

  it('writes the entries of one transaction together, in the order appended, after concurrent ones', async () => {
    const { store } = await freshStore();
    await Promise.all([
      store.transaction(async (tx) => {
        for (let i = 1; i <= 4; i++) await tx.audit.append(entry(i), at(i));
      }),
      store.transaction((tx) => tx.audit.append(entry(9), at(9))),
    ]);
    const page = await store.auditReader.page(0, 10);
    expect(page).toHaveLength(5);
    const four = page.filter((r) => r.subject !== entry(9).subject);
    // One transaction's entries take consecutive seqs, in the order they were appended.
    expect(four.map((r) => r.subject)).toEqual([1, 2, 3, 4].map((i) => entry(i).subject));
    expect(four[3]!.seq - four[0]!.seq).toBe(3);
    expect('problem' in verifyPage(page, 0, GENESIS_HASH)).toBe(false);
  });

  it('detects a tampered audit row at its seq', async () => {
    const { store, db } = await freshStore();
    for (let i = 1; i <= 6; i++) await store.transaction((tx) => tx.audit.append(entry(i), at(i)));
    await execSql(db.url, `UPDATE "audit_entry" SET "subject" = 'thing:forged' WHERE "seq" = 4`);
    expect(verifyPage(await store.auditReader.page(0, 100), 0, GENESIS_HASH)).toEqual({
      problem: { seq: 4, reason: 'hash_mismatch' },
    });
  });

  it('claims an idempotency key once', async () => {
    const { store } = await freshStore();
    expect(await store.transaction((tx) => tx.idempotency.claim('slack:evt:1', at(0)))).toBe(true);
    expect(await store.transaction((tx) => tx.idempotency.claim('slack:evt:1', at(1)))).toBe(false);
    expect(
      await store.transaction(async (tx) => [
        await tx.idempotency.claim('k2', at(2)),
        await tx.idempotency.claim('k2', at(2)),
      ]),
    ).toEqual([true, false]);
    // A duplicate claim must not abort the surrounding transaction (PostgreSQL).
    const after = await store.transaction(async (tx) => {
      await tx.idempotency.claim('slack:evt:1', at(3));
      await tx.settings.set('after-duplicate', 'ok', at(3));
      return tx.settings.get('after-duplicate');
    });
    expect(after).toBe('ok');
  });

  it('gives exactly one of 10 concurrent claims of one key', async () => {
    const { store } = await freshStore();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.transaction((tx) => tx.idempotency.claim('discord:int:42', at(i)))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('releases a claim made in a rolled-back transaction', async () => {
    const { store } = await freshStore();
    await expect(
      store.transaction(async (tx) => {
        expect(await tx.idempotency.claim('decision:7', at(0))).toBe(true);
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await store.transaction((tx) => tx.idempotency.claim('decision:7', at(1)))).toBe(true);
  });

  it('grants a lease to one holder until it expires, renews and releases it', async () => {
    const { store } = await freshStore();
    const { leases } = store;
    expect(await leases.acquire('scheduler', 'a', 10_000, at(0))).toBe(true);
    expect(await leases.acquire('scheduler', 'b', 10_000, at(5_000))).toBe(false);
    expect(await leases.acquire('scheduler', 'a', 10_000, at(6_000))).toBe(true); // renewal: now until 16 s
    expect(await leases.acquire('scheduler', 'b', 10_000, at(12_000))).toBe(false);
    expect(await leases.acquire('scheduler', 'b', 10_000, at(15_999))).toBe(false);
    expect(await leases.acquire('scheduler', 'b', 10_000, at(16_000))).toBe(true); // expired
    expect(await leases.acquire('scheduler', 'a', 10_000, at(17_000))).toBe(false);
    expect(await leases.acquire('other', 'a', 10_000, at(17_000))).toBe(true); // names are independent

    await leases.release('scheduler', 'a'); // not the holder: no effect
    expect(await leases.acquire('scheduler', 'a', 10_000, at(18_000))).toBe(false);
    await leases.release('scheduler', 'b');
    expect(await leases.acquire('scheduler', 'a', 10_000, at(18_000))).toBe(true);
    await leases.release('nothing', 'a');
  });

  it('gives a contested lease to exactly one of 5 concurrent holders', async () => {
    const { store } = await freshStore();
    const results = await Promise.all(
      ['h1', 'h2', 'h3', 'h4', 'h5'].map((h) => store.leases.acquire('leader', h, 30_000, at(0))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    // after expiry it is contested again, and again exactly one wins
    const again = await Promise.all(
      ['h6', 'h7', 'h8', 'h9', 'h10'].map((h) => store.leases.acquire('leader', h, 30_000, at(31_000))),
    );
    expect(again.filter(Boolean)).toHaveLength(1);
  });

  it('records seen users: created once, then updated', async () => {
    const { store } = await freshStore();
    const u = { platform: 'slack' as const, platformUserId: 'U123', displayName: 'Alice', personId: null };
    const first = await store.identity.recordSeen(u, at(0));
    expect(first).toEqual({ created: true, user: { ...u, firstSeenAt: at(0), lastSeenAt: at(0) } });
    const second = await store.identity.recordSeen({ ...u, displayName: null, personId: 'alice' }, at(60_000));
    expect(second.created).toBe(false);
    expect(second.user).toEqual({
      ...u,
      displayName: 'Alice',
      personId: 'alice',
      firstSeenAt: at(0),
      lastSeenAt: at(60_000),
    });
    expect(await store.identity.find('slack', 'U123')).toEqual(second.user);
    expect(await store.identity.find('discord', 'U123')).toBeNull();
    const inTx = await store.transaction((tx) =>
      tx.identity.recordSeen({ ...u, platform: 'discord', platformUserId: '9001' }, at(1)),
    );
    expect(inTx.created).toBe(true);
    expect((await store.identity.recordSeen({ ...u, displayName: 'Alice B.' }, at(2))).user.displayName).toBe(
      'Alice B.',
    );
  });

  it('keeps work done outside a transaction out of a concurrent transaction that rolls back', async () => {
    const { store } = await freshStore();
    let inside!: () => void;
    const txOpen = new Promise<void>((r) => (inside = r));
    let finish!: () => void;
    const release = new Promise<void>((r) => (finish = r));
    const tx = store.transaction(async (t) => {
      await t.settings.set('tx', 'pending', at(0));
      inside();
      await release;
      throw new Error('rolled back');
    });
    await txOpen;
    const outside = Promise.all([
      store.leases.acquire('outside', 'a', 10_000, at(0)),
      store.identity.recordSeen(
        { platform: 'console', platformUserId: 'ops', displayName: null, personId: null },
        at(0),
      ),
      store.auditReader.count(),
    ]);
    await new Promise((r) => setTimeout(r, 50));
    finish();
    await expect(tx).rejects.toThrow('rolled back');
    const [acquired, seen, count] = await outside;
    expect(acquired).toBe(true);
    expect(seen.created).toBe(true);
    expect(count).toBe(0);
    expect(await store.leases.acquire('outside', 'b', 10_000, at(1))).toBe(false);
    expect(await store.identity.find('console', 'ops')).not.toBeNull();
    expect(await store.transaction((t) => t.settings.get('tx'))).toBeNull();
  });

  it('gets and sets settings', async () => {
    const { store } = await freshStore();
    expect(await store.transaction((tx) => tx.settings.get('policy.version'))).toBeNull();
    await store.transaction((tx) => tx.settings.set('policy.version', '1', at(0)));
    await store.transaction((tx) => tx.settings.set('policy.version', '2', at(1)));
    expect(await store.transaction((tx) => tx.settings.get('policy.version'))).toBe('2');
    await expect(
      store.transaction(async (tx) => {
        await tx.settings.set('policy.version', '3', at(2));
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await store.transaction((tx) => tx.settings.get('policy.version'))).toBe('2');
  });
});
