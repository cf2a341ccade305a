// Migrations through Prisma's WebAssembly schema engine: apply pending migrations, diff the
// migration history against the schema, count pending migrations. Works offline (no native
// engine) for SQLite (better-sqlite3 adapter) and PostgreSQL (pg adapter with fixes).
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import { dialectOf, prepareSqliteFile, renderSchema, type Dialect } from './dialect.js';
import { loadMigrationList } from './migrations/files.js';
import { PgMigrateAdapterFactory } from './migrations/pg-migrate-adapter.js';
import { lastPanic, loadSchemaEngine, type SchemaEngine } from './migrations/wasm-engine.js';

/** What the engine answers when the schema and the migration history agree. */
export const EMPTY_MIGRATION = '-- This is an empty migration.';

const FILTERS = { externalTables: [], externalEnums: [] };
const SCHEMA_FILE = 'schema.prisma';

export function isEmptyMigration(sql: string | null | undefined): boolean {
  const s = (sql ?? '').trim();
  return s === '' || s === EMPTY_MIGRATION;
}

type ClosableFactory = SqlMigrationAwareDriverAdapterFactory & { close(): Promise<void> };

/**
 * The engine replays each migration on the SQLite shadow database with executeRaw, which
 * better-sqlite3 refuses for more than one statement: run such scripts with executeScript.
 */
function multiStatementRaw(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = async (query) => {
    try {
      return await executeRaw(query);
    } catch (err) {
      if (query.args.length > 0 || !/more than one statement/.test(String((err as Error)?.message))) throw err;
      await adapter.executeScript(query.sql);
      return 0;
    }
  };
  return adapter;
}

/** better-sqlite3 adapter factory that remembers its connections so they can be closed. */
function sqliteFactory(url: string): ClosableFactory {
  const file = prepareSqliteFile(url);
  const inner = new PrismaBetterSqlite3({ url: file, timeout: 10_000 });
  const open: SqlDriverAdapter[] = [];
  const remember = (a: SqlDriverAdapter) => (open.push(a), multiStatementRaw(a));
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => remember(await inner.connect()),
    connectToShadowDb: async () => remember(await inner.connectToShadowDb()),
    close: async () => {
      for (const a of open.splice(0)) await a.dispose();
    },
  };
}

function adapterFactory(dialect: Dialect, url: string): ClosableFactory {
  return dialect === 'sqlite' ? sqliteFactory(url) : new PgMigrateAdapterFactory(url);
}

function engineError(op: string, err: unknown, logs: string[]): Error {
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err);
  const panic = lastPanic();
  const detail = [message, panic && !message.includes(panic) ? panic : '', ...logs.slice(-3)]
    .filter(Boolean)
    .join('\n');
  return new Error(`schema engine ${op} failed: ${detail}`, { cause: err });
}

// One engine at a time per process: on PostgreSQL an engine holds the migration advisory lock
// until its connection is closed.
let queue: Promise<unknown> = Promise.resolve();

async function withEngine<T>(
  dialect: Dialect,
  url: string,
  op: string,
  fn: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const run = async () => {
    const Engine = await loadSchemaEngine();
    const factory = adapterFactory(dialect, url);
    const logs: string[] = [];
    let engine: SchemaEngine | undefined;
    try {
      engine = await Engine.new(
        { datamodels: [[SCHEMA_FILE, renderSchema(dialect)]] },
        (log: string) => void logs.push(String(log)),
        bindMigrationAwareSqlAdapterFactory(factory),
      );
      return await fn(engine);
    } catch (err) {
      throw engineError(op, err, logs);
    } finally {
      engine?.free();
      await factory.close();
    }
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

/**
 * Applies the pending migrations of the URL's dialect (with `upTo`, only those up to and including
 * that one: a restore builds the schema a backup was made at); returns the names applied.
 */
export async function applyMigrations(url: string, upTo?: string): Promise<string[]> {
  const dialect = dialectOf(url);
  const list = loadMigrationList(dialect);
  if (upTo !== undefined) {
    if (!list.migrationDirectories.some((m) => m.path === upTo)) throw new Error(`unknown migration ${upTo}`);
    list.migrationDirectories = list.migrationDirectories.filter((m) => m.path <= upTo);
  }
  const out = await withEngine(dialect, url, 'applyMigrations', (engine) =>
    engine.applyMigrations({ migrationsList: list, filters: FILTERS }),
  );
  return out.appliedMigrationNames;
}

/**
 * SQL that takes a database built by the migration folder of `dialect` to the current schema
 * (EMPTY_MIGRATION when there is no drift). The history is replayed on a shadow database:
 * in memory for SQLite; for PostgreSQL a temporary database created through `url`, which must
 * name a reachable database whose role may CREATE DATABASE.
 */
export async function diffMigrations(dialect: Dialect, url?: string): Promise<string> {
  if (dialect === 'postgresql' && !url) throw new Error('diffMigrations(postgresql) needs a database URL');
  const target = url ?? 'file::memory:';
  if (dialectOf(target) !== dialect) throw new Error(`diffMigrations(${dialect}) got a URL of another dialect`);
  const out = await withEngine(dialect, target, 'diff', (engine) =>
    engine.diff({
      from: { tag: 'migrations', ...loadMigrationList(dialect) },
      to: { tag: 'schemaDatamodel', files: [{ path: SCHEMA_FILE, content: renderSchema(dialect) }] },
      script: true,
      exitCode: null,
      filters: FILTERS,
    }),
  );
  return out.stdout ?? '';
}

/**
 * Number of migrations in the folder not applied to the database at `url`, per the engine's
 * diagnosis (failed migrations count as pending). The store's pendingMigrations() is the cheap
 * equivalent for readiness probes.
 */
export async function countPendingMigrations(url: string): Promise<number> {
  const dialect = dialectOf(url);
  const migrationsList = loadMigrationList(dialect);
  const out = await withEngine(dialect, url, 'diagnoseMigrationHistory', async (engine) => {
    try {
      return await engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: FILTERS });
    } catch (err) {
      // P1014: no _prisma_migrations table yet, nothing was ever applied.
      if ((err as { code?: string })?.code === 'P1014') return null;
      throw err;
    }
  });
  if (!out) return migrationsList.migrationDirectories.length;
  const pending = new Set(out.failedMigrationNames);
  const h = out.history;
  if (h && (h.diagnostic === 'databaseIsBehind' || h.diagnostic === 'historiesDiverge')) {
    for (const name of h.unappliedMigrationNames) pending.add(name);
  }
  return pending.size;
}
