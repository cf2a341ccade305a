// Database URL handling shared by the store and the migration tooling.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type Dialect = 'sqlite' | 'postgresql';
export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgresql'];

/** `file:` URLs select SQLite, `postgresql://` and `postgres://` select PostgreSQL. */
export function dialectOf(url: string): Dialect {
  if (url.startsWith('file:')) return 'sqlite';
  if (url.startsWith('postgresql://') || url.startsWith('postgres://')) return 'postgresql';
  throw new Error(`unsupported database URL (expected file:… or postgresql://…): ${redactUrl(url)}`);
}

/**
 * Absolute path of the database file of a `file:` URL. Relative paths are resolved against
 * process.cwd(); a query string (`?…`) is ignored. `:memory:` stays as is.
 */
export function sqlitePath(url: string): string {
  const raw = decodeURIComponent(url.slice('file:'.length).replace(/\?.*$/, ''));
  if (raw === ':memory:') return raw;
  if (raw.startsWith('//')) return fileURLToPath(url.replace(/\?.*$/, ''));
  if (!raw) throw new Error('empty SQLite path in database URL');
  return path.resolve(process.cwd(), raw);
}

/** Creates the folder of a SQLite database file and returns the file's absolute path. */
export function prepareSqliteFile(url: string): string {
  const file = sqlitePath(url);
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  return file;
}

/** The same PostgreSQL URL pointing at another database (user, host and parameters kept). */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

let root: string | undefined;

/** The folder holding `prisma/schema.prisma` (the project root, from src/ or a built dist/). */
export function projectRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'prisma', 'schema.prisma'))) return (root = dir);
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find prisma/schema.prisma above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export const PROVIDER_PLACEHOLDER = '__PROVIDER__';

/** The schema source rendered for one provider, as `scripts/db-generate.mjs` renders it. */
export function renderSchema(dialect: Dialect): string {
  const text = readFileSync(path.join(projectRoot(), 'prisma', 'schema.prisma'), 'utf8');
  return text.replaceAll(PROVIDER_PLACEHOLDER, dialect);
}

export function migrationsDir(dialect: Dialect): string {
  return path.join(projectRoot(), 'prisma', 'migrations', dialect);
}
