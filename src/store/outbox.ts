// The side-effect outbox: items enqueued inside a state change's transaction, claimed by workers
// with a conditional update (so two replicas never run the same item at once), retried with backoff.
import type { OutboxItem, OutboxRepo, OutboxWorkerRepo } from '../core/outbox/ports.js';
import type { Queryable } from './client.js';

export class PrismaOutboxRepo implements OutboxRepo {
  constructor(private readonly db: Queryable) {}

  async enqueue(
    key: string,
    kind: string,
    payload: Record<string, unknown>,
    at: Date,
    dueAt: Date = at,
  ): Promise<boolean> {
    const written = await this.db.$executeRaw`
      INSERT INTO "outbox_item" ("key", "kind", "payload", "state", "attempts", "due_at", "created_at")
      VALUES (${key}, ${kind}, ${JSON.stringify(payload)}, 'pending', 0, ${dueAt}, ${at})
      ON CONFLICT ("key") DO NOTHING`;
    return written > 0;
  }
}

/** The worker's queries; `releaseLocks(null)` frees every claim (see PrismaStore.releaseAbandoned). */
export class PrismaOutboxWorkerRepo implements Omit<OutboxWorkerRepo, 'releaseAbandoned'> {
  constructor(private readonly db: Queryable) {}

  async claimDue(now: Date, limit: number, holder: string, lockedUntil: Date): Promise<OutboxItem[]> {
    const due = await this.db.outboxItem.findMany({
      where: { state: 'pending', dueAt: { lte: now }, OR: [{ lockedUntil: null }, { lockedUntil: { lte: now } }] },
      orderBy: { id: 'asc' },
      take: limit,
      select: { id: true },
    });
    const claimed: OutboxItem[] = [];
    for (const { id } of due) {
      // Only one claimer wins each item: the update re-checks that nobody holds a live lock.
      let r;
      try {
        r = await this.db.outboxItem.update({
          where: { id, state: 'pending', OR: [{ lockedUntil: null }, { lockedUntil: { lte: now } }] },
          data: { lockedBy: holder, lockedUntil, attempts: { increment: 1 } },
        });
      } catch (err) {
        if ((err as { code?: string }).code === 'P2025') continue;
        throw err;
      }
      claimed.push({
        id: r.id,
        key: r.key,
        kind: r.kind,
        payload: JSON.parse(r.payload) as Record<string, unknown>,
        attempts: r.attempts,
      });
    }
    return claimed;
  }

  async completeMany(ids: readonly number[], holder: string, at: Date) {
    if (!ids.length) return;
    await this.db.outboxItem.updateMany({
      where: { id: { in: [...ids] }, lockedBy: holder },
      data: { state: 'done', doneAt: at, lockedBy: null, lockedUntil: null, lastError: null },
    });
  }

  async retry(id: number, holder: string, error: string, dueAt: Date) {
    await this.db.outboxItem.updateMany({
      where: { id, lockedBy: holder },
      data: { dueAt, lockedBy: null, lockedUntil: null, lastError: error.slice(0, 2000) },
    });
  }

  async giveUp(id: number, holder: string, error: string, at: Date) {
    await this.db.outboxItem.updateMany({
      where: { id, lockedBy: holder },
      data: { state: 'failed', doneAt: at, lockedBy: null, lockedUntil: null, lastError: error.slice(0, 2000) },
    });
  }

  async releaseLocks(holder: string | null) {
    const n = await this.db.outboxItem.updateMany({
      where: { state: 'pending', lockedBy: holder ?? { not: null } },
      data: { lockedBy: null, lockedUntil: null },
    });
    return n.count;
  }

  async pending() {
    return this.db.outboxItem.count({ where: { state: 'pending' } });
  }
}
