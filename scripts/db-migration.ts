// npm run db:migration -- <name>
// Creates the next migration for SQLite and PostgreSQL from prisma/schema.prisma:
//   prisma/migrations/<provider>/<timestamp>_<name>/migration.sql
// A provider whose history already matches the schema gets no new folder. PostgreSQL needs a
// server: TEST_DATABASE_URL (else postgresql://postgres@127.0.0.1:5432/postgres) is used as the
// admin connection to create a temporary database for the diff.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIALECTS, projectRoot, redactUrl, type Dialect } from '../src/store/dialect.js';
import { migrationSlug, migrationTimestamp, writeMigration } from '../src/store/migrations/files.js';
import { DEFAULT_PG_ADMIN_URL, withTemporaryDatabase } from '../src/store/migrations/pg-temp-db.js';
import { diffMigrations, isEmptyMigration } from '../src/store/schema-engine.js';

/** TEST_DATABASE_URL, else the local server's `postgres` database. */
export function pgAdminUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.TEST_DATABASE_URL || DEFAULT_PG_ADMIN_URL;
}

export interface CreatedMigration {
  dialect: Dialect;
  /** Path of the written migration.sql, or null when the dialect had no changes. */
  file: string | null;
  sql: string;
}

/** SQL of the next migration of `dialect` (EMPTY_MIGRATION when there is nothing to do). */
export async function nextMigrationSql(dialect: Dialect, pgAdminUrl = pgAdminUrlFromEnv()): Promise<string> {
  if (dialect === 'sqlite') return diffMigrations('sqlite');
  return withTemporaryDatabase(pgAdminUrl, 'steward_migration', (url) => diffMigrations('postgresql', url));
}

export async function createMigration(
  name: string,
  options: { pgAdminUrl?: string; at?: Date } = {},
): Promise<CreatedMigration[]> {
  const folder = `${migrationTimestamp(options.at)}_${migrationSlug(name)}`;
  // Compute every diff before writing anything, so a failure leaves no half-created migration.
  const diffs: Array<{ dialect: Dialect; sql: string }> = [];
  for (const dialect of DIALECTS) {
    try {
      diffs.push({ dialect, sql: await nextMigrationSql(dialect, options.pgAdminUrl) });
    } catch (err) {
      const where =
        dialect === 'postgresql' ? ` (admin connection ${redactUrl(options.pgAdminUrl ?? pgAdminUrlFromEnv())})` : '';
      throw new Error(
        `${dialect}: cannot compute the migration${where}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
  }
  return diffs.map(({ dialect, sql }) => ({
    dialect,
    sql,
    file: isEmptyMigration(sql) ? null : writeMigration(dialect, folder, sql),
  }));
}

async function main(argv: string[]): Promise<number> {
  const name = argv.find((a) => !a.startsWith('-'));
  if (!name) {
    console.error('usage: npm run db:migration -- <name>');
    return 2;
  }
  const results = await createMigration(name);
  for (const r of results) {
    console.log(
      r.file
        ? `${r.dialect}: wrote ${path.relative(projectRoot(), r.file)}`
        : `${r.dialect}: no changes, nothing written`,
    );
  }
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(`db:migration: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
