// The store: Prisma on SQLite (`file:` URLs) or PostgreSQL (`postgresql://`, `postgres://`).
import type { Store } from '../core/ports.js';
import { createClient } from './client.js';
import { dialectOf } from './dialect.js';
import { PrismaStore } from './prisma-store.js';

export type { Dialect } from './dialect.js';
export { dialectOf, redactUrl } from './dialect.js';

export interface OpenStoreOptions {
  /** `file:./data/steward.db` (relative to process.cwd()) or `postgresql://user@host:5432/db`. */
  url: string;
  /** Apply pending migrations before returning (default false). */
  migrate?: boolean;
}

/**
 * Opens the store for `url`. The connection is lazy on PostgreSQL: use ping() to check it.
 * SQLite databases are switched to WAL mode and wait up to 10 s for another writer.
 */
export async function openStore({ url, migrate = false }: OpenStoreOptions): Promise<Store> {
  dialectOf(url);
  if (migrate) await migrateDatabase(url);
  const { db, dialect } = await createClient(url);
  return new PrismaStore(db, dialect);
}

/** Applies pending migrations to the database at `url`; returns the names applied. */
export async function migrateDatabase(url: string): Promise<string[]> {
  const { applyMigrations } = await import('./schema-engine.js');
  return applyMigrations(url);
}
