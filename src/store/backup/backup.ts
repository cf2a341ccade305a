// Writing a backup: every table of the database read inside one snapshot while Steward serves
// (SQLite: a read transaction on its own connection, which WAL keeps apart from writers;
// PostgreSQL: one REPEATABLE READ, READ ONLY transaction), streamed table by table in row batches
// through age encryption into a temporary file beside the target, renamed into place only once
// complete. Memory stays bounded by one batch and a few 64 KiB chunks, whatever the size.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { encryptStream, checkRecipients } from './age-file.js';
import { BackupError } from './errors.js';
import { encodeBackup, FORMAT, FORMAT_VERSION, type Manifest, type TableDump } from './format.js';
import { openRaw, quote, type RawConn } from './raw.js';
import { appliedMigration, EXCLUDED_TABLES, portableRow, readTables, serialValue, type TableInfo } from './tables.js';

/** A secret from the environment a backup must never contain, and the variable it comes from. */
export interface NamedSecret {
  name: string;
  value: string;
}

export interface WriteBackupOptions {
  /** The database to back up (`file:` or `postgresql://`). */
  url: string;
  /** Where the encrypted backup goes (refused when it exists). */
  out: string;
  /** age recipients (public keys) the backup is encrypted to. */
  recipients: readonly string[];
  /** Values that must not appear in any row: the backup is refused, naming the table, if one does. */
  secrets?: readonly NamedSecret[];
  /** When the backup is made (the manifest's createdAt). */
  now: Date;
  /** This Steward's version, recorded in the manifest. */
  steward: string;
  /** Rows read per batch (default 1000). */
  batch?: number;
}

export interface BackupSummary {
  file: string;
  bytes: number;
  manifest: Manifest;
}

/** Opens the snapshot every table is read from; returns the connection and what it holds. */
async function snapshot(url: string): Promise<{ conn: RawConn; schema: string; tables: TableInfo[] }> {
  const conn = await openRaw(url, { readonly: url.startsWith('file:'), mustExist: true }).catch((err: Error) => {
    throw new BackupError('BACKUP.SETUP', `cannot open the database to back up: ${err.message}`);
  });
  try {
    await conn.run(
      conn.dialect === 'sqlite' ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY, NOT DEFERRABLE',
    );
    // On SQLite the first read fixes the snapshot; every read below sees the same database.
    const schema = await appliedMigration(conn);
    if (!schema) throw new BackupError('BACKUP.SETUP', 'the database has no migration applied: nothing to back up');
    const tables = (await readTables(conn)).filter((t) => !(t.name in EXCLUDED_TABLES));
    return { conn, schema, tables };
  } catch (err) {
    await conn.close();
    throw err;
  }
}

const escaped = (s: string) => JSON.stringify(s).slice(1, -1);

/** Writes an encrypted backup of the database at `url` to `out`; never leaves a partial file behind. */
export async function writeBackup(o: WriteBackupOptions): Promise<BackupSummary> {
  const recipients = checkRecipients(o.recipients);
  const out = path.resolve(o.out);
  if (existsSync(out)) throw new BackupError('BACKUP.SETUP', `${o.out} exists already; name another file`);
  const secrets = (o.secrets ?? []).filter((s) => s.value.length >= 8).map((s) => ({ ...s, text: escaped(s.value) }));
  const batch = o.batch ?? 1_000;

  const { conn, schema, tables } = await snapshot(o.url);
  const tmp = path.join(path.dirname(out), `.${path.basename(out)}.${randomBytes(6).toString('hex')}.partial`);
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    const dumps: TableDump[] = [];
    for (const t of tables) {
      const n = await conn.all(`SELECT COUNT(*) AS "n" FROM ${quote(t.name)}`);
      const columns = t.columns.map((c) => c.name);
      const order = (t.primaryKey.length ? t.primaryKey : columns).map(quote).join(', ');
      const select = `SELECT ${columns.map(quote).join(', ')} FROM ${quote(t.name)} ORDER BY ${order}`;
      dumps.push({
        header: { table: t.name, columns, rows: Number(n[0]?.n ?? 0), sequence: await serialValue(conn, t) },
        async *batches() {
          for await (const rows of conn.batches(select, batch)) {
            for (const r of rows) portableRow(t.columns, r);
            yield rows;
          }
        },
      });
    }
    const manifest: Manifest = {
      format: FORMAT,
      version: FORMAT_VERSION,
      createdAt: o.now.toISOString(),
      dialect: conn.dialect,
      schema,
      steward: o.steward,
      tables: dumps.map((d) => ({ name: d.header.table, rows: d.header.rows })),
      rows: dumps.reduce((sum, d) => sum + d.header.rows, 0),
      excluded: Object.keys(EXCLUDED_TABLES).sort(),
    };
    const check = secrets.length
      ? (line: string, table: string) => {
          const hit = secrets.find((s) => line.includes(s.text));
          if (hit)
            throw new BackupError(
              'BACKUP.SECRET',
              `backup refused: table ${table} holds the value of ${hit.name}; remove it from the data (and replace the secret) first`,
            );
        }
      : undefined;
    fh = await open(tmp, 'wx', 0o600);
    let bytes = 0;
    for await (const chunk of encryptStream(recipients, encodeBackup(manifest, dumps, { check }))) {
      await fh.write(chunk);
      bytes += chunk.length;
    }
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, out);
    return { file: out, bytes, manifest };
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  } finally {
    await conn.run(conn.dialect === 'sqlite' ? 'COMMIT' : 'ROLLBACK').catch(() => undefined);
    await conn.close();
  }
}
