// Migrations apply from scratch on both dialects, re-applying is a no-op, and the schema has no
// drift from the migration folders (the check behind `npm run db:check`).
import { expect, it } from 'vitest';
import { openStore, migrateDatabase } from '../../src/store/index.js';
import { migrationNames } from '../../src/store/migrations/files.js';
import { countPendingMigrations, isEmptyMigration } from '../../src/store/schema-engine.js';
import { checkDrift } from '../../scripts/db-check.js';
import { forEachDialect, pgAdminUrl, pgAvailable } from '../support/databases.js';

await forEachDialect('migrations', ({ dialect, createDatabase }) => {
  it('apply from scratch, re-apply as a no-op, and leave nothing pending', async () => {
    const names = migrationNames(dialect);
    expect(names.length).toBeGreaterThan(0);
    const db = await createDatabase();
    try {
      const before = await openStore({ url: db.url });
      try {
        expect(await before.pendingMigrations()).toBe(names.length);
        expect(await countPendingMigrations(db.url)).toBe(names.length);

        const started = performance.now();
        expect(await migrateDatabase(db.url)).toEqual(names);
        const ms = performance.now() - started;
        expect(await migrateDatabase(db.url)).toEqual([]);

        expect(await before.pendingMigrations()).toBe(0);
        expect(await countPendingMigrations(db.url)).toBe(0);
        console.info(`${dialect}: applied ${names.length} migration(s) in ${ms.toFixed(0)} ms`);
      } finally {
        await before.close();
      }
      const after = await openStore({ url: db.url, migrate: true });
      try {
        expect(await after.pendingMigrations()).toBe(0);
        expect(await after.auditReader.count()).toBe(0);
      } finally {
        await after.close();
      }
    } finally {
      await db.drop();
    }
  });
});

const pgUp = await pgAvailable();

it.runIf(pgUp || process.env.STEWARD_REQUIRE_PG === '1')('db:check finds no drift between the schema and the migrations', async () => {
  const reports = await checkDrift({ pgAdminUrl: pgAdminUrl() });
  expect(reports.map((r) => r.dialect)).toEqual(['sqlite', 'postgresql']);
  for (const r of reports) {
    expect(r.drift, `${r.dialect} drift:\n${r.sql}`).toBe(false);
    expect(isEmptyMigration(r.sql)).toBe(true);
  }
});
