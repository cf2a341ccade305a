// Vitest global setup: prepares the template databases the test helpers copy (see db-templates.ts)
// before any worker starts, so that no two workers race to build one. The SQLite template comes
// from the cache (or is migrated into it) before the files run; the PostgreSQL one is built while
// the files load, and dropped when the run ends. A template that cannot be prepared is left out
// with a warning: the helpers then hand out empty databases, migrated by each test as before.
import type { TestProject } from 'vitest/node';
import {
  dropPgTemplate,
  pgReachable,
  sqliteTemplate,
  startPgTemplate,
  type DbTemplates,
  type PgTemplateBuild,
} from './db-templates.js';

function warn(dialect: string, err: unknown): undefined {
  console.warn(`could not build the ${dialect} template database, tests will migrate their own: ${String(err)}`);
  return undefined;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let pg: PgTemplateBuild | undefined;
  try {
    if (await pgReachable()) pg = startPgTemplate();
  } catch (err) {
    warn('PostgreSQL', err);
  }
  const sqlite = await sqliteTemplate().catch((err: unknown) => warn('SQLite', err));
  const templates: DbTemplates = { sqlite, postgresql: pg?.template };
  project.provide('dbTemplates', templates);
  return async () => {
    if (!pg) return;
    await pg.done;
    await dropPgTemplate(pg.template);
  };
}
