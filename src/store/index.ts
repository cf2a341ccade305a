// The store: Prisma on SQLite (`file:` URLs) or PostgreSQL (`postgresql://`, `postgres://`).
import { once } from 'node:events';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Store } from '../core/ports.js';
import { createClient } from './client.js';
import { dialectOf, type Dialect } from './dialect.js';
import { PrismaStore } from './prisma-store.js';
import { backupWriter, type BackupWriterOptions } from './backup/scheduled.js';

export type { Dialect } from './dialect.js';
export { dialectOf, redactUrl } from './dialect.js';

export interface OpenStoreOptions {
  /** `file:./data/steward.db` (relative to process.cwd()) or `postgresql://user@host:5432/db`. */
  url: string;
  /** Apply pending migrations before returning (default false). */
  migrate?: boolean;
  /** STEWARD_AUDIT_KEY: every audit entry appended carries the MAC of its hash under this key. */
  auditKey?: string;
  /** Scheduled backups: the environment's recipients and secrets, and this Steward's version. */
  backup?: Omit<BackupWriterOptions, 'url'>;
}

/**
 * Opens the store for `url`. The connection is lazy on PostgreSQL: use ping() to check it.
 * SQLite databases are switched to WAL mode and wait up to 10 s for another writer.
 */
/** The store as the composition root and tools see it: the core's port, and which database it is. */
export type OpenedStore = Store & { readonly dialect: Dialect };

export async function openStore({ url, migrate = false, auditKey, backup }: OpenStoreOptions): Promise<OpenedStore> {
  dialectOf(url);
  const backups = backup ? backupWriter({ url, ...backup }) : undefined;
  const open = async () => {
    const { db, dialect } = await createClient(url);
    return new PrismaStore(db, dialect, auditKey, backups);
  };
  const store = await open();
  if (!migrate || (await store.pendingMigrations()) === 0) return store;
  // The engine needs a SQLite file to itself: close, migrate, reopen.
  await store.close();
  await migrateDatabase(url);
  return open();
}

/**
 * Applies pending migrations to the database at `url` (with `upTo`, only up to that migration);
 * returns the names applied. The schema engine runs in a worker thread: its memory goes away
 * with the worker.
 */
export async function migrateDatabase(url: string, opts: { upTo?: string } = {}): Promise<string[]> {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const entry = new URL(`./migrate-worker${ext}`, import.meta.url);
  // From sources (npm start, tests) the worker registers the TypeScript loader first; built code does not need it.
  const worker =
    ext === '.ts'
      ? new Worker(
          `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`,
          { eval: true, workerData: { url, upTo: opts.upTo } },
        )
      : new Worker(entry, { workerData: { url, upTo: opts.upTo } });
  try {
    const [result] = (await once(worker, 'message')) as [
      { ok: true; applied: string[] } | { ok: false; message: string },
    ];
    if (!result.ok) throw new Error(result.message);
    return result.applied;
  } finally {
    await worker.terminate();
  }
}
