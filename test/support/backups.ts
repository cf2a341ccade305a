// Helpers of the backup tests: an age key pair in a private folder, the content of every table as
// a digest (to compare two databases), backups built by hand (hostile or from the future) through
// the same encoder and encryption as real ones, and files cut or changed at chosen places.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { encryptStream } from '../../src/store/backup/age-file.js';
import { encodeBackup, type Manifest, type TableDump, type TableHeader } from '../../src/store/backup/format.js';
import { openRaw, quote } from '../../src/store/backup/raw.js';
import { EXCLUDED_TABLES, portableRow, readTables } from '../../src/store/backup/tables.js';

export interface KeyPair {
  identity: string;
  recipient: string;
  /** The identity in a file of mode 0600. */
  file: string;
  dir: string;
}

export async function keyPair(): Promise<KeyPair> {
  const dir = mkdtempSync(path.join(tmpdir(), 'steward-backup-test-'));
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const file = path.join(dir, 'key.txt');
  writeFileSync(file, `# public key: ${recipient}\n${identity}\n`, { mode: 0o600 });
  return { identity, recipient, file, dir };
}

/** SHA-256 of each table's rows (portable values, primary-key order), by table. */
export async function tableDigests(url: string): Promise<Record<string, string>> {
  const conn = await openRaw(url, { mustExist: true });
  try {
    await conn.run('BEGIN');
    const out: Record<string, string> = {};
    for (const t of await readTables(conn)) {
      if (t.name in EXCLUDED_TABLES) continue;
      const cols = t.columns.map((c) => c.name);
      const order = (t.primaryKey.length ? t.primaryKey : cols).map(quote).join(', ');
      const h = createHash('sha256');
      for await (const batch of conn.batches(
        `SELECT ${cols.map(quote).join(', ')} FROM ${quote(t.name)} ORDER BY ${order}`,
        1000,
      ))
        for (const row of batch) h.update(JSON.stringify(portableRow(t.columns, row))).update('\n');
      out[t.name] = h.digest('hex');
    }
    await conn.run('COMMIT');
    return out;
  } finally {
    await conn.close();
  }
}

/** Rows of a table (portable values) matching an optional WHERE clause written by the test. */
export async function count(url: string, table: string, where = ''): Promise<number> {
  const conn = await openRaw(url, { mustExist: true });
  try {
    const r = await conn.all(`SELECT COUNT(*) AS "n" FROM ${quote(table)}${where ? ` WHERE ${where}` : ''}`);
    return Number(r[0]?.n ?? 0);
  } finally {
    await conn.close();
  }
}

export interface CraftedTable {
  header: TableHeader;
  rows: unknown[][];
}

/** Writes a backup built by hand for `recipient`: the manifest and tables as given. */
export async function craftBackup(
  file: string,
  recipient: string,
  manifest: Manifest,
  tables: CraftedTable[],
): Promise<void> {
  const dumps: TableDump[] = tables.map((t) => ({
    header: t.header,
    batches: async function* () {
      yield t.rows;
    },
  }));
  const fh = await open(file, 'w', 0o600);
  try {
    for await (const chunk of encryptStream([recipient], encodeBackup(manifest, dumps))) await fh.write(chunk);
  } finally {
    await fh.close();
  }
}

/** Where the age payload of a file starts (after its header and 16-byte nonce). */
export function payloadStart(file: string): number {
  const buf = readFileSync(file);
  const mac = buf.indexOf('\n---', 0, 'latin1');
  return buf.indexOf(10, mac + 1) + 1 + 16;
}

/** A copy of `file` cut to `length` bytes. */
export function cutCopy(file: string, length: number, name: string): string {
  const out = path.join(path.dirname(file), name);
  writeFileSync(out, readFileSync(file));
  truncateSync(out, length);
  return out;
}

/** A copy of `file` with the byte at `at` inverted (negative: from the end). */
export function flipCopy(file: string, at: number, name: string): string {
  const buf = Buffer.from(readFileSync(file));
  const i = at < 0 ? buf.length + at : at;
  buf[i] = buf[i]! ^ 0xff;
  const out = path.join(path.dirname(file), name);
  writeFileSync(out, buf);
  return out;
}
