// Tampering with the audit log through the database: truncated tails, rewritten entries with
// recomputed hashes, rolled-back heads. Run against SQLite and PostgreSQL.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { formatHead, verifyAuditLog } from '../../src/core/audit/audit.js';
import { hashEntry } from '../../src/core/audit/chain.js';
import type { AuditEntryInput, Store } from '../../src/core/ports.js';
import { AuditHeadFile } from '../../src/store/audit-head-file.js';
import { openStore } from '../../src/store/index.js';
import { execSql, forEachDialect } from '../support/databases.js';

const KEY = 'k'.repeat(40);
const T0 = new Date('2026-03-01T12:00:00.000Z');
const entry = (i: number): AuditEntryInput => ({
  actor: { platform: 'system' },
  action: 'test.appended',
  subject: `thing:${i}`,
  after: { n: i },
});

await forEachDialect('audit tampering', ({ createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function logOf(n: number, key?: string): Promise<{ store: Store; url: string }> {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const store = await openStore({ url: db.url, migrate: true, auditKey: key });
    cleanup.push(() => store.close());
    for (let i = 1; i <= n; i++) await store.transaction((tx) => tx.audit.append(entry(i), new Date(T0.getTime() + i)));
    return { store, url: db.url };
  }

  it('an intact log says intact and names its head', async () => {
    const { store } = await logOf(5, KEY);
    const r = await verifyAuditLog(store.auditReader, { key: KEY });
    expect(r).toMatchObject({ ok: true, checked: 5, macs: 5, head: { seq: 5 } });
  });

  it('deleting the tail without updating the head is reported as truncated', async () => {
    const { store, url } = await logOf(5);
    await execSql(url, 'DELETE FROM "audit_entry" WHERE "seq" >= 4');
    const r = await verifyAuditLog(store.auditReader);
    expect(r).toMatchObject({ ok: false, checked: 3, problem: { seq: 4, reason: 'truncated' } });
  });

  it('deleting the tail and rolling the head back is caught by a head seen before (--expect, head file)', async () => {
    const { store, url } = await logOf(5);
    const seen = await verifyAuditLog(store.auditReader);
    if (!seen.ok) throw new Error('expected intact');
    const file = new AuditHeadFile(path.join(mkdtempSync(path.join(os.tmpdir(), 'steward-head-')), 'audit-head'));
    file.remember(seen.head, T0);
    const third = (await store.auditReader.page(2, 1))[0]!;
    await execSql(
      url,
      `DELETE FROM "audit_entry" WHERE "seq" >= 4; UPDATE "audit_head" SET "seq" = 3, "hash" = '${third.hash}' WHERE "id" = 1`,
    );
    // Without a head from outside the database the shorter log is self-consistent.
    expect((await verifyAuditLog(store.auditReader)).ok).toBe(true);
    const known = file.read();
    expect(known?.head).toEqual(seen.head);
    expect(await verifyAuditLog(store.auditReader, { known: [known!] })).toMatchObject({
      ok: false,
      problem: { reason: 'rolled_back' },
    });
    expect(await verifyAuditLog(store.auditReader, { known: [{ head: seen.head, source: '--expect' }] })).toMatchObject(
      { ok: false, problem: { reason: 'rolled_back' } },
    );
    // New entries appended over the rolled-back log reach the old sequence with another hash.
    for (let i = 4; i <= 6; i++)
      await store.transaction((tx) => tx.audit.append(entry(i * 10), new Date(T0.getTime() + i)));
    expect(await verifyAuditLog(store.auditReader, { known: [known!] })).toMatchObject({
      ok: false,
      problem: { seq: 5, reason: 'rewritten' },
    });
    expect(formatHead(seen.head)).toMatch(/^5:[0-9a-f]{64}$/);
  });

  it('a rewritten entry with recomputed hashes passes without the key and is caught with it', async () => {
    const { store, url } = await logOf(4, KEY);
    const rows = await store.auditReader.page(0, 10);
    let prev = rows[1]!.hash;
    for (const r of rows.slice(2)) {
      const forged = { ...r, subject: r.seq === 3 ? 'thing:forged' : r.subject, prevHash: prev };
      const hash = hashEntry(forged);
      await execSql(
        url,
        `UPDATE "audit_entry" SET "subject" = '${forged.subject}', "prev_hash" = '${prev}', "hash" = '${hash}' WHERE "seq" = ${r.seq}`,
      );
      prev = hash;
    }
    await execSql(url, `UPDATE "audit_head" SET "hash" = '${prev}' WHERE "id" = 1`);
    expect((await verifyAuditLog(store.auditReader)).ok).toBe(true);
    expect(await verifyAuditLog(store.auditReader, { key: KEY })).toMatchObject({
      ok: false,
      problem: { seq: 3, reason: 'mac_mismatch' },
    });
    // Stripping the MACs instead leaves the last entry without one.
    await execSql(url, 'UPDATE "audit_entry" SET "mac" = NULL');
    expect(await verifyAuditLog(store.auditReader, { key: KEY })).toMatchObject({
      ok: false,
      problem: { seq: 4, reason: 'mac_missing' },
    });
  });

  it('a head row that is missing or names another hash is reported', async () => {
    const { store, url } = await logOf(3);
    await execSql(url, `UPDATE "audit_head" SET "hash" = '${'f'.repeat(64)}' WHERE "id" = 1`);
    expect(await verifyAuditLog(store.auditReader)).toMatchObject({
      ok: false,
      problem: { seq: 3, reason: 'head_mismatch' },
    });
    await execSql(url, 'DELETE FROM "audit_head"');
    expect(await verifyAuditLog(store.auditReader)).toMatchObject({ ok: false, problem: { reason: 'head_missing' } });
  });
});
