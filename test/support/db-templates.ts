// Migrated template databases, so that a test's fresh database costs a file copy (SQLite) or a
// CREATE DATABASE … TEMPLATE (PostgreSQL) instead of a run of the schema engine. The global setup
// (test/support/global-setup.ts) prepares one per dialect; test/support/databases.ts copies them.
//  - SQLite: a file in a per-user cache folder under os.tmpdir(), named after its key (the hash of
//    the migration folder and of the schema engine's version), built on the first run that needs
//    that key and reused by later runs; a changed migration gives another key, hence a new file.
//  - PostgreSQL: a database built for the run, in the background while the test files load (a
//    test waits for it), and dropped when the run ends.
// When a template's key no longer matches the migration folder (a migration edited during a watch
// run), or it could not be built, the helpers fall back to an empty database, which
// openStore({ migrate: true }) migrates as before.
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { migrationsDir, projectRoot, sqlitePath, withDatabase, type Dialect } from '../../src/store/dialect.js';
import { migrateDatabase } from '../../src/store/index.js';
import { adminQuery, quoteIdent } from '../../src/store/migrations/pg-migrate-adapter.js';
import { DEFAULT_PG_ADMIN_URL } from '../../src/store/migrations/pg-temp-db.js';

export interface SqliteTemplate {
  /** The migrated database file (read-only, journal mode DELETE, nothing beside it). */
  readonly file: string;
  /** migrationsHash('sqlite') when it was built. */
  readonly hash: string;
}

export interface PgTemplate {
  /** A database on the pgAdminUrl() server that no one may connect to (ALLOW_CONNECTIONS false). */
  readonly name: string;
  /** migrationsHash('postgresql') when it was built. */
  readonly hash: string;
  /** A file written when the build ends: `ok`, or why it failed. */
  readonly status: string;
}

/** What the global setup hands the test workers (through vitest's provide/inject). */
export interface DbTemplates {
  sqlite?: SqliteTemplate;
  postgresql?: PgTemplate;
}

declare module 'vitest' {
  export interface ProvidedContext {
    dbTemplates: DbTemplates;
  }
}

/** Template databases on the PostgreSQL server are named `steward_template_<hash>_<pid>_<random>`. */
export const PG_TEMPLATE_PREFIX = 'steward_template';

/** TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres. */
export function pgAdminUrl(): string {
  return process.env.TEST_DATABASE_URL || DEFAULT_PG_ADMIN_URL;
}

/** Whether the PostgreSQL server answers within `timeoutMs`. */
export async function pgReachable(timeoutMs = 2_000): Promise<boolean> {
  const client = new pg.Client({ connectionString: pgAdminUrl(), connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let engineVersion: string | undefined;

/** The version of the schema engine package that applies the migrations. */
function schemaEngineVersion(): string {
  if (engineVersion) return engineVersion;
  // The package does not export its package.json: read it where npm installed it.
  const file = path.join(projectRoot(), 'node_modules', '@prisma', 'schema-engine-wasm', 'package.json');
  engineVersion = (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  return engineVersion;
}

/**
 * The key of a template: SHA-256 of every file under prisma/migrations/<dialect> (relative paths
 * and contents) and of the schema engine's version.
 */
export function migrationsHash(dialect: Dialect): string {
  const root = migrationsDir(dialect);
  const hash = createHash('sha256').update(`${dialect}\0${schemaEngineVersion()}\0`);
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        hash.update(path.relative(root, full).split(path.sep).join('/')).update('\0');
        hash.update(readFileSync(full)).update('\0');
      }
    }
  };
  if (existsSync(root)) walk(root);
  return hash.digest('hex');
}

const SQLITE_SIDECARS = ['-wal', '-shm', '-journal'];

/** Where SQLite templates are kept between runs (one folder per user). */
export function sqliteCacheDir(): string {
  return path.join(os.tmpdir(), `steward-test-templates-${process.getuid?.() ?? 'user'}`);
}

const DAY_MS = 86_400_000;

/** Removes what runs left in the cache folder: other keys' templates unused for a week, builds an hour old. */
function pruneSqliteCache(dir: string, keep: string): void {
  const now = Date.now();
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (full === keep) continue;
    try {
      const age = now - statSync(full).mtimeMs;
      if ((entry.endsWith('.db') && age > 7 * DAY_MS) || (entry.startsWith('build-') && age > DAY_MS / 24))
        rmSync(full, { recursive: true, force: true });
    } catch {
      // Removed meanwhile by another run.
    }
  }
}

