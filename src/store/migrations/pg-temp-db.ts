// Throw-away PostgreSQL databases (migration diffs, tests).
import { randomBytes } from 'node:crypto';
import { withDatabase } from '../dialect.js';
import { adminQuery, quoteIdent } from './pg-migrate-adapter.js';

export interface TemporaryDatabase {
  readonly name: string;
  readonly url: string;
  /** Drops the database, closing any connection still open on it. Safe to call twice. */
  drop(): Promise<void>;
}

/** Creates `<prefix>_<pid>_<random>` through `adminUrl` (its role needs CREATEDB). */
export async function createTemporaryDatabase(adminUrl: string, prefix: string): Promise<TemporaryDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(5).toString('hex')}`.toLowerCase();
  await adminQuery(adminUrl, `CREATE DATABASE ${quoteIdent(name)}`);
  let dropped: Promise<void> | undefined;
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: () => (dropped ??= adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)),
  };
}

/** Runs `fn` with a temporary database that is dropped afterwards. */
export async function withTemporaryDatabase<T>(
  adminUrl: string,
  prefix: string,
  fn: (url: string) => Promise<T>,
): Promise<T> {
  const db = await createTemporaryDatabase(adminUrl, prefix);
  try {
    return await fn(db.url);
  } finally {
    await db.drop();
  }
}

/** The admin connection used by the migration tooling and tests when none is configured. */
export const DEFAULT_PG_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
