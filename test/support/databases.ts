// Throw-away databases for tests: a fresh SQLite file, or a uniquely named PostgreSQL database
// on the server at TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
// They come migrated, copied from the template databases (see db-templates.ts), unless asked for
// `{ empty: true }`; openStore({ migrate: true }) then finds nothing pending.
import { randomBytes } from 'node:crypto';
import { chmodSync, constants, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, inject, it } from 'vitest';
import { DIALECTS, redactUrl, sqlitePath, withDatabase, type Dialect } from '../../src/store/dialect.js';
import { adminQuery, quoteIdent } from '../../src/store/migrations/pg-migrate-adapter.js';
import { createTemporaryDatabase } from '../../src/store/migrations/pg-temp-db.js';
import { migrationsHash, pgAdminUrl, pgReachable, pgTemplateReady, type DbTemplates } from './db-templates.js';

export type { Dialect };

export interface TestDatabase {
  readonly dialect: Dialect;
  readonly url: string;
  /** Removes the database (SQLite files, or DROP DATABASE … WITH (FORCE)). Safe to call twice. */
  drop(): Promise<void>;
}

export interface CreateDatabaseOptions {
  /**
   * An empty database, with no table and no migration applied (for the tests of migrating
   * itself). By default the database has every migration of prisma/migrations applied.
   */
  empty?: boolean;
}

/** The templates the global setup provided, or none (outside vitest, or without the setup). */
function templates(): DbTemplates {
  if (!process.env.VITEST) return {};
  try {
    return inject('dbTemplates') ?? {};
  } catch {
    return {};
  }
}

/** The template of `dialect` if there is one and it matches the migration folder as it is now. */
function template<D extends Dialect>(dialect: D): DbTemplates[D] | undefined {
  const t = templates()[dialect];
  return t && t.hash === migrationsHash(dialect) ? t : undefined;
}

/** `file:` URL of a database file in a fresh folder under os.tmpdir() (not created yet). */
export function sqliteUrl(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'steward-test-'));
  return `file:${path.join(dir, 'steward.db')}`;
}

/**
 * Makes `file` (absolute path of a database file not created yet, in an existing folder) a copy
 * of the migrated SQLite template. Returns false, creating nothing, when there is no template:
 * the database is then created, empty, when first opened.
 */
export function copySqliteTemplate(file: string): boolean {
  const t = template('sqlite');
  if (!t || !existsSync(t.file)) return false;
  copyFileSync(t.file, file, constants.COPYFILE_EXCL);
  chmodSync(file, 0o644); // the template is read-only, and so is a copy of it at first
  return true;
}

/** A fresh SQLite database (migrated unless `empty`); drop() removes its folder (database, WAL and SHM files). */
export function createSqliteDatabase(options: CreateDatabaseOptions = {}): TestDatabase {
  const url = sqliteUrl();
  if (!options.empty) copySqliteTemplate(sqlitePath(url));
  return {
    dialect: 'sqlite',
    url,
    drop: async () => rmSync(path.dirname(sqlitePath(url)), { recursive: true, force: true }),
  };
}

export { pgAdminUrl };

let available: Promise<boolean> | undefined;

/** Whether the PostgreSQL server answers within a short timeout (checked once per process). */
export function pgAvailable(timeoutMs = 2_000): Promise<boolean> {
  available ??= pgReachable(timeoutMs);
  return available;
}

/**
 * A uniquely named database `steward_test_<pid>_<random>` on the PostgreSQL server (migrated
 * unless `empty`: created from the template database, once the run has built it).
 */
export async function createPgDatabase(options: CreateDatabaseOptions = {}): Promise<TestDatabase> {
  const t = options.empty ? undefined : template('postgresql');
  if (!t || !(await pgTemplateReady(t))) {
    const db = await createTemporaryDatabase(pgAdminUrl(), 'steward_test');
    return { dialect: 'postgresql', url: db.url, drop: db.drop };
  }
  const admin = pgAdminUrl();
  const name = `steward_test_${process.pid}_${randomBytes(5).toString('hex')}`;
  await adminQuery(admin, `CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(t.name)}`);
  let dropped: Promise<void> | undefined;
  return {
    dialect: 'postgresql',
    url: withDatabase(admin, name),
    drop: () => (dropped ??= adminQuery(admin, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)),
  };
}

/** A fresh database of `dialect`, migrated unless `empty`. */
export function createDatabase(dialect: Dialect, options: CreateDatabaseOptions = {}): Promise<TestDatabase> {
  return dialect === 'sqlite' ? Promise.resolve(createSqliteDatabase(options)) : createPgDatabase(options);
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
  /** A fresh database of this dialect, migrated unless `empty`; the caller drops it. */
  createDatabase(options?: CreateDatabaseOptions): Promise<TestDatabase>;
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
    describe(name, () => body({ dialect, createDatabase: (options) => createDatabase(dialect, options) }));
  }
}