/**
 * The SQLite template of the migration folder as it is: taken from the cache folder, or migrated
 * there (in a build folder of its own, then renamed into place, so that runs building the same
 * key at once both end up with a whole file).
 */
export async function sqliteTemplate(): Promise<SqliteTemplate> {
  const hash = migrationsHash('sqlite');
  const dir = sqliteCacheDir();
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `sqlite-${hash}.db`);
  pruneSqliteCache(dir, file);
  if (existsSync(file)) {
    const now = new Date();
    utimesSync(file, now, now);
    return { file, hash };
  }
  const build = mkdtempSync(path.join(dir, 'build-'));
  try {
    const url = `file:${path.join(build, 'template.db')}`;
    const built = sqlitePath(url);
    await migrateDatabase(url);
    const db = new Database(built, { fileMustExist: true });
    try {
      // Checkpoints and removes a WAL if the engine left the file in WAL mode.
      db.pragma('journal_mode = DELETE');
    } finally {
      db.close();
    }
    const left = SQLITE_SIDECARS.map((s) => built + s).filter((f) => existsSync(f));
    if (left.length > 0) throw new Error(`the SQLite template left ${left.join(', ')} behind`);
    // Read-only: a copy is made writable, the template itself is never written to.
    chmodSync(built, 0o444);
    renameSync(built, file);
    return { file, hash };
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
}

/** A PostgreSQL template being built: its name and status file, and the build (which never rejects). */
export interface PgTemplateBuild {
  readonly template: PgTemplate;
  readonly done: Promise<void>;
}

function writeStatus(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/**
 * Starts creating and migrating a template database on the PostgreSQL server; it is then closed
 * to connections, as CREATE DATABASE … TEMPLATE needs a source no one is connected to. The status
 * file says when it is ready (or why it failed). Orphans of killed runs are dropped first.
 */
export function startPgTemplate(): PgTemplateBuild {
  const admin = pgAdminUrl();
  const hash = migrationsHash('postgresql');
  const name = `${PG_TEMPLATE_PREFIX}_${hash.slice(0, 12)}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const status = path.join(mkdtempSync(path.join(os.tmpdir(), 'steward-pg-template-')), 'status');
  const template: PgTemplate = { name, hash, status };
  const done = (async () => {
    try {
      await dropOrphanPgTemplates().catch(() => undefined);
      await adminQuery(admin, `CREATE DATABASE ${quoteIdent(name)}`);
      await migrateDatabase(withDatabase(admin, name));
      await adminQuery(admin, `ALTER DATABASE ${quoteIdent(name)} WITH ALLOW_CONNECTIONS false`);
      writeStatus(status, 'ok');
    } catch (err) {
      console.warn(`could not build the PostgreSQL template database, tests will migrate their own: ${String(err)}`);
      writeStatus(status, `failed: ${String(err)}`);
    }
  })();
  return { template, done };
}

/** Drops the template database and removes its status file. */
export async function dropPgTemplate(t: PgTemplate): Promise<void> {
  try {
    await adminQuery(pgAdminUrl(), `DROP DATABASE IF EXISTS ${quoteIdent(t.name)} WITH (FORCE)`);
  } finally {
    rmSync(path.dirname(t.status), { recursive: true, force: true });
  }
}

/** How long a test waits for the template: well within the test and hook timeouts. */
const PG_TEMPLATE_WAIT_MS = 15_000;

/** Waits for the template's build to end: true once it is ready, false if it failed or takes too long. */
export async function pgTemplateReady(t: PgTemplate): Promise<boolean> {
  const until = Date.now() + PG_TEMPLATE_WAIT_MS;
  for (;;) {
    if (existsSync(t.status)) return readFileSync(t.status, 'utf8') === 'ok';
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

function isLocalServer(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '' || host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Drops the templates that runs killed before their teardown left behind: those named after a
 * process of this machine that no longer exists (checked on a server on this machine only).
 * Returns their names.
 */
export async function dropOrphanPgTemplates(): Promise<string[]> {
  const admin = pgAdminUrl();
  if (!isLocalServer(admin)) return [];
  const client = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 10_000 });
  await client.connect();
  let names: string[];
  try {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [`${PG_TEMPLATE_PREFIX}_`],
    );
    names = rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
  const orphans = names.filter((n) => {
    const pid = Number(/^steward_template_[0-9a-f]+_(\d+)_[0-9a-f]+$/.exec(n)?.[1]);
    return Number.isSafeInteger(pid) && pid > 0 && !processAlive(pid);
  });
  for (const name of orphans) await adminQuery(admin, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  return orphans;
}
