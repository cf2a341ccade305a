// Restoring a backup into an empty database of either dialect (also the way from SQLite to
// PostgreSQL and back). Nothing is written before the header has been authenticated and the
// manifest read; then every row goes in within one transaction, committed only when the file has
// been read to its authenticated end: a wrong key, a truncated or altered file, a newer schema, a
// non-empty database or anything malformed leaves the database as it was.
//
// A hostile file cannot reach outside the tables: table and column names must be those of the
// target database's own catalog, values are checked against each column's kind, and every
// statement is parameterised.
import { migrationNames } from '../migrations/files.js';
import { dialectOf } from '../dialect.js';
import { ChunkAuthError, openAge } from './age-file.js';
import { altered, BackupError, malformed, truncated } from './errors.js';
import { END_LENGTH, FORMAT_VERSION, readBackup, type Manifest, type ReadProgress } from './format.js';
import { openRaw, quote, type RawConn } from './raw.js';
import {
  appliedMigration,
  EXCLUDED_TABLES,
  readTables,
  resetSerial,
  storedValue,
  type ColumnInfo,
  type TableInfo,
} from './tables.js';

export interface RestoreOptions {
  /** The encrypted backup. */
  file: string;
  /** age identities (`AGE-SECRET-KEY-1…`). */
  identities: readonly string[];
  /** The empty database to restore into. */
  url: string;
  /** Applies migrations to `url` (up to `upTo` when given); the store's migrateDatabase. */
  migrate(url: string, upTo?: string): Promise<unknown>;
  /** Rows inserted per batch (default 1000). */
  batch?: number;
}

export interface RestoreSummary {
  manifest: Manifest;
  /** The migration the database is at afterwards (the backup's own, then migrated forward). */
  schema: string;
}

/** Names the failure of a payload chunk from where the reading stood (see format.ts). */
function classify(e: ChunkAuthError, progress: ReadProgress): BackupError {
  if (!e.last) return altered();
  if (!progress.dataEnded) return truncated();
  return e.size < END_LENGTH + 16 ? truncated() : altered();
}

async function* authenticated(plain: AsyncIterable<Buffer>, progress: ReadProgress): AsyncGenerator<Buffer> {
  try {
    yield* plain;
  } catch (err) {
    throw err instanceof ChunkAuthError ? classify(err, progress) : err;
  }
}

/** Checks that this Steward knows the backup's schema; the migrations of the target dialect. */
function checkSchema(manifest: Manifest, known: string[]): void {
  if (manifest.version !== FORMAT_VERSION)
    throw new BackupError(
      'BACKUP.SCHEMA',
      `backup format ${manifest.version} is not one this Steward reads (format ${FORMAT_VERSION})`,
    );
  const latest = known[known.length - 1] ?? 'none';
  if (!known.includes(manifest.schema))
    throw new BackupError('BACKUP.SCHEMA', `backup is from schema ${manifest.schema}, this Steward is at ${latest}`);
  const names = manifest.tables.map((t) => t.name);
  if (new Set(names).size !== names.length) throw malformed('a table is listed twice in the manifest');
  if (manifest.tables.reduce((s, t) => s + t.rows, 0) !== manifest.rows)
    throw malformed('the manifest row counts do not add up');
}

/** Refuses a database that holds any row (the migration history aside). */
export async function checkEmpty(conn: RawConn, tables: readonly TableInfo[]): Promise<void> {
  for (const t of tables) {
    const r = await conn.all(`SELECT COUNT(*) AS "n" FROM ${quote(t.name)}`);
    const n = Number(r[0]?.n ?? 0);
    if (n > 0) throw new BackupError('BACKUP.NOT_EMPTY', `database not empty: table ${t.name} has ${n} rows`);
  }
}

/**
 * Brings the target to the backup's schema: a database without tables is migrated up to it; one
 * already at it is used as is; one past it is refused (its tables would not be the backup's).
 */
