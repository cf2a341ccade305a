// Migration folders: prisma/migrations/<dialect>/<timestamp>_<name>/migration.sql
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MigrationList } from '@prisma/schema-engine-wasm/schema_engine_bg';
import { migrationsDir, type Dialect } from '../dialect.js';

export const MIGRATION_FILE = 'migration.sql';

/** Names of the migration folders of `dialect`, oldest first. */
export function migrationNames(dialect: Dialect): string[] {
  const dir = migrationsDir(dialect);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, MIGRATION_FILE)))
    .map((d) => d.name)
    .sort();
}

/** The migration history in the shape the schema engine expects. */
export function loadMigrationList(dialect: Dialect): MigrationList {
  const baseDir = migrationsDir(dialect);
  return {
    baseDir,
    lockfile: { path: 'migration_lock.toml', content: `provider = "${dialect}"\n` },
    shadowDbInitScript: '',
    migrationDirectories: migrationNames(dialect).map((name) => ({
      path: name,
      migrationFile: {
        path: MIGRATION_FILE,
        content: { tag: 'ok' as const, value: readFileSync(path.join(baseDir, name, MIGRATION_FILE), 'utf8') },
      },
    })),
  };
}

/** `20250102030405` in UTC. */
export function migrationTimestamp(at: Date = new Date()): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** Normalises a migration name to lower-case snake case. */
export function migrationSlug(name: string): string {
  const slug = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!slug) throw new Error(`invalid migration name: ${JSON.stringify(name)}`);
  return slug;
}

/** Writes `<dir>/<folder>/migration.sql` and returns its path. */
export function writeMigration(dialect: Dialect, folder: string, sql: string): string {
  const dir = path.join(migrationsDir(dialect), folder);
  if (existsSync(dir)) throw new Error(`migration ${folder} already exists for ${dialect}`);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, MIGRATION_FILE);
  writeFileSync(file, sql.endsWith('\n') ? sql : `${sql}\n`);
  return file;
}
