// Named leases (leader election for schedulers and the like), on the injected clock.
import type { LeaseRepo } from '../core/ports.js';
import type { Queryable } from './client.js';

export class PrismaLeaseRepo implements LeaseRepo {
  constructor(private readonly db: Queryable) {}

  /**
   * One conditional upsert: inserts the lease, or takes it over when `holder` already holds it
   * (renewal) or the current lease expired at or before `now`. The affected row count tells
   * whether `holder` holds the lease afterwards.
   */
  async acquire(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    if (!(ttlMs > 0)) throw new RangeError(`lease ttl must be positive, got ${ttlMs}`);
    const expiresAt = new Date(now.getTime() + ttlMs);
    const written = await this.db.$executeRaw`
      INSERT INTO "lease" ("name", "holder", "expires_at") VALUES (${name}, ${holder}, ${expiresAt})
      ON CONFLICT ("name") DO UPDATE SET "holder" = excluded."holder", "expires_at" = excluded."expires_at"
      WHERE "lease"."holder" = excluded."holder" OR "lease"."expires_at" <= ${now}`;
    return written > 0;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.db.lease.deleteMany({ where: { name, holder } });
  }
}
