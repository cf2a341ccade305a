// What a restore refuses, each with its one-line cause, leaving the target as it was: a wrong key,
// a file truncated anywhere (inside the header, at a chunk boundary, mid-chunk, inside the last
// chunk), a file altered anywhere (header MAC, a middle chunk, the last chunk, bytes appended),
// a backup from a newer schema, a database that is not empty, and hostile content (unknown tables
// or columns, values of the wrong kind, SQL in values) that an attacker holding only the public
// key can encrypt.
import path from 'node:path';
import { appendFileSync, copyFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateX25519Identity } from 'age-encryption';
import { writeBackup } from '../../src/store/backup/backup.js';
import { restoreBackup } from '../../src/store/backup/restore.js';
import { migrationNames } from '../../src/store/migrations/files.js';
import { migrateDatabase, openStore } from '../../src/store/index.js';
import type { Manifest } from '../../src/store/backup/format.js';
import {
  count,
  craftBackup,
  cutCopy,
  flipCopy,
  keyPair,
  payloadStart,
  tableDigests,
  type KeyPair,
} from '../support/backups.js';
import { createPgDatabase, createSqliteDatabase, describePg, type TestDatabase } from '../support/databases.js';
import { runCli } from '../support/process.js';

const LATEST = migrationNames('sqlite').at(-1)!;
const SEALED = 65_536 + 16;
const migrate = (url: string, upTo?: string) => migrateDatabase(url, { upTo });
const manifest = (over: Partial<Manifest> = {}): Manifest => ({
  format: 'steward-backup',
  version: 1,
  createdAt: '2026-11-02T15:00:00.000Z',
  dialect: 'sqlite',
  schema: LATEST,
  steward: 'test',
  tables: [],
  rows: 0,
  excluded: ['lease'],
  ...over,
});

