// What a backup carries, read from the database's own catalog: its tables (parents before the
// tables that reference them), their columns with a portable kind, primary keys and counters.
// Values are carried in one portable form whatever the dialect (ISO 8601 instants, JSON numbers
// and booleans), and written back in the target's own form.
import type { Dialect } from '../dialect.js';
import { malformed } from './errors.js';
import { quote, type RawConn } from './raw.js';

export type ColumnKind = 'int' | 'float' | 'text' | 'bool' | 'datetime';

export interface ColumnInfo {
  name: string;
  kind: ColumnKind;
  nullable: boolean;
  /** Has a default (a column a backup of an older schema may lack). */
  hasDefault: boolean;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  primaryKey: string[];
  /** Tables this one references (foreign keys). */
  parents: string[];
  /** The autoincrement column, if any (its counter is carried and restored). */
  serial?: string;
}

/** The migration history's own table: every database has its own. */
export const MIGRATIONS_TABLE = '_prisma_migrations';

/**
 * Tables a backup leaves out, and why. Nothing here holds data worth restoring, and a backup
 * carries nothing the environment holds as a secret (tests check the plaintext).
 */
export const EXCLUDED_TABLES: Readonly<Record<string, string>> = {
  lease: 'scheduler leases coordinate the replicas that run now; a restored database starts with none',
};

function kindOf(type: string, table: string, column: string): ColumnKind {
  const t = type.trim().toLowerCase();
  if (/^(integer|int|bigint|smallint|int4|int8|int2)$/.test(t)) return 'int';
  if (/^(real|double precision|double|float|float8|float4|numeric|decimal)/.test(t)) return 'float';
  if (/^(text|character varying|varchar|character|char)/.test(t)) return 'text';
  if (/^bool/.test(t)) return 'bool';
  if (/^(datetime|timestamp)/.test(t)) return 'datetime';
  throw new Error(`column ${table}.${column} has type ${type}, which backups do not carry`);
}

/** Parents first (a table after every table it references), then by name. */
export function orderTables(tables: TableInfo[]): TableInfo[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const out: TableInfo[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: TableInfo) => {
    const s = state.get(t.name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`tables reference each other in a cycle through ${t.name}`);
    state.set(t.name, 'visiting');
    for (const p of [...t.parents].sort()) {
      const parent = byName.get(p);
      if (parent && parent !== t) visit(parent);
    }
    state.set(t.name, 'done');
    out.push(t);
  };
  for (const t of [...tables].sort((a, b) => a.name.localeCompare(b.name))) visit(t);
  return out;
}

/** Every table of the database except the migration history, parents first. */
export async function readTables(conn: RawConn): Promise<TableInfo[]> {
  return orderTables(conn.dialect === 'sqlite' ? await sqliteTables(conn) : await pgTables(conn));
}

