// Plain driver connections for backups and restores (better-sqlite3, pg), outside Prisma: a backup
// reads every table inside one snapshot, row batches at a time, and a restore writes every table
// inside one transaction. Statements take parameters only; identifiers come from the database's
// own catalog (tables.ts), never from a backup file.
import Database from 'better-sqlite3';
import pg from 'pg';
import { dialectOf, prepareSqliteFile, sqlitePath, type Dialect } from '../dialect.js';

export type Row = Record<string, unknown>;

export interface RawConn {
  readonly dialect: Dialect;
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a statement; the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** The rows of `sql` as arrays (columns in select order), `size` at a time, within the open transaction. */
  batches(sql: string, size: number): AsyncIterable<unknown[][]>;
  /** Inserts rows (values in `columns` order) into `table`, in as few statements as the driver allows. */
  insertMany(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void>;
  close(): Promise<void>;
}

export const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * PostgreSQL timestamps are read as the server prints them (`2026-05-01 09:30:00.123`, UTC by
 * Steward's convention), not as local-time Dates; the codecs in tables.ts turn them into ISO 8601.
 */
const TIMESTAMP_OIDS = new Set([1114, 1184]);
const pgTypes = {
  getTypeParser: ((oid: number, format?: string): ((v: string) => unknown) =>
    TIMESTAMP_OIDS.has(oid)
      ? (v: string) => v
      : (pg.types.getTypeParser(oid, (format ?? 'text') as 'text') as (
          v: string,
        ) => unknown)) as typeof pg.types.getTypeParser,
};

export interface OpenRawOptions {
  /** SQLite: open read-only (a backup). */
  readonly?: boolean;
  /** SQLite: the file must exist already. */
  mustExist?: boolean;
}

/** Opens a dedicated connection to the database at `url`. */
export async function openRaw(url: string, opts: OpenRawOptions = {}): Promise<RawConn> {
  return dialectOf(url) === 'sqlite' ? openSqlite(url, opts) : openPg(url);
}

function openSqlite(url: string, opts: OpenRawOptions): RawConn {
  const file = opts.readonly || opts.mustExist ? sqlitePath(url) : prepareSqliteFile(url);
  const db = new Database(file, {
    readonly: !!opts.readonly,
    fileMustExist: !!(opts.readonly || opts.mustExist),
    timeout: 10_000,
  });
  if (!opts.readonly) db.pragma('foreign_keys = ON');
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let stmt = statements.get(sql);
    if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
    return stmt;
  };
  return {
    dialect: 'sqlite',
    all: async (sql, params = []) => prepared(sql).all(...(params as unknown[])) as Row[],
    run: async (sql, params = []) => {
      const stmt = prepared(sql);
      return stmt.reader ? stmt.all(...(params as unknown[])).length : stmt.run(...(params as unknown[])).changes;
    },
    insertMany: async (table, columns, rows) => {
      const stmt = prepared(
        `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      );
      for (const row of rows) stmt.run(...row);
    },
    async *batches(sql, size) {
      const it = db.prepare(sql).raw(true).iterate() as IterableIterator<unknown[]>;
      try {
        let batch: unknown[][] = [];
        for (const row of it) {
          batch.push(row);
          if (batch.length >= size) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length) yield batch;
      } finally {
        it.return?.();
      }
    },
    close: async () => void db.close(),
  };
}

async function openPg(url: string): Promise<RawConn> {
  const client = new pg.Client({ connectionString: url, types: pgTypes, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  let cursor = 0;
  return {
    dialect: 'postgresql',
    all: async (sql, params = []) => (await client.query<Row>(sql, params as unknown[])).rows,
    run: async (sql, params = []) => (await client.query(sql, params as unknown[])).rowCount ?? 0,
    async *batches(sql, size) {
      // A server-side cursor: the rows come `size` at a time, whatever the table's size.
      const name = `steward_backup_${++cursor}`;
      await client.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`);
      try {
        for (;;) {
          const r = await client.query<unknown[]>({ text: `FETCH ${size} FROM ${name}`, rowMode: 'array' });
          if (r.rows.length) yield r.rows;
          if (r.rows.length < size) break;
        }
      } finally {
        await client.query(`CLOSE ${name}`).catch(() => undefined);
      }
    },
    insertMany: async (table, columns, rows) => {
      // One parameter per batch: the rows as a JSON array of objects, turned into rows of the
      // table's own type by the server (far faster than thousands of bound parameters).
      const cols = columns.map(quote).join(', ');
      const sql = `INSERT INTO ${quote(table)} (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${quote(table)}, $1::json)`;
      for (let i = 0; i < rows.length; i += PG_ROWS) {
        const part = rows.slice(i, i + PG_ROWS);
        const json = JSON.stringify(part.map((row) => Object.fromEntries(columns.map((c, j) => [c, row[j]]))));
        await client.query(sql, [json]);
      }
    },
    close: () => client.end(),
  };
}

/** Rows per INSERT on PostgreSQL. */
const PG_ROWS = 2_000;
