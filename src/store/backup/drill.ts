// After a restore, and in a restore drill: the database's row counts against the backup's manifest,
// and its audit log verified. A drill restores into a temporary database that is removed
// afterwards: for SQLite a file in a private folder beside the database (the same protection as the
// data it was made from), for PostgreSQL a database created on the same server (CREATEDB).
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { verifyAuditLog, type VerifyResult } from '../../core/audit/audit.js';
import { dialectOf, sqlitePath } from '../dialect.js';
import { openStore } from '../index.js';
import { createTemporaryDatabase } from '../migrations/pg-temp-db.js';
import type { Manifest } from './format.js';
import { openRaw, quote } from './raw.js';
import { restoreBackup, type RestoreOptions } from './restore.js';
import { EXCLUDED_TABLES, readTables } from './tables.js';

export interface CheckedRestore {
  manifest: Manifest;
  /** Rows per table in the database now. */
  counts: { name: string; rows: number; expected: number }[];
  /** Tables whose count differs from the manifest. */
  mismatched: string[];
  audit: VerifyResult;
}

/** Rows per table of the database at `url` (excluded tables and the migration history aside). */
export async function countRows(url: string): Promise<Map<string, number>> {
  const conn = await openRaw(url, { mustExist: true });
  try {
    const out = new Map<string, number>();
    for (const t of await readTables(conn)) {
      if (t.name in EXCLUDED_TABLES) continue;
      const r = await conn.all(`SELECT COUNT(*) AS "n" FROM ${quote(t.name)}`);
      out.set(t.name, Number(r[0]?.n ?? 0));
    }
    return out;
  } finally {
    await conn.close();
  }
}

/** Compares the database at `url` with `manifest` and verifies its audit log (`auditKey`: MACs). */
export async function checkRestored(url: string, manifest: Manifest, auditKey?: string): Promise<CheckedRestore> {
  const rows = await countRows(url);
  const counts = manifest.tables.map((t) => ({ name: t.name, rows: rows.get(t.name) ?? 0, expected: t.rows }));
  const mismatched = counts.filter((c) => c.rows !== c.expected).map((c) => c.name);
  const store = await openStore({ url });
  try {
    const audit = await verifyAuditLog(store.auditReader, { key: auditKey });
    return { manifest, counts, mismatched, audit };
  } finally {
    await store.close();
  }
}

/** Restores into the empty database at `o.url`, then checks it. */
export async function restoreAndCheck(o: RestoreOptions & { auditKey?: string }): Promise<CheckedRestore> {
  const { manifest } = await restoreBackup(o);
  return checkRestored(o.url, manifest, o.auditKey);
}

export interface DrillOptions extends Omit<RestoreOptions, 'url'> {
  /** DATABASE_URL: the drill's temporary database is of its dialect, next to it. */
  near: string;
  auditKey?: string;
}

/** Restores the backup into a temporary database, checks it, and removes the database. */
export async function drillBackup(o: DrillOptions): Promise<CheckedRestore> {
  if (dialectOf(o.near) === 'sqlite') {
    const base = sqlitePath(o.near);
    const dir = path.join(
      base === ':memory:' ? process.cwd() : path.dirname(base),
      `.steward-drill-${randomBytes(6).toString('hex')}`,
    );
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      return await restoreAndCheck({ ...o, url: `file:${path.join(dir, 'drill.db')}` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const db = await createTemporaryDatabase(o.near, 'steward_drill');
  try {
    return await restoreAndCheck({ ...o, url: db.url });
  } finally {
    await db.drop();
  }
}
