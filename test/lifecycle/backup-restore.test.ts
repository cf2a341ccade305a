// Backups and restores on real databases, through the CLI as operators run it: a backup taken on
// SQLite while another process writes restores on PostgreSQL to a state that existed (the writer's
// counter, its idempotency keys and its audit entries agree, the audit log verifies, every count
// matches), then back to SQLite identical table by table; and the backup files themselves.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Decrypter } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { Directory } from '../../src/core/directory.js';
import { importReport } from '../../src/core/patches/findings/importer.js';
import type { Store } from '../../src/core/ports.js';
import { writeBackup } from '../../src/store/backup/backup.js';
import { CHUNK, END_LENGTH } from '../../src/store/backup/format.js';
import { restoreAndCheck } from '../../src/store/backup/drill.js';
import { openRaw, quote } from '../../src/store/backup/raw.js';
import { restoreBackup } from '../../src/store/backup/restore.js';
import { appliedMigration } from '../../src/store/backup/tables.js';
import { migrateDatabase, openStore } from '../../src/store/index.js';
import { migrationNames } from '../../src/store/migrations/files.js';
import { ManualClock } from '../support/clock.js';
import { keyPair, count, tableDigests, type KeyPair } from '../support/backups.js';
import { createPgDatabase, createSqliteDatabase, describePg, type TestDatabase } from '../support/databases.js';
import { runCli } from '../support/process.js';
import { generatedVulns, trivyReport } from '../support/reports.js';

const POLICY = parsePolicy(`
timezone: UTC
teams: [{ id: payments, name: Payments }]
services: [{ id: payments-api, name: Payments API, team: payments, tier: 1 }]
`);
const dir = new Directory(POLICY.policy, POLICY.sha256);
const T0 = new Date('2026-11-02T15:00:00.000Z');

/** Findings, their events, the import log, audit entries: a database with something in most kinds of column. */
export async function seed(store: Store, findings: number): Promise<void> {
  const clock = new ManualClock(T0);
  const r = await importReport(
    { store, clock, dir },
    {
      serviceId: 'payments-api',
      input: trivyReport(generatedVulns(findings)),
      actor: { platform: 'cli', platformUserId: 'ci' },
      by: 'cli:ci',
    },
  );
  if (!r.ok) throw new Error(r.reason);
  await clock.set(new Date(T0.getTime() + 86_400_000));
  // A second report without the first tenth: those are fixed (fixed_at set, events written).
  const again = await importReport(
    { store, clock, dir },
    {
      serviceId: 'payments-api',
      input: trivyReport(generatedVulns(findings).slice(Math.floor(findings / 10))),
      actor: { platform: 'cli', platformUserId: 'ci' },
      by: 'cli:ci',
    },
  );
  if (!again.ok) throw new Error(again.reason);
}

/**
 * Writes until stopped, one transaction per write: an idempotency key, the counter setting and an
 * audit entry. In any state that existed the three agree.
 */
