// The side-effect outbox: items enqueued inside a state change's transaction, claimed by workers
// with a conditional update (so two replicas never run the same item at once), retried with backoff.
import { join, raw, sqltag as sql } from '@prisma/client/runtime/client';
import type { NewOutboxItem, OutboxItem, OutboxRepo, OutboxRetry, OutboxWorkerRepo } from '../core/outbox/ports.js';
import type { Queryable } from './client.js';
import type { Dialect } from './dialect.js';

/** Items per INSERT (five bound parameters each: well under both databases' limits). */
const INSERT_CHUNK = 500;

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

  async enqueueMany(items: readonly NewOutboxItem[], at: Date): Promise<number> {
    let written = 0;
    for (let i = 0; i < items.length; i += INSERT_CHUNK) {
      const rows = items
        .slice(i, i + INSERT_CHUNK)
        .map((x) => sql`(${x.key}, ${x.kind}, ${JSON.stringify(x.payload)}, 'pending', 0, ${x.dueAt ?? at}, ${at})`);
      written += await this.db.$executeRaw`
        INSERT INTO "outbox_item" ("key", "kind", "payload", "state", "attempts", "due_at", "created_at")
        VALUES ${join(rows)}
        ON CONFLICT ("key") DO NOTHING`;
    }
    return written;
  }
}

/** The worker's queries; `releaseLocks(null)` frees every claim (see PrismaStore.releaseAbandoned). */
export class PrismaOutboxWorkerRepo implements Omit<OutboxWorkerRepo, 'releaseAbandoned'> {
  constructor(
    private readonly db: Queryable,
    private readonly dialect: Dialect,
  ) {}

  async claimDue(now: Date, limit: number, holder: string, lockedUntil: Date): Promise<OutboxItem[]> {
    // One statement: only one claimer wins each item, since the update re-checks that nobody holds
    // a live lock (PostgreSQL: rows another replica is claiming are skipped, not waited for). The
    // candidates are chosen once (a materialised CTE): a subquery with LIMIT inside IN may be run
    // again by the planner and claim more than `limit`.
    const skip = this.dialect === 'postgresql' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
    const free = sql`"state" = 'pending' AND "due_at" <= ${now} AND ("locked_until" IS NULL OR "locked_until" <= ${now})`;
    const rows = await this.db.$queryRaw<
      { id: number | bigint; key: string; kind: string; payload: string; attempts: number | bigint }[]
    >`
      WITH "c" AS MATERIALIZED (
        SELECT "id" FROM "outbox_item" WHERE ${free} ORDER BY "id" LIMIT ${raw(String(Math.trunc(limit)))} ${skip}
      )
      UPDATE "outbox_item" SET "locked_by" = ${holder}, "locked_until" = ${lockedUntil}, "attempts" = "attempts" + 1
      WHERE "id" IN (SELECT "id" FROM "c") AND ${free}
      RETURNING "id", "key", "kind", "payload", "attempts"`;
    return rows
      .map((r) => ({
        id: Number(r.id),
        key: r.key,
        kind: r.kind,
        payload: JSON.parse(r.payload) as Record<string, unknown>,
        attempts: Number(r.attempts),
      }))
      .sort((a, b) => a.id - b.id);
  }

  async completeMany(ids: readonly number[], holder: string, at: Date) {
    if (!ids.length) return;
    await this.db.outboxItem.updateMany({
      where: { id: { in: [...ids] }, lockedBy: holder },
      data: { state: 'done', doneAt: at, lockedBy: null, lockedUntil: null, lastError: null },
    });
  }

  async retryMany(rows: readonly OutboxRetry[], holder: string) {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const part = rows.slice(i, i + INSERT_CHUNK);
      const id = (r: OutboxRetry) => raw(String(Math.trunc(r.id)));
      // ELSE keeps each CASE typed as its column on PostgreSQL.
      await this.db.$executeRaw`
        UPDATE "outbox_item" SET
          "due_at" = CASE "id" ${join(
            part.map((r) => sql`WHEN ${id(r)} THEN ${r.dueAt}`),
            ' ',
          )} ELSE "due_at" END,
          "last_error" = CASE "id" ${join(
            part.map((r) => sql`WHEN ${id(r)} THEN ${r.error.slice(0, 2000)}`),
            ' ',
          )} ELSE "last_error" END,
          "locked_by" = NULL, "locked_until" = NULL
        WHERE "id" IN (${join(part.map(id))}) AND "locked_by" = ${holder}`;
    }
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
