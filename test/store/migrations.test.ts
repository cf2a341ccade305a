// Migrations apply from scratch on both dialects, re-applying is a no-op, and the schema has no
// drift from the migration folders (the check behind `npm run db:check`).
import { expect, it } from 'vitest';
import { openStore, migrateDatabase } from '../../src/store/index.js';
import { migrationNames } from '../../src/store/migrations/files.js';
import { countPendingMigrations, isEmptyMigration } from '../../src/store/schema-engine.js';
import { checkDrift } from '../../scripts/db-check.js';
import { forEachDialect, pgAdminUrl } from '../support/databases.js';

await forEachDialect('migrations', ({ dialect, createDatabase }) => {
  it('apply from scratch, re-apply as a no-op, and leave nothing pending', async () => {
    const names = migrationNames(dialect);
    expect(names.length).toBeGreaterThan(0);
    const db = await createDatabase({ empty: true });
    try {
      // The store is closed while migrating: on SQLite the engine needs the file to itself.
      const fresh = await openStore({ url: db.url });
      expect(await fresh.pendingMigrations()).toBe(names.length);
      await fresh.close();
      expect(await countPendingMigrations(db.url)).toBe(names.length);

      const started = performance.now();
      expect(await migrateDatabase(db.url)).toEqual(names);
      const ms = performance.now() - started;
      expect(await migrateDatabase(db.url)).toEqual([]);
      expect(await countPendingMigrations(db.url)).toBe(0);
      console.info(`${dialect}: applied ${names.length} migration(s) in ${ms.toFixed(0)} ms`);

      const store = await openStore({ url: db.url, migrate: true });
      try {
        expect(await store.pendingMigrations()).toBe(0);
        expect(await store.auditReader.count()).toBe(0);
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  });

  it('db:check finds no drift between the schema and the migrations', async () => {
    const [report, ...rest] = await checkDrift({ dialects: [dialect], pgAdminUrl: pgAdminUrl() });
    expect(rest).toEqual([]);
    expect(report!.dialect).toBe(dialect);
    expect(report!.drift, `${dialect} drift:\n${report!.sql}`).toBe(false);
    expect(isEmptyMigration(report!.sql)).toBe(true);
  });
});
