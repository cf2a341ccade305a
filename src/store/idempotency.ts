// Idempotency keys. ON CONFLICT DO NOTHING (SQLite ≥ 3.24 and PostgreSQL) turns a duplicate into
// "0 rows" instead of an error, which would abort an enclosing PostgreSQL transaction. A claim
// racing an uncommitted claim of the same key waits for it and then sees the conflict.
import type { IdempotencyRepo } from '../core/ports.js';
import type { Queryable } from './client.js';

export class PrismaIdempotencyRepo implements IdempotencyRepo {
  constructor(private readonly db: Queryable) {}

  async claim(key: string, at: Date): Promise<boolean> {
    const inserted = await this.db.$executeRaw`
      INSERT INTO "delivery" ("key", "claimed_at") VALUES (${key}, ${at})
      ON CONFLICT ("key") DO NOTHING`;
    return inserted > 0;
  }
}