function writer(store: Store) {
  let n = 0;
  let stop = false;
  const done = (async () => {
    while (!stop) {
      const i = n + 1;
      await store.transaction(async (tx) => {
        const at = new Date();
        await tx.idempotency.claim(`w-${i}`, at);
        await tx.settings.set('test.writes', String(i), at);
        await tx.audit.append({ actor: { platform: 'system' }, action: 'test.write', subject: `w-${i}` }, at);
      });
      n = i;
      // SQLite's driver answers synchronously: without a turn of the event loop this loop would
      // hold it (a server, too, serves other work between writes).
      await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    get count() {
      return n;
    },
    stop: async () => {
      stop = true;
      await done;
    },
  };
}

/** The writer's three records in a restored database. */
async function writes(url: string) {
  const store = await openStore({ url });
  try {
    const setting = await store.transaction((tx) => tx.settings.get('test.writes'));
    return {
      counter: Number(setting ?? 0),
      keys: await count(url, 'delivery', `"key" LIKE 'w-%'`),
      entries: await count(url, 'audit_entry', `"action" = 'test.write'`),
      head: await store.auditReader.head(),
      audit: await store.auditReader.count(),
    };
  } finally {
    await store.close();
  }
}

async function maxId(url: string, table: string): Promise<number> {
  const conn = await openRaw(url, { mustExist: true });
  try {
    return Number((await conn.all(`SELECT MAX("id") AS "m" FROM ${quote(table)}`))[0]?.m ?? 0);
  } finally {
    await conn.close();
  }
}

const env = (url: string, key: KeyPair) => ({
  DATABASE_URL: url,
  STEWARD_BACKUP_RECIPIENTS: key.recipient,
  NODE_ENV: 'test',
});

await describePg('backup while writing on SQLite → restore on PostgreSQL → back to SQLite', () => {
  let key: KeyPair;
  const dbs: TestDatabase[] = [];
  beforeAll(async () => {
    key = await keyPair();
  });
  afterAll(async () => {
    for (const d of dbs) await d.drop();
  });

  it(
    'restores a state that existed, verifies, counts match, and round-trips identically',
    { timeout: 180_000 },
    async () => {
      const source = createSqliteDatabase();
      dbs.push(source);
      const store = await openStore({ url: source.url, migrate: true });
      await seed(store, 20_000);
      const seeded = await tableDigests(source.url);

      const w = writer(store);
      while (w.count < 20) await new Promise((r) => setTimeout(r, 5));
      const file = path.join(key.dir, 'live.age');
      const before = w.count;
      const backup = await runCli(['backup', '--out', file], env(source.url, key));
      const after = w.count;
      // Writes went on after the backup process had ended too.
      while (w.count < after + 20) await new Promise((r) => setTimeout(r, 5));
      await w.stop();
      await store.close();
      expect(backup.stderr).toBe('');
      expect(backup.code).toBe(0);
      expect(backup.stdout).toMatch(
        /^backup written: .*live\.age \(\d+ bytes, \d+ rows in \d+ tables, sqlite at schema \d{14}_\w+/,
      );
      expect(after - before, 'writes while the backup ran').toBeGreaterThan(20);
      // Written in one piece: nothing left beside it, only its owner may read it, never in clear.
      expect(readdirSync(key.dir).filter((f) => f.includes('partial'))).toEqual([]);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file).subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
      expect(readFileSync(file).includes('steward-backup')).toBe(false);

      // Restored into a PostgreSQL database without tables: migrated, loaded, verified, counted.
      const pg = await createPgDatabase({ empty: true });
      dbs.push(pg);
      const restore = await runCli(['restore', file, '--identity', key.file], env(pg.url, key));
      expect(restore.stderr).toBe('');
      expect(restore.code).toBe(0);
      expect(restore.stdout).toContain('into postgresql:');
      expect(restore.stdout).toContain("every count matches the backup's manifest");
      expect(restore.stdout).toMatch(/audit log intact: \d+ entries verified; head \d+:[0-9a-f]{64}/);

      // A state that existed: the counter, the keys and the entries of the writer agree, the audit
      // head names the last entry, and the snapshot fell while the backup process ran.
      const w1 = await writes(pg.url);
      expect(w1.keys).toBe(w1.counter);
      expect(w1.entries).toBe(w1.counter);
      expect(w1.head?.seq).toBe(w1.audit);
      expect(w1.counter).toBeGreaterThanOrEqual(before);
      expect(w1.counter).toBeLessThanOrEqual(after);
      // What the writer did not touch is exactly as it was.
      const restored = await tableDigests(pg.url);
      for (const t of ['finding', 'finding_event', 'finding_import', 'finding_service'])
        expect(restored[t], t).toBe(seeded[t]);

      // And back: PostgreSQL → SQLite (a migrated, empty database), identical table by table.
      const file2 = path.join(key.dir, 'from-pg.age');
      const backup2 = await runCli(['backup', '--out', file2], env(pg.url, key));
      expect(backup2.code).toBe(0);
      expect(backup2.stdout).toContain('postgresql at schema');
      const back = createSqliteDatabase();
      dbs.push(back);
      const restore2 = await runCli(['restore', file2, '--identity', key.file], env(back.url, key));
      expect(restore2.stderr).toBe('');
      expect(restore2.code).toBe(0);
      expect(restore2.stdout).toContain('into sqlite:');
      expect(await tableDigests(back.url)).toEqual(restored);
      expect(await writes(back.url)).toEqual(w1);

      // Ids go on after the restored ones (the autoincrement counters were restored), on both.
      for (const url of [pg.url, back.url]) {
        const maxBefore = await maxId(url, 'finding_import');
        const s = await openStore({ url });
        try {
          await seed(s, 10);
        } finally {
          await s.close();
        }
        expect(await maxId(url, 'finding_import')).toBe(maxBefore + 2);
      }
    },
  );

  it(
    'a restore drill restores into a temporary database, verifies and counts, and touches nothing else',
    { timeout: 120_000 },
    async () => {
      const source = createSqliteDatabase();
      dbs.push(source);
      const store = await openStore({ url: source.url, migrate: true });
      await seed(store, 500);
      await store.close();
      const file = path.join(key.dir, 'drill.age');
      expect((await runCli(['backup', '--out', file], env(source.url, key))).code).toBe(0);
      const before = await tableDigests(source.url);
      const files = readdirSync(path.dirname(source.url.slice('file:'.length)));

      for (const target of [source.url, (await createPgDatabase()).url]) {
        const drill = await runCli(['backup', 'verify', file, '--identity', key.file], env(target, key));
        expect(drill.stderr).toBe('');
        expect(drill.code).toBe(0);
        expect(drill.stdout).toMatch(
          /^restore drill of .*drill\.age \(made .* from sqlite at schema \d{14}_\w+ by Steward [\d.]+\) in a temporary (sqlite|postgresql) database:/,
        );
        expect(drill.stdout).toMatch(/finding\s+500\n/);
        expect(drill.stdout).toContain("every count matches the backup's manifest");
        expect(drill.stdout).toMatch(/audit log intact: 2 entries verified/);
      }
      // The database it ran next to is unchanged, and the temporary one is gone.
      expect(await tableDigests(source.url)).toEqual(before);
      expect(readdirSync(path.dirname(source.url.slice('file:'.length)))).toEqual(files);
    },
  );
});

describe('backup files', () => {
  let key: KeyPair;
  const dbs: TestDatabase[] = [];
  beforeAll(async () => {
    key = await keyPair();
  });
  afterAll(async () => {
    for (const d of dbs) await d.drop();
  });

  it('are standard age files: age-encryption decrypts one to the manifest, the tables, the padding and the end line', async () => {
    const db = createSqliteDatabase();
    dbs.push(db);
    const store = await openStore({ url: db.url, migrate: true });
    await seed(store, 50);
    await store.close();
    const file = path.join(key.dir, 'plain.age');
    const r = await writeBackup({ url: db.url, out: file, recipients: [key.recipient], now: T0, steward: '9.9.9' });
    const d = new Decrypter();
    d.addIdentity(key.identity);
    const text = await d.decrypt(readFileSync(file), 'text');
    const lines = text.split('\n');
    const manifest = JSON.parse(lines[0]!);
    expect(manifest).toMatchObject({
      format: 'steward-backup',
      version: 1,
      createdAt: T0.toISOString(),
      dialect: 'sqlite',
      steward: '9.9.9',
      excluded: ['lease'],
    });
    expect(manifest.schema).toMatch(/^\d{14}_\w+$/);
    expect(manifest.tables.find((t: { name: string }) => t.name === 'finding')).toEqual({ name: 'finding', rows: 50 });
    expect(manifest.rows).toBe(r.manifest.rows);
    expect(JSON.parse(lines[1]!)).toMatchObject({ table: expect.any(String), columns: expect.any(Array) });
    // The end line is alone after a chunk boundary, and hashes everything before it.
    expect(text.length % CHUNK).toBe(END_LENGTH);
    const end = JSON.parse(lines[lines.length - 2]!);
    expect(end.end).toBe(
      createHash('sha256')
        .update(text.slice(0, text.length - END_LENGTH))
        .digest('hex'),
    );
  });

  it('are refused for no recipient or a bad one, and never overwrite a file', async () => {
    const db = createSqliteDatabase();
    dbs.push(db);
    const out = path.join(key.dir, 'none.age');
    await expect(writeBackup({ url: db.url, out, recipients: [], now: T0, steward: '1' })).rejects.toThrow(
      /no backup recipient: set STEWARD_BACKUP_RECIPIENTS or backup.recipients/,
    );
    await expect(writeBackup({ url: db.url, out, recipients: ['age1notakey'], now: T0, steward: '1' })).rejects.toThrow(
      /is not an age recipient/,
    );
    expect(existsSync(out)).toBe(false);
    const cli = await runCli(['backup', '--out', key.file], env(db.url, key));
    expect(cli.code).toBe(1);
    expect(cli.stderr.trim()).toBe(`${key.file} exists already; name another file`);
  });

  it('the CLI refuses an identity file everyone may read', async () => {
    const loose = path.join(key.dir, 'loose.txt');
    copyFileSync(key.file, loose);
    chmodSync(loose, 0o644);
    const db = createSqliteDatabase();
    dbs.push(db);
    const r = await runCli(['restore', path.join(key.dir, 'plain.age'), '--identity', loose], env(db.url, key));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `identity file ${loose} is readable by everyone (mode 644): chmod 600 ${loose}, then try again`,
    );
  });
});

await describePg('a backup from an older schema', () => {
  it(
    'restores into a database without tables (built at its schema, then migrated) and is refused by one at a newer schema',
    { timeout: 120_000 },
    async () => {
      const names = migrationNames('sqlite');
      const older = names[names.length - 2]!;
      const latest = names[names.length - 1]!;
      const key = await keyPair();
      const source = createSqliteDatabase({ empty: true });
      const pg = await createPgDatabase({ empty: true });
      const current = createSqliteDatabase();
      try {
        await migrateDatabase(source.url, { upTo: older });
        const store = await openStore({ url: source.url });
        for (let i = 0; i < 5; i++)
          await store.transaction((tx) =>
            tx.audit.append({ actor: { platform: 'system' }, action: 'test.old', subject: `o-${i}` }, new Date()),
          );
        await store.close();
        const file = path.join(key.dir, 'older.age');
        const r = await writeBackup({
          url: source.url,
          out: file,
          recipients: [key.recipient],
          now: new Date(),
          steward: 'old',
        });
        expect(r.manifest.schema).toBe(older);
        const migrate = (url: string, upTo?: string) => migrateDatabase(url, { upTo });

        const restored = await restoreAndCheck({ file, identities: [key.identity], url: pg.url, migrate });
        expect(restored.audit).toMatchObject({ ok: true, checked: 5 });
        expect(restored.mismatched).toEqual([]);
        const conn = await openRaw(pg.url);
        try {
          expect(await appliedMigration(conn)).toBe(latest);
        } finally {
          await conn.close();
        }

        await expect(restoreBackup({ file, identities: [key.identity], url: current.url, migrate })).rejects.toThrow(
          `backup is from schema ${older}, this database is at ${latest}: restore it into a database without tables (it is built at ${older}, restored, then migrated)`,
        );
      } finally {
        await source.drop();
        await pg.drop();
        await current.drop();
      }
    },
  );
});