describe('a restore refuses', () => {
  let key: KeyPair;
  let good: string;
  const dbs: TestDatabase[] = [];
  beforeAll(async () => {
    key = await keyPair();
    // A source with enough rows for several 64 KiB chunks.
    const db = createSqliteDatabase();
    dbs.push(db);
    const store = await openStore({ url: db.url, migrate: true });
    for (let i = 0; i < 40; i++)
      await store.transaction(async (tx) => {
        for (let j = 0; j < 50; j++)
          await tx.audit.append(
            {
              actor: { platform: 'system' },
              action: 'test.fill',
              subject: `s-${i}-${j}`,
              after: { pad: 'x'.repeat(100) },
            },
            new Date('2026-11-02T15:00:00.000Z'),
          );
      });
    await store.close();
    good = path.join(key.dir, 'good.age');
    await writeBackup({ url: db.url, out: good, recipients: [key.recipient], now: new Date(), steward: 'test' });
    expect(statSync(good).size).toBeGreaterThan(3 * SEALED);
  });
  afterAll(async () => {
    for (const d of dbs) await d.drop();
  });

  /** Restores `file` into a fresh empty database; the error, and whether the database stayed as it was. */
  async function refused(file: string, opts: { identity?: string; empty?: boolean } = {}) {
    const db = createSqliteDatabase({ empty: opts.empty });
    dbs.push(db);
    const before = opts.empty ? null : await tableDigests(db.url);
    const err = await restoreBackup({
      file,
      identities: [opts.identity ?? key.identity],
      url: db.url,
      migrate,
    }).then(
      () => null,
      (e: Error & { code?: string }) => e,
    );
    const untouched = opts.empty
      ? !statSync(db.url.slice('file:'.length), { throwIfNoEntry: false })?.size
      : JSON.stringify(await tableDigests(db.url)) === JSON.stringify(before);
    return { code: err?.code, message: err?.message, untouched };
  }

  it('the good file restores (the control)', async () => {
    expect(await refused(good)).toMatchObject({ code: undefined });
  });

  it('a wrong key, before anything is written (not even the schema)', async () => {
    const other = await generateX25519Identity();
    expect(await refused(good, { identity: other, empty: true })).toEqual({
      code: 'BACKUP.WRONG_KEY',
      message: "wrong key: no identity matches the file's recipients",
      untouched: true,
    });
  });

  it('a truncated file, wherever it is cut', async () => {
    const size = statSync(good).size;
    const start = payloadStart(good);
    const cuts = {
      'inside the header': 40,
      'between header and payload': start - 8,
      'mid-chunk': start + SEALED + 1000,
      'at a chunk boundary': start + 2 * SEALED,
      'inside the last chunk': size - 20,
    };
    for (const [where, at] of Object.entries(cuts)) {
      const r = await refused(cutCopy(good, at, `cut-${at}.age`));
      expect(r.code, where).toBe('BACKUP.TRUNCATED');
      expect(r.message, where).toMatch(/^file truncated/);
      expect(r.untouched, where).toBe(true);
    }
  });

  it('an altered file, wherever it is changed', async () => {
    const start = payloadStart(good);
    const changes = {
      'the header MAC': start - 20,
      'a middle chunk': start + SEALED + 5,
      'the last chunk': -3,
    };
    for (const [where, at] of Object.entries(changes)) {
      const r = await refused(flipCopy(good, at, `flip-${at}.age`));
      expect(r, where).toEqual({
        code: 'BACKUP.ALTERED',
        message: expect.stringMatching(/^file altered: authentication failed/),
        untouched: true,
      });
    }
    const longer = path.join(key.dir, 'longer.age');
    copyFileSync(good, longer);
    appendFileSync(longer, Buffer.alloc(100, 7));
    expect(await refused(longer)).toMatchObject({ code: 'BACKUP.ALTERED', untouched: true });
  });

  it('a backup from a newer schema', async () => {
    const file = path.join(key.dir, 'future.age');
    await craftBackup(file, key.recipient, manifest({ schema: '29991231235959_future' }), []);
    expect(await refused(file, { empty: true })).toEqual({
      code: 'BACKUP.SCHEMA',
      message: `backup is from schema 29991231235959_future, this Steward is at ${LATEST}`,
      untouched: true,
    });
  });

  it('a database that is not empty, naming a table and its rows', async () => {
    const db = createSqliteDatabase();
    dbs.push(db);
    const store = await openStore({ url: db.url });
    await store.transaction((tx) => tx.idempotency.claim('already-here', new Date()));
    await store.close();
    const err = await restoreBackup({ file: good, identities: [key.identity], url: db.url, migrate }).catch(
      (e: Error) => e,
    );
    expect((err as Error).message).toBe('database not empty: table delivery has 1 rows');
    expect(await count(db.url, 'audit_entry')).toBe(0);
  });

  it('hostile content: unknown tables and columns, wrong kinds of value; nothing of it is kept', async () => {
    const cases: { what: string; tables: Parameters<typeof craftBackup>[3]; message: RegExp }[] = [
      {
        what: 'a table of the database engine',
        tables: [{ header: { table: 'sqlite_master', columns: ['name'], rows: 1, sequence: null }, rows: [['x']] }],
        message: /table sqlite_master is not one of this schema's tables/,
      },
      {
        what: 'an excluded table',
        tables: [
          {
            header: { table: 'lease', columns: ['name', 'holder', 'expires_at'], rows: 1, sequence: null },
            rows: [['a', 'b', '2026-01-01T00:00:00.000Z']],
          },
        ],
        message: /table lease is not one of this schema's tables/,
      },
      {
        what: 'an unknown column',
        tables: [
          {
            header: { table: 'counter', columns: ['name', 'value', 'evil'], rows: 1, sequence: null },
            rows: [['c', 1, 'x']],
          },
        ],
        message: /table counter has no column evil/,
      },
      {
        what: 'text where a number belongs (after a table that loaded)',
        tables: [
          {
            header: { table: 'delivery', columns: ['key', 'claimed_at'], rows: 1, sequence: null },
            rows: [['k', '2026-01-01T00:00:00.000Z']],
          },
          {
            header: { table: 'counter', columns: ['name', 'value'], rows: 1, sequence: null },
            rows: [['c', '1; DROP TABLE counter']],
          },
        ],
        message: /table counter, row 1: column value must be a whole number/,
      },
      {
        what: 'a row with fewer values than columns',
        tables: [{ header: { table: 'counter', columns: ['name', 'value'], rows: 1, sequence: null }, rows: [['c']] }],
        message: /a row of counter with 2 values was expected/,
      },
      {
        what: 'null where the column may not be null',
        tables: [
          { header: { table: 'counter', columns: ['name', 'value'], rows: 1, sequence: null }, rows: [[null, 1]] },
        ],
        message: /column name may not be null/,
      },
      {
        what: 'an instant that is not one',
        tables: [
          {
            header: { table: 'delivery', columns: ['key', 'claimed_at'], rows: 1, sequence: null },
            rows: [['k', "now'); --"]],
          },
        ],
        message: /column claimed_at must be an instant/,
      },
    ];
    for (const c of cases) {
      const file = path.join(key.dir, `hostile-${cases.indexOf(c)}.age`);
      const rows = c.tables.reduce((s, t) => s + t.header.rows, 0);
      await craftBackup(
        file,
        key.recipient,
        manifest({ tables: c.tables.map((t) => ({ name: t.header.table, rows: t.header.rows })), rows }),
        c.tables,
      );
      const r = await refused(file);
      expect(r.code, c.what).toBe('BACKUP.MALFORMED');
      expect(r.message, c.what).toMatch(c.message);
      expect(r.untouched, c.what).toBe(true);
    }
    // A table name that is not an identifier never gets past the manifest.
    const file = path.join(key.dir, 'hostile-name.age');
    const bad = { header: { table: 'x"; DROP TABLE "finding', columns: ['a'], rows: 0, sequence: null }, rows: [] };
    await craftBackup(file, key.recipient, manifest({ tables: [{ name: bad.header.table, rows: 0 }] }), [bad]);
    expect(await refused(file)).toMatchObject({
      code: 'BACKUP.MALFORMED',
      message: /first line is not a Steward backup manifest/,
      untouched: true,
    });
  });

  it('text that looks like SQL is restored as text', async () => {
    const file = path.join(key.dir, 'sql-text.age');
    const sql = `x'); DROP TABLE "finding"; --`;
    const tables = [
      {
        header: { table: 'setting', columns: ['key', 'value', 'updated_at'], rows: 1, sequence: null },
        rows: [[sql, sql, '2026-01-01T00:00:00.000Z']],
      },
    ];
    await craftBackup(file, key.recipient, manifest({ tables: [{ name: 'setting', rows: 1 }], rows: 1 }), tables);
    const db = createSqliteDatabase();
    dbs.push(db);
    await restoreBackup({ file, identities: [key.identity], url: db.url, migrate });
    const store = await openStore({ url: db.url });
    try {
      expect(await store.transaction((tx) => tx.settings.get(sql))).toBe(sql);
    } finally {
      await store.close();
    }
    expect(await count(db.url, 'finding')).toBe(0);
  });

  it('through the CLI: one line on stderr and exit 1', async () => {
    const db = createSqliteDatabase();
    dbs.push(db);
    const cut = cutCopy(good, payloadStart(good) + SEALED + 7, 'cli-cut.age');
    const r = await runCli(['restore', cut, '--identity', key.file], { DATABASE_URL: db.url, NODE_ENV: 'test' });
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: 'file truncated\n' });
  });
});

await describePg('a restore on PostgreSQL refuses', () => {
  it('a database that is not empty, and leaves it as it was', async () => {
    const key = await keyPair();
    const src = createSqliteDatabase();
    const pg = await createPgDatabase();
    try {
      const file = path.join(key.dir, 'pg.age');
      const s = await openStore({ url: src.url });
      await s.transaction((tx) =>
        tx.audit.append({ actor: { platform: 'system' }, action: 'test.one', subject: 'x' }, new Date()),
      );
      await s.close();
      await writeBackup({ url: src.url, out: file, recipients: [key.recipient], now: new Date(), steward: 'test' });
      const t = await openStore({ url: pg.url });
      await t.transaction((tx) => tx.settings.set('here', 'already', new Date()));
      await t.close();
      const before = await tableDigests(pg.url);
      await expect(restoreBackup({ file, identities: [key.identity], url: pg.url, migrate })).rejects.toThrow(
        /^database not empty: table setting has 1 rows$/,
      );
      expect(await tableDigests(pg.url)).toEqual(before);
    } finally {
      await src.drop();
      await pg.drop();
    }
  });
});
