// The plaintext of a backup (format 1), encrypted as one age file: JSON lines, streamed.
//
//   {"format":"steward-backup","version":1,"createdAt":…,"dialect":…,"schema":…,"tables":[{"name","rows"}…],…}
//   {"table":"audit_entry","columns":["seq","at",…],"rows":2,"sequence":null}
//   [1,"2026-05-01T09:30:00.000Z",…]                       one JSON array per row, columns in order
//   [2,…]
//   {"table":…}                                             the next table (parents before children)
//   {"pad":0}                                               spaces up to a multiple of 64 KiB
//   {"end":"<SHA-256 of every byte before this line>"}      exactly END_LENGTH bytes, the last line
//
// The manifest comes first, so a reader knows the schema and the counts before any row. The
// padding puts the end line alone in age's last 64 KiB chunk: a reader that authenticated
// everything up to the padding and then fails on the last chunk knows the file was altered, and
// one that fails before reaching the padding knows the file ends early (truncated).
import { createHash, type Hash } from 'node:crypto';
import { z } from 'zod';
import { malformed } from './errors.js';

export const FORMAT = 'steward-backup';
export const FORMAT_VERSION = 1;
/** age's STREAM chunk (plaintext bytes). */
export const CHUNK = 65_536;
/** `{"end":"<64 hex>"}\n` */
export const END_LENGTH = 75;
/** A line longer than this is refused (a row is far smaller; a hostile file could be anything). */
export const MAX_LINE = 64 * 1024 * 1024;

const name = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const manifestSchema = z.object({
  format: z.literal(FORMAT),
  version: z.number().int(),
  createdAt: z.string().datetime(),
  dialect: z.enum(['sqlite', 'postgresql']),
  /** The latest migration applied to the database it was made from. */
  schema: z.string().regex(/^\d{14}_[a-z0-9_]+$/),
  /** The Steward version that made it. */
  steward: z.string().max(64),
  tables: z.array(z.object({ name, rows: count })).max(1_000),
  rows: count,
  /** Tables left out on purpose (see EXCLUDED_TABLES). */
  excluded: z.array(name).max(1_000),
});
export type Manifest = z.infer<typeof manifestSchema>;

export const tableHeaderSchema = z.object({
  table: name,
  columns: z.array(name).min(1).max(1_000),
  rows: count,
  /** The last value the table's autoincrement counter handed out, when it has one. */
  sequence: count.nullable(),
});
export type TableHeader = z.infer<typeof tableHeaderSchema>;

// ---- writing ----

export interface TableDump {
  header: TableHeader;
  /** The rows as portable JSON values, columns in header order, in batches. */
  batches(): AsyncIterable<unknown[][]>;
}

export interface EncodeOptions {
  /** Called with each row's JSON line: throws to refuse the backup (a secret found in the data). */
  check?: (line: string, table: string) => void;
}

/**
 * The backup's plaintext as ~64 KiB buffers: manifest, tables, padding, end line. Row counts are
 * checked against the headers (the snapshot must not move under the backup).
 */
export async function* encodeBackup(
  manifest: Manifest,
  tables: Iterable<TableDump>,
  opts: EncodeOptions = {},
): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let written = 0;
  let parts: string[] = [];
  let size = 0;
  const flush = (): Buffer => {
    const buf = Buffer.from(parts.join(''), 'utf8');
    parts = [];
    size = 0;
    hash.update(buf);
    written += buf.length;
    return buf;
  };
  const push = (line: string) => {
    parts.push(line, '\n');
    size += line.length + 1;
  };
  push(JSON.stringify(manifest));
  for (const t of tables) {
    push(JSON.stringify(t.header));
    let rows = 0;
    for await (const batch of t.batches()) {
      for (const row of batch) {
        const line = JSON.stringify(row);
        opts.check?.(line, t.header.table);
        push(line);
        rows++;
      }
      if (size >= CHUNK) yield flush();
    }
    if (rows !== t.header.rows)
      throw new Error(`table ${t.header.table}: ${rows} rows read, ${t.header.rows} counted in the same snapshot`);
  }
  if (size) yield flush();
  // Padding up to a chunk boundary (at least the 10 bytes of `{"pad":0}\n`).
  let pad = (CHUNK - (written % CHUNK)) % CHUNK;
  if (pad < 10) pad += CHUNK;
  push(`{"pad":0}${' '.repeat(pad - 10)}`);
  yield flush();
  const end = Buffer.from(`{"end":"${hash.digest('hex')}"}\n`, 'utf8');
  if (end.length !== END_LENGTH) throw new Error('end line of unexpected length');
  yield end;
}

// ---- reading ----