async function prepareTarget(o: RestoreOptions, manifest: Manifest): Promise<void> {
  const conn = await openRaw(o.url);
  let applied: string | null;
  try {
    applied = await appliedMigration(conn);
    const tables = await readTables(conn);
    if (applied === null && tables.length)
      throw new BackupError(
        'BACKUP.NOT_EMPTY',
        `database not empty: it has tables (${tables[0]!.name} …) but no Steward migration history`,
      );
    await checkEmpty(conn, tables);
  } finally {
    await conn.close();
  }
  if (applied === manifest.schema) return;
  if (applied !== null && applied > manifest.schema)
    throw new BackupError(
      'BACKUP.SCHEMA',
      `backup is from schema ${manifest.schema}, this database is at ${applied}: restore it into a database without tables (it is built at ${manifest.schema}, restored, then migrated)`,
    );
  await o.migrate(o.url, manifest.schema);
}

interface Loading {
  table: TableInfo;
  columns: ColumnInfo[];
  sequence: number | null;
  rowNo: number;
}

/** Restores the backup in `o.file` into the empty database at `o.url`. */
export async function restoreBackup(o: RestoreOptions): Promise<RestoreSummary> {
  const dialect = dialectOf(o.url);
  const known = migrationNames(dialect);
  const age = await openAge(o.file, o.identities);
  const progress: ReadProgress = { dataEnded: false };
  const records = readBackup(authenticated(age.plaintext, progress), progress, o.batch ?? 1_000);
  let conn: RawConn | undefined;
  let open = false;
  try {
    const first = await records.next();
    if (first.done || first.value.kind !== 'manifest') throw malformed('no manifest');
    const manifest = first.value.manifest;
    checkSchema(manifest, known);
    await prepareTarget(o, manifest);

    conn = await openRaw(o.url, { mustExist: true });
    const tables = new Map((await readTables(conn)).map((t) => [t.name, t]));
    for (const t of manifest.tables) {
      if (!tables.has(t.name) || t.name in EXCLUDED_TABLES)
        throw malformed(`table ${t.name} is not one of this schema's tables`);
    }
    await conn.run(conn.dialect === 'sqlite' ? 'BEGIN IMMEDIATE' : 'BEGIN');
    open = true;
    const loaded: Loading[] = [];
    let current: Loading | undefined;
    let end = false;
    for await (const rec of records) {
      if (rec.kind === 'table') {
        const table = tables.get(rec.header.table)!;
        const byName = new Map(table.columns.map((c) => [c.name, c]));
        const columns = rec.header.columns.map((name) => {
          const c = byName.get(name);
          if (!c) throw malformed(`table ${table.name} has no column ${name} in this schema`);
          return c;
        });
        if (new Set(rec.header.columns).size !== columns.length)
          throw malformed(`table ${table.name}: a column is listed twice`);
        const missing = table.columns.find((c) => !rec.header.columns.includes(c.name) && !c.nullable && !c.hasDefault);
        if (missing) throw malformed(`table ${table.name}: column ${missing.name} is missing`);
        current = { table, columns, sequence: rec.header.sequence, rowNo: 0 };
        loaded.push(current);
      } else if (rec.kind === 'rows') {
        const c = current!;
        const values = rec.rows.map((row) => {
          const n = ++c.rowNo;
          return row.map((v, i) => storedValue(dialect, c.table.name, c.columns[i]!, v, n));
        });
        await conn.insertMany(
          c.table.name,
          c.columns.map((x) => x.name),
          values,
        );
      } else if (rec.kind === 'end') end = true;
    }
    if (!end) throw truncated();
    for (const l of loaded) await resetSerial(conn, l.table, l.sequence);
    await conn.run('COMMIT');
    open = false;
    await conn.close();
    conn = undefined;
    const latest = known[known.length - 1]!;
    if (manifest.schema !== latest) await o.migrate(o.url);
    return { manifest, schema: latest };
  } catch (err) {
    if (conn && open) await conn.run('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await conn?.close();
    await records.return(undefined).catch(() => undefined);
    await age.close().catch(() => undefined);
  }
}
