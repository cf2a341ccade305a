// npm run db:check
// Fails (exit 1, printing the missing SQL) when prisma/schema.prisma has changes that no
// migration covers, for SQLite or PostgreSQL. PostgreSQL needs a server, as for db:migration.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIALECTS, type Dialect } from '../src/store/dialect.js';
import { isEmptyMigration } from '../src/store/schema-engine.js';
import { nextMigrationSql } from './db-migration.js';

export interface DriftReport {
  dialect: Dialect;
  drift: boolean;
  /** The SQL a new migration would contain (the engine's empty-migration comment when none). */
  sql: string;
}

export async function checkDrift(
  options: { pgAdminUrl?: string; dialects?: readonly Dialect[] } = {},
): Promise<DriftReport[]> {
  const reports: DriftReport[] = [];
  for (const dialect of options.dialects ?? DIALECTS) {
    const sql = await nextMigrationSql(dialect, options.pgAdminUrl);
    reports.push({ dialect, sql, drift: !isEmptyMigration(sql) });
  }
  return reports;
}

async function main(): Promise<number> {
  const reports = await checkDrift();
  for (const r of reports) {
    if (r.drift) {
      console.error(
        `${r.dialect}: DRIFT: the schema has changes without a migration (npm run db:migration -- <name>):\n${r.sql.trim()}\n`,
      );
    } else {
      console.log(`${r.dialect}: no drift`);
    }
  }
  return reports.some((r) => r.drift) ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(`db:check: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