export type BackupRecord =
  | { kind: 'manifest'; manifest: Manifest }
  | { kind: 'table'; header: TableHeader }
  | { kind: 'rows'; rows: unknown[][] }
  | { kind: 'end' };

/** Where a reader stands: whether the data (tables and padding) has ended, authenticated. */
export interface ReadProgress {
  dataEnded: boolean;
}

const parseLine = (line: string, lineNo: number): unknown => {
  try {
    return JSON.parse(line);
  } catch {
    throw malformed(`line ${lineNo} is not JSON`);
  }
};

/**
 * Reads and checks the plaintext: one manifest, then exactly the tables it lists with exactly the
 * rows each announces (rows yielded in batches of up to `batch`), the padding, and the end line
 * whose hash matches. Anything else is refused as malformed. `progress` tells the decryptor
 * whether the data has ended (see the header of this file).
 */
export async function* readBackup(
  plain: AsyncIterable<Buffer>,
  progress: ReadProgress,
  batch = 1_000,
): AsyncGenerator<BackupRecord> {
  const hash: Hash = createHash('sha256');
  let lineNo = 0;
  let offset = 0;
  let manifest: Manifest | undefined;
  let tableIndex = 0;
  let header: TableHeader | undefined;
  let left = 0;
  let rows: unknown[][] = [];
  let ended = false;
  let carry: Buffer[] = [];
  let carried = 0;

  const onLine = (buf: Buffer): BackupRecord[] => {
    lineNo++;
    const out: BackupRecord[] = [];
    if (ended) throw malformed('data after the end line');
    if (progress.dataEnded) {
      // The end line: its hash covers everything before it.
      const m = /^\{"end":"([0-9a-f]{64})"\}$/.exec(buf.toString('utf8'));
      if (!m || buf.length + 1 !== END_LENGTH) throw malformed('the end line is missing after the padding');
      if (m[1] !== hash.digest('hex')) throw malformed('content hash does not match the end line');
      ended = true;
      out.push({ kind: 'end' });
      return out;
    }
    hash.update(buf);
    hash.update('\n');
    offset += buf.length + 1;
    const text = buf.toString('utf8');
    if (!manifest) {
      const parsed = manifestSchema.safeParse(parseLine(text, lineNo));
      if (!parsed.success) throw malformed('the first line is not a Steward backup manifest');
      manifest = parsed.data;
      out.push({ kind: 'manifest', manifest });
      return out;
    }
    if (left > 0) {
      const row = parseLine(text, lineNo);
      if (!Array.isArray(row)) throw malformed(`line ${lineNo}: a row of ${header!.table} was expected`);
      if (row.length !== header!.columns.length)
        throw malformed(`line ${lineNo}: a row of ${header!.table} with ${header!.columns.length} values was expected`);
      rows.push(row);
      left--;
      if (rows.length >= batch || left === 0) {
        out.push({ kind: 'rows', rows });
        rows = [];
      }
      return out;
    }
    const value = parseLine(text, lineNo);
    const expected = manifest.tables[tableIndex];
    if (expected) {
      const h = tableHeaderSchema.safeParse(value);
      if (!h.success || h.data.table !== expected.name)
        throw malformed(`line ${lineNo}: the header of table ${expected.name} was expected`);
      if (h.data.rows !== expected.rows)
        throw malformed(`table ${expected.name}: ${h.data.rows} rows in its header, ${expected.rows} in the manifest`);
      header = h.data;
      left = header.rows;
      tableIndex++;
      out.push({ kind: 'table', header });
      return out;
    }
    if (!(value && typeof value === 'object' && 'pad' in value && Object.keys(value).length === 1))
      throw malformed(`line ${lineNo}: padding was expected after the last table`);
    if (offset % CHUNK !== 0) throw malformed('the padding does not end on a chunk boundary');
    progress.dataEnded = true;
    return out;
  };

  for await (const chunk of plain) {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(10, from);
      if (nl < 0) break;
      let line = chunk.subarray(from, nl);
      if (carried) {
        line = Buffer.concat([...carry, line]);
        carry = [];
        carried = 0;
      }
      from = nl + 1;
      yield* onLine(line);
    }
    if (from < chunk.length) {
      carried += chunk.length - from;
      if (carried > MAX_LINE) throw malformed(`line ${lineNo + 1} is longer than ${MAX_LINE} bytes`);
      // Copied: the decryptor may reuse its buffers.
      carry.push(Buffer.from(chunk.subarray(from)));
    }
  }
  if (carried) throw malformed('the last line is not terminated');
  if (!manifest) throw malformed('empty');
  if (!ended) throw malformed('the end line is missing');
}
