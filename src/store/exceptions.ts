// Risk exceptions on findings, their decisions and messages, on Prisma (SQLite and PostgreSQL).
import type { ApproveEntry } from '../core/policy/schema.js';
import type {
  ExceptionDecisionRow,
  ExceptionMessage,
  ExceptionState,
  RiskException,
} from '../core/patches/exceptions/model.js';
import type { ExceptionPatch, ExceptionRepo, NewException } from '../core/patches/exceptions/ports.js';
import type { Platform } from '../core/platform.js';
import type { Queryable } from './client.js';
import { nextCounter } from './counter.js';

type Row = Awaited<ReturnType<Queryable['exception']['findUniqueOrThrow']>>;

function toException(r: Row): RiskException {
  return {
    ...r,
    requirements: JSON.parse(r.requirements) as ApproveEntry[],
    state: r.state as ExceptionState,
    requestedPlatform: r.requestedPlatform as Platform,
  };
}

export class PrismaExceptionRepo implements ExceptionRepo {
  constructor(private readonly db: Queryable) {}

  async create(e: NewException, at: Date): Promise<RiskException> {
    const number = await nextCounter(this.db, 'exception');
    return toException(
      await this.db.exception.create({
        data: { ...e, number, requirements: JSON.stringify(e.requirements), version: 1, updatedAt: at },
      }),
    );
  }

  async byNumber(n: number) {
    const r = await this.db.exception.findUnique({ where: { number: n } });
    return r ? toException(r) : null;
  }

  async byKey(key: string) {
    const r = await this.db.exception.findUnique({ where: { key } });
    return r ? toException(r) : null;
  }

  async latestOf(findingId: number) {
    const r = await this.db.exception.findFirst({ where: { findingId }, orderBy: { number: 'desc' } });
    return r ? toException(r) : null;
  }

  async lock(n: number, _at: Date) {
    // An UPDATE takes the row lock on PostgreSQL (to the end of the transaction); SQLite serialises writers.
    const done = await this.db.$executeRaw`UPDATE "exception" SET "version" = "version" WHERE "number" = ${n}`;
    return done ? this.byNumber(n) : null;
  }

  async update(id: number, expectedVersion: number, patch: ExceptionPatch, at: Date) {
    const n = await this.db.exception.updateMany({
      where: { id, version: expectedVersion },
      data: { ...patch, version: expectedVersion + 1, updatedAt: at },
    });
    if (!n.count) return null;
    return toException(await this.db.exception.findUniqueOrThrow({ where: { id } }));
  }

  async decide(exceptionId: number, d: ExceptionDecisionRow): Promise<boolean> {
    const n = await this.db.$executeRaw`
      INSERT INTO "exception_decision" ("exception_id", "person_id", "decision", "reason", "platform", "platform_user_id", "at")
      VALUES (${exceptionId}, ${d.personId}, ${d.decision}, ${d.reason}, ${d.platform}, ${d.platformUserId}, ${d.at})
      ON CONFLICT ("exception_id", "person_id") DO NOTHING`;
    return n > 0;
  }

  async decisions(exceptionId: number): Promise<ExceptionDecisionRow[]> {
    const rows = await this.db.exceptionDecision.findMany({
      where: { exceptionId },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
    });
    return rows.map((r) => ({
      personId: r.personId,
      decision: r.decision as ExceptionDecisionRow['decision'],
      reason: r.reason,
      platform: r.platform,
      platformUserId: r.platformUserId,
      at: r.at,
    }));
  }

  async expiring(now: Date, limit: number) {
    const rows = await this.db.exception.findMany({
      where: { state: { in: ['pending', 'accepted'] }, until: { lte: now } },
      orderBy: { until: 'asc' },
      take: limit,
    });
    return rows.map(toException);
  }

  async endingBetween(serviceIds: readonly string[], from: Date, to: Date, limit: number) {
    if (serviceIds.length === 0) return { total: 0, items: [] };
    const where = { state: 'accepted', serviceId: { in: [...serviceIds] }, until: { gt: from, lte: to } };
    const total = await this.db.exception.count({ where });
    const rows = total
      ? await this.db.exception.findMany({ where, orderBy: [{ until: 'asc' }, { id: 'asc' }], take: limit })
      : [];
    return { total, items: rows.map(toException) };
  }

  async expiredSince(serviceIds: readonly string[], since: Date) {
    if (serviceIds.length === 0) return 0;
    return this.db.exception.count({
      where: {
        state: 'expired',
        decidedAt: { not: null },
        serviceId: { in: [...serviceIds] },
        expiredAt: { gt: since },
      },
    });
  }

  async addMessage(exceptionId: number, sendKey: string, m: ExceptionMessage, at: Date): Promise<boolean> {
    const n = await this.db.$executeRaw`
      INSERT INTO "exception_message" ("exception_id", "send_key", "kind", "person_id", "platform", "channel_id", "message_id", "created_at")
      VALUES (${exceptionId}, ${sendKey}, ${m.kind}, ${m.personId}, ${m.platform}, ${m.channelId}, ${m.messageId}, ${at})
      ON CONFLICT ("send_key") DO NOTHING`;
    return n > 0;
  }

  async hasMessage(sendKey: string) {
    return (await this.db.exceptionMessage.count({ where: { sendKey } })) > 0;
  }

  async messages(exceptionId: number, kind?: ExceptionMessage['kind']): Promise<ExceptionMessage[]> {
    const rows = await this.db.exceptionMessage.findMany({
      where: { exceptionId, ...(kind ? { kind } : {}) },
      orderBy: { id: 'asc' },
    });
    return rows.map((r) => ({
      kind: r.kind as ExceptionMessage['kind'],
      personId: r.personId,
      platform: r.platform as Platform,
      channelId: r.channelId,
      messageId: r.messageId,
    }));
  }
}
