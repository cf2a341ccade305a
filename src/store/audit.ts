// The audit log: hash-chained entries plus a single head row (id = 1) holding the last seq/hash.
import { chainEntry, GENESIS_HASH } from '../core/audit/chain.js';
import type {
  ActorPlatform,
  ActorRef,
  AuditEntryInput,
  AuditHead,
  AuditReader,
  AuditRecord,
  AuditRepo,
} from '../core/ports.js';
import type { AuditEntry } from './generated/sqlite/client.js';
import type { Queryable, TxClient } from './client.js';

const HEAD_ID = 1;

interface HeadRow {
  seq: number | bigint;
  hash: string;
}

/**
 * Locks the head row and returns it. The no-op UPDATE takes the row lock on PostgreSQL (other
 * appenders, in any replica, wait here until this transaction ends) and the write lock on SQLite.
 * The row is created on first use; INSERT … ON CONFLICT DO NOTHING waits for a concurrent
 * creator to finish instead of failing.
 */
async function lockHead(tx: TxClient): Promise<{ seq: number; hash: string }> {
  const lock = () =>
    tx.$queryRaw<HeadRow[]>`UPDATE "audit_head" SET "seq" = "seq" WHERE "id" = ${HEAD_ID} RETURNING "seq", "hash"`;
  let rows = await lock();
  if (rows.length === 0) {
    await tx.$executeRaw`INSERT INTO "audit_head" ("id", "seq", "hash") VALUES (${HEAD_ID}, 0, ${GENESIS_HASH}) ON CONFLICT ("id") DO NOTHING`;
    rows = await lock();
  }
  const head = rows[0];
  if (!head) throw new Error('audit head row missing after creation');
  return { seq: Number(head.seq), hash: head.hash };
}

/**
 * Appends through a transaction client; callers run it inside the store's transaction. Entries are
 * held until the transaction's work is done and then written together (`flush`, which the store
 * calls just before committing): the head row is locked last and for the shortest time, and a
 * transaction that appends many entries writes them in three statements. With `key`
 * (STEWARD_AUDIT_KEY) every entry carries the MAC of its hash.
 */
export class PrismaAuditRepo implements AuditRepo {
  private readonly held: { entry: AuditEntryInput; at: Date }[] = [];

  constructor(
    private readonly tx: TxClient,
    private readonly key?: string,
  ) {}

  append(entry: AuditEntryInput, at: Date): Promise<void> {
    this.held.push({ entry, at });
    return Promise.resolve();
  }

  /** Chains and writes the entries appended in this transaction; nothing when there are none. */
  async flush(): Promise<void> {
    if (!this.held.length) return;
    const held = this.held.splice(0);
    let head = await lockHead(this.tx);
    const rows = held.map(({ entry, at }) => {
      const rec = chainEntry(entry, at, head.seq, head.hash, this.key);
      head = { seq: rec.seq, hash: rec.hash };
      return {
        seq: rec.seq,
        at: rec.at,
        actorPlatform: rec.actor.platform,
        actorUserId: rec.actor.platformUserId ?? null,
        actorPersonId: rec.actor.personId ?? null,
        action: rec.action,
        subject: rec.subject,
        before: rec.before,
        after: rec.after,
        prevHash: rec.prevHash,
        hash: rec.hash,
        mac: rec.mac ?? null,
      };
    });
    if (rows.length === 1) await this.tx.auditEntry.create({ data: rows[0]! });
    else await this.tx.auditEntry.createMany({ data: rows });
    await this.tx.auditHead.update({ where: { id: HEAD_ID }, data: { seq: head.seq, hash: head.hash } });
  }
}

export function toAuditRecord(row: AuditEntry): AuditRecord {
  const actor: ActorRef = { platform: row.actorPlatform as ActorPlatform };
  if (row.actorUserId !== null) actor.platformUserId = row.actorUserId;
  if (row.actorPersonId !== null) actor.personId = row.actorPersonId;
  const rec: AuditRecord = {
    seq: row.seq,
    at: row.at,
    actor,
    action: row.action,
    subject: row.subject,
    before: row.before,
    after: row.after,
    prevHash: row.prevHash,
    hash: row.hash,
  };
  if (row.mac !== null) rec.mac = row.mac;
  return rec;
}

export class PrismaAuditReader implements AuditReader {
  constructor(private readonly db: Queryable) {}

  async page(afterSeq: number, limit: number): Promise<AuditRecord[]> {
    if (limit <= 0) return [];
    const rows = await this.db.auditEntry.findMany({
      where: { seq: { gt: afterSeq } },
      orderBy: { seq: 'asc' },
      take: limit,
    });
    return rows.map(toAuditRecord);
  }

  count(): Promise<number> {
    return this.db.auditEntry.count();
  }

  async head(): Promise<AuditHead | null> {
    const row = await this.db.auditHead.findUnique({ where: { id: HEAD_ID } });
    return row ? { seq: row.seq, hash: row.hash } : null;
  }

  async bySubject(subject: string, limit: number): Promise<AuditRecord[]> {
    const rows = await this.db.auditEntry.findMany({ where: { subject }, orderBy: { seq: 'asc' }, take: limit });
    return rows.map(toAuditRecord);
  }
}