async function sqliteTables(conn: RawConn): Promise<TableInfo[]> {
  const tables = await conn.all(
    `SELECT "name", "sql" FROM "sqlite_master" WHERE "type" = 'table' AND "name" NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND "name" <> ? ORDER BY "name"`,
    [MIGRATIONS_TABLE],
  );
  const out: TableInfo[] = [];
  for (const t of tables) {
    const name = String(t.name);
    const cols = await conn.all(
      `SELECT "name", "type", "notnull", "dflt_value", "pk" FROM pragma_table_info(?) ORDER BY "cid"`,
      [name],
    );
    const fks = await conn.all(`SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, [name]);
    const columns = cols.map((c) => ({
      name: String(c.name),
      kind: kindOf(String(c.type), name, String(c.name)),
      nullable: Number(c.notnull) === 0,
      hasDefault: c.dflt_value !== null,
    }));
    const primaryKey = cols
      .filter((c) => Number(c.pk) > 0)
      .sort((a, b) => Number(a.pk) - Number(b.pk))
      .map((c) => String(c.name));
    const serial = /\bAUTOINCREMENT\b/i.test(String(t.sql)) && primaryKey.length === 1 ? primaryKey[0] : undefined;
    out.push({
      name,
      columns,
      primaryKey,
      parents: fks.map((f) => String(f.table)),
      ...(serial ? { serial } : {}),
    });
  }
  return out;
}

async function pgTables(conn: RawConn): Promise<TableInfo[]> {
  const cols = await conn.all(
    `SELECT c."table_name", c."column_name", c."data_type", c."is_nullable", c."column_default"
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t."table_schema" = c."table_schema" AND t."table_name" = c."table_name"
      WHERE c."table_schema" = current_schema() AND t."table_type" = 'BASE TABLE' AND c."table_name" <> $1
      ORDER BY c."table_name", c."ordinal_position"`,
    [MIGRATIONS_TABLE],
  );
  const pks = await conn.all(
    `SELECT tc."table_name", k."column_name"
       FROM information_schema.table_constraints tc
       JOIN information_schema.key_column_usage k
         ON k."constraint_name" = tc."constraint_name" AND k."table_schema" = tc."table_schema" AND k."table_name" = tc."table_name"
      WHERE tc."constraint_type" = 'PRIMARY KEY' AND tc."table_schema" = current_schema()
      ORDER BY tc."table_name", k."ordinal_position"`,
  );
  const fks = await conn.all(
    `SELECT DISTINCT child."relname" AS "child", parent."relname" AS "parent"
       FROM pg_catalog.pg_constraint con
       JOIN pg_catalog.pg_class child ON child."oid" = con."conrelid"
       JOIN pg_catalog.pg_class parent ON parent."oid" = con."confrelid"
      WHERE con."contype" = 'f' AND con."connamespace" = current_schema()::regnamespace`,
  );
  const tables = new Map<string, TableInfo>();
  for (const c of cols) {
    const name = String(c.table_name);
    const t = tables.get(name) ?? { name, columns: [], primaryKey: [], parents: [] };
    tables.set(name, t);
    const column = String(c.column_name);
    const dflt = typeof c.column_default === 'string' ? c.column_default : null;
    t.columns.push({
      name: column,
      kind: kindOf(String(c.data_type), name, column),
      nullable: c.is_nullable === 'YES',
      hasDefault: dflt !== null,
    });
    if (dflt?.startsWith('nextval(')) t.serial = column;
  }
  for (const k of pks) tables.get(String(k.table_name))?.primaryKey.push(String(k.column_name));
  for (const f of fks) tables.get(String(f.child))?.parents.push(String(f.parent));
  return [...tables.values()];
}

/** The latest migration recorded as applied, or null when none is. */
export async function appliedMigration(conn: RawConn): Promise<string | null> {
  const present =
    conn.dialect === 'sqlite'
      ? await conn.all(`SELECT 1 FROM "sqlite_master" WHERE "type" = 'table' AND "name" = ?`, [MIGRATIONS_TABLE])
      : await conn.all(
          `SELECT 1 FROM pg_catalog.pg_tables WHERE "schemaname" = current_schema() AND "tablename" = $1`,
          [MIGRATIONS_TABLE],
        );
  if (!present.length) return null;
  const rows = await conn.all(
    `SELECT "migration_name" FROM ${quote(MIGRATIONS_TABLE)} WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL ORDER BY "migration_name" DESC LIMIT 1`,
  );
  return rows[0] ? String(rows[0].migration_name) : null;
}

/** The counter of an autoincrement column as the database keeps it (the last value handed out). */
export async function serialValue(conn: RawConn, t: TableInfo): Promise<number | null> {
  if (!t.serial) return null;
  if (conn.dialect === 'sqlite') {
    const present = await conn.all(`SELECT 1 FROM "sqlite_master" WHERE "name" = 'sqlite_sequence'`);
    if (!present.length) return null;
    const r = await conn.all(`SELECT "seq" FROM "sqlite_sequence" WHERE "name" = ?`, [t.name]);
    return r[0] ? Number(r[0].seq) : null;
  }
  const seq = await conn.all(`SELECT pg_get_serial_sequence($1, $2) AS "seq"`, [quote(t.name), t.serial]);
  const name = seq[0]?.seq;
  if (typeof name !== 'string') return null;
  // `name` comes from the catalog (schema-qualified, already quoted where needed).
  const r = await conn.all(`SELECT "last_value", "is_called" FROM ${name}`);
  if (!r[0]) return null;
  const last = Number(r[0].last_value);
  return r[0].is_called ? last : last - 1;
}

/** Sets the counter of `t`'s autoincrement column so the next row gets an id above `atLeast` and every id present. */
export async function resetSerial(conn: RawConn, t: TableInfo, atLeast: number | null): Promise<void> {
  if (!t.serial) return;
  const max = await conn.all(`SELECT MAX(${quote(t.serial)}) AS "m" FROM ${quote(t.name)}`);
  const value = Math.max(Number(max[0]?.m ?? 0), atLeast ?? 0);
  if (conn.dialect === 'sqlite') {
    if (value <= 0) return;
    const changed = await conn.run(`UPDATE "sqlite_sequence" SET "seq" = ? WHERE "name" = ?`, [value, t.name]);
    if (!changed) await conn.run(`INSERT INTO "sqlite_sequence" ("name", "seq") VALUES (?, ?)`, [t.name, value]);
    return;
  }
  await conn.all(`SELECT setval(pg_get_serial_sequence($1, $2), $3, $4)`, [
    quote(t.name),
    t.serial,
    Math.max(value, 1),
    value >= 1,
  ]);
}

// ---- values: database → portable → database ----

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const FLOAT_WORDS = new Set(['NaN', 'Infinity', '-Infinity']);

/** An instant as stored by either dialect (text with or without a zone, or epoch milliseconds) in ISO 8601 UTC. */
function isoOf(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint') return new Date(Number(v)).toISOString();
  if (v instanceof Date) return v.toISOString();
  const s = String(v);
  // Prisma's SQLite form `2026-05-01T09:30:00.123+00:00`, PostgreSQL's `2026-05-01 09:30:00.123`.
  if (s.length === 29 && s.endsWith('+00:00')) return `${s.slice(0, 23)}Z`;
  if (s.length === 23 && s[10] === ' ') return `${s.slice(0, 10)}T${s.slice(11)}Z`;
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s : `${s}Z`;
  const ms = Date.parse(zoned.replace(' ', 'T'));
  if (Number.isNaN(ms)) throw new Error(`not an instant: ${s}`);
  return new Date(ms).toISOString();
}

/** Turns a row as the database gave it into portable JSON values, in place. */
export function portableRow(columns: readonly ColumnInfo[], row: unknown[]): unknown[] {
  for (let i = 0; i < columns.length; i++) {
    const v = row[i];
    if (v === null || v === undefined) {
      row[i] = null;
      continue;
    }
    switch (columns[i]!.kind) {
      case 'int':
        row[i] = typeof v === 'number' ? v : Number(v);
        break;
      case 'float':
        row[i] = typeof v === 'number' && Number.isFinite(v) ? v : String(Number(v));
        break;
      case 'bool':
        row[i] = v === true || v === 1 || v === 1n || v === '1' || v === 't';
        break;
      case 'datetime':
        row[i] = isoOf(v);
        break;
      case 'text':
        if (typeof v === 'number' || typeof v === 'bigint') row[i] = String(v);
        else if (typeof v !== 'string') throw new Error(`column ${columns[i]!.name} holds a value that is not text`);
        break;
    }
  }
  return row;
}

/**
 * Checks one portable value from a backup against its column and turns it into the target
 * dialect's form; throws a malformed-backup error naming the table, column and row.
 */
export function storedValue(dialect: Dialect, table: string, c: ColumnInfo, v: unknown, rowNo: number): unknown {
  const bad = (what: string) =>
    malformed(`table ${table}, row ${rowNo}: column ${c.name} ${what} (got ${JSON.stringify(v)?.slice(0, 40)})`);
  if (v === null) {
    if (!c.nullable) throw bad('may not be null');
    return null;
  }
  switch (c.kind) {
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad('must be a whole number');
      return v;
    case 'float':
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      if (typeof v === 'string' && FLOAT_WORDS.has(v)) return dialect === 'sqlite' ? Number(v) : v;
      throw bad('must be a number');
    case 'bool':
      if (typeof v !== 'boolean') throw bad('must be true or false');
      return dialect === 'sqlite' ? (v ? 1 : 0) : v;
    case 'datetime':
      if (typeof v !== 'string' || !ISO.test(v) || Number.isNaN(Date.parse(v)))
        throw bad('must be an instant such as 2026-05-01T09:30:00.000Z');
      return dialect === 'sqlite' ? `${v.slice(0, 23)}+00:00` : v;
    case 'text':
      if (typeof v !== 'string') throw bad('must be text');
      return v;
  }
}
