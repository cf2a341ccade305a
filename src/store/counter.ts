// Named counters (incident and page numbers), unique across replicas.
import type { Queryable } from './client.js';

/**
 * The next value of counter `name` (1, 2, …), in one statement: the upsert takes the row lock on
 * PostgreSQL (a concurrent caller waits, then counts on from the committed value); SQLite
 * serialises writers.
 */
export async function nextCounter(db: Queryable, name: string): Promise<number> {
  const rows = await db.$queryRaw<{ value: number | bigint }[]>`
    INSERT INTO "counter" ("name", "value") VALUES (${name}, 1)
    ON CONFLICT ("name") DO UPDATE SET "value" = "counter"."value" + 1
    RETURNING "value"`;
  const value = rows[0]?.value;
  if (value === undefined) throw new Error(`counter ${name}: no value returned`);
  return Number(value);
}
