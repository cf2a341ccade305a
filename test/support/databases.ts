// Throw-away databases for tests: a fresh SQLite file, or a uniquely named PostgreSQL database
// on the server at TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, it } from 'vitest';
import { DIALECTS, redactUrl, sqlitePath, type Dialect } from '../../src/store/dialect.js';
import { createTemporaryDatabase, DEFAULT_PG_ADMIN_URL } from '../../src/store/migrations/pg-temp-db.js';

export type { Dialect };

export interface TestDatabase {
  readonly dialect: Dialect;
  readonly url: string;
  /** Removes the database (SQLite files, or DROP DATABASE … WITH (FORCE)). Safe to call twice. */
  drop(): Promise<void>;
}

/** `file:` URL of a database file in a fresh folder under os.tmpdir() (not created yet). */
export function sqliteUrl(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'steward-test-'));
  return `file:${path.join(dir, 'steward.db')}`;
}

/** A fresh SQLite database; drop() removes its folder (database, WAL and SHM files). */
export function createSqliteDatabase(): TestDatabase {
  const url = sqliteUrl();
  return {
    dialect: 'sqlite',
    url,
    drop: async () => rmSync(path.dirname(sqlitePath(url)), { recursive: true, force: true }),
  };
}

/** TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres. */
export function pgAdminUrl(): string {
  return process.env.TEST_DATABASE_URL || DEFAULT_PG_ADMIN_URL;
}

let available: Promise<boolean> | undefined;

/** Whether the PostgreSQL server answers within a short timeout (checked once per process). */
export function pgAvailable(timeoutMs = 2_000): Promise<boolean> {
  available ??= (async () => {
    const client = new pg.Client({ connectionString: pgAdminUrl(), connectionTimeoutMillis: timeoutMs });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return available;
}

/** A uniquely named database `steward_test_<pid>_<random>` on the PostgreSQL server. */
export async function createPgDatabase(): Promise<TestDatabase> {
  const db = await createTemporaryDatabase(pgAdminUrl(), 'steward_test');
  return { dialect: 'postgresql', url: db.url, drop: db.drop };
}

export function createDatabase(dialect: Dialect): Promise<TestDatabase> {
  return dialect === 'sqlite' ? Promise.resolve(createSqliteDatabase()) : createPgDatabase();
}

/** Runs SQL directly on the database, bypassing the store (e.g. to tamper with rows). */
export async function execSql(url: string, sql: string): Promise<void> {
  if (url.startsWith('file:')) {
    const db = new Database(sqlitePath(url), { timeout: 10_000 });
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface DialectContext {
  readonly dialect: Dialect;
  /** A fresh empty database of this dialect; the caller drops it. */
  createDatabase(): Promise<TestDatabase>;
}

/**
 * Declares a suite that needs PostgreSQL (several Stewards on one database), as forEachDialect
 * declares its PostgreSQL half: skipped with a warning when the server is not reachable, failing
 * when STEWARD_REQUIRE_PG=1. Call with top-level await.
 */
export async function describePg(title: string, body: () => void): Promise<void> {
  if (await pgAvailable()) {
    describe(title, body);
    return;
  }
  const where = redactUrl(pgAdminUrl());
  if (process.env.STEWARD_REQUIRE_PG === '1') {
    describe(title, () => {
      it('needs a reachable PostgreSQL server (STEWARD_REQUIRE_PG=1)', () => {
        throw new Error(
          `PostgreSQL not reachable at ${where} and STEWARD_REQUIRE_PG=1: set TEST_DATABASE_URL or start the server`,
        );
      });
    });
  } else {
    console.warn(`PostgreSQL not reachable at ${where}: skipping "${title}"`);
  }
}

/**
 * Declares `body` once per dialect, as `describe('<title> [sqlite]')` and `[postgresql]`.
 * The PostgreSQL half runs whenever the server is reachable. When it is not, it is skipped with
 * a warning, or fails when STEWARD_REQUIRE_PG=1. Call with top-level await:
 *   await forEachDialect('store', ({ dialect, createDatabase }) => { it(…) });
 */
export async function forEachDialect(title: string, body: (ctx: DialectContext) => void): Promise<void> {
  const pgUp = await pgAvailable();
  for (const dialect of DIALECTS) {
    const name = `${title} [${dialect}]`;
    if (dialect === 'postgresql' && !pgUp) {
      const where = redactUrl(pgAdminUrl());
      if (process.env.STEWARD_REQUIRE_PG === '1') {
        describe(name, () => {
          it('needs a reachable PostgreSQL server (STEWARD_REQUIRE_PG=1)', () => {
            throw new Error(
              `PostgreSQL not reachable at ${where} and STEWARD_REQUIRE_PG=1: set TEST_DATABASE_URL or start the server`,
            );
          });
        });
      } else {
        console.warn(`PostgreSQL not reachable at ${where}: skipping PostgreSQL store tests`);
      }
      continue;
    }
    describe(name, () => body({ dialect, createDatabase: () => createDatabase(dialect) }));
  }
}
