// Named counters (incident and page numbers), unique across replicas.
import type { Queryable } from './client.js';

/** The next value of counter `name` (1, 2, …): the UPDATE takes the row lock on PostgreSQL; SQLite serialises writers. */
export async function nextCounter(db: Queryable, name: string): Promise<number> {
  await db.$executeRaw`INSERT INTO "counter" ("name", "value") VALUES (${name}, 0) ON CONFLICT ("name") DO NOTHING`;
  return (await db.counter.update({ where: { name }, data: { value: { increment: 1 } } })).value;
}
