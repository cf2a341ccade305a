// Change requests, their decisions and the messages kept current, on Prisma (SQLite and PostgreSQL).
import type { ChangeKind, ChangeRisk } from '../core/policy/schema.js';
import type {
  Approval,
  Change,
  ChangeDecisionRow,
  ChangeFlags,
  ChangeMessage,
  FrozenRule,
  Outcome,
  Phase,
} from '../core/changes/model.js';
import type { ChangePatch, ChangeRepo, NewChange } from '../core/changes/ports.js';
import type { Platform } from '../core/platform.js';
import type { Queryable } from './client.js';
import { nextCounter } from './counter.js';

type Row = Awaited<ReturnType<Queryable['change']['findUniqueOrThrow']>>;

/** See ChangeRepo: not started and pending or approved, or in progress. */
const ACTIVE = { OR: [{ phase: 'in_progress' }, { phase: 'requested', approval: { in: ['pending', 'approved'] } }] };

function toChange(r: Row): Change {
  return {
    ...r,
    kind: r.kind as ChangeKind,
    risk: r.risk as ChangeRisk | null,
    rule: JSON.parse(r.rule) as FrozenRule,
    flags: JSON.parse(r.flags) as ChangeFlags,
    approval: r.approval as Approval,
    phase: r.phase as Phase,
    outcome: r.outcome as Outcome | null,
    requestedPlatform: r.requestedPlatform as Change['requestedPlatform'],
  };
}

export class PrismaChangeRepo implements ChangeRepo {
  constructor(private readonly db: Queryable) {}

  async create(c: NewChange, at: Date): Promise<Change> {
    const number = await nextCounter(this.db, 'change');
    const row = await this.db.change.create({
      data: { ...c, number, rule: JSON.stringify(c.rule), flags: JSON.stringify(c.flags), version: 1, updatedAt: at },
    });
    return toChange(row);
  }

  async byNumber(n: number) {
    const r = await this.db.change.findUnique({ where: { number: n } });
    return r ? toChange(r) : null;
  }

  async byKey(key: string) {
    const r = await this.db.change.findUnique({ where: { key } });
    return r ? toChange(r) : null;
  }

  async lock(n: number, _at: Date) {
    // An UPDATE takes the row lock on PostgreSQL (held to the end of the transaction); SQLite serialises
    // writers. It changes nothing: a click that is refused leaves the version, so the refresh queued
    // for the current version still runs.
    const done = await this.db.$executeRaw`UPDATE "change" SET "version" = "version" WHERE "number" = ${n}`;
    return done ? this.byNumber(n) : null;
  }

  async update(id: number, expectedVersion: number, patch: ChangePatch, at: Date) {
    const n = await this.db.change.updateMany({
      where: { id, version: expectedVersion },
      data: { ...patch, version: expectedVersion + 1, updatedAt: at },
    });
    if (!n.count) return null;
    return toChange(await this.db.change.findUniqueOrThrow({ where: { id } }));
  }

  async decide(changeId: number, d: ChangeDecisionRow): Promise<boolean> {
    const n = await this.db.$executeRaw`
      INSERT INTO "change_decision" ("change_id", "person_id", "decision", "reason", "platform", "platform_user_id", "at")
      VALUES (${changeId}, ${d.personId}, ${d.decision}, ${d.reason}, ${d.platform}, ${d.platformUserId}, ${d.at})
      ON CONFLICT ("change_id", "person_id") DO NOTHING`;
    return n > 0;
  }

  async decisions(changeId: number): Promise<ChangeDecisionRow[]> {
    const rows = await this.db.changeDecision.findMany({
      where: { changeId },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
    });
    return rows.map((r) => ({
      personId: r.personId,
      decision: r.decision as ChangeDecisionRow['decision'],
      reason: r.reason,
      platform: r.platform,
      platformUserId: r.platformUserId,
      at: r.at,
    }));
  }

  async overlapping(q: {
    serviceId?: string;
    from: Date;
    to: Date;
    approvals?: readonly Approval[];
    phases?: readonly Phase[];
    active?: boolean;
  }) {
    const rows = await this.db.change.findMany({
      where: {
        ...(q.active ? ACTIVE : {}),
        ...(q.serviceId ? { serviceId: q.serviceId } : {}),
        windowStart: { lt: q.to },
        windowEnd: { gt: q.from },
        ...(q.approvals ? { approval: { in: [...q.approvals] } } : {}),
        ...(q.phases ? { phase: { in: [...q.phases] } } : {}),
      },
      orderBy: { windowStart: 'asc' },
    });
    return rows.map(toChange);
  }

  async list(q: {
    requestedBy?: string;
    approvals?: readonly Approval[];
    phases?: readonly Phase[];
    active?: boolean;
    startedSince?: Date;
    serviceId?: string;
    limit?: number;
  }) {
    const rows = await this.db.change.findMany({
      where: {
        ...(q.active ? ACTIVE : {}),
        ...(q.requestedBy ? { requestedBy: q.requestedBy } : {}),
        ...(q.serviceId ? { serviceId: q.serviceId } : {}),
        ...(q.approvals ? { approval: { in: [...q.approvals] } } : {}),
        ...(q.phases ? { phase: { in: [...q.phases] } } : {}),
        ...(q.startedSince ? { startedAt: { gte: q.startedSince } } : {}),
      },
      orderBy: { number: 'desc' },
      take: q.limit ?? 50,
    });
    return rows.map(toChange);
  }

  async expiring(now: Date, limit: number) {
    const rows = await this.db.change.findMany({
      where: { approval: 'pending', phase: 'requested', expiresAt: { lte: now } },
      orderBy: { expiresAt: 'asc' },
      take: limit,
    });
    return rows.map(toChange);
  }

  async addMessage(changeId: number, sendKey: string, m: ChangeMessage, at: Date): Promise<boolean> {
    const n = await this.db.$executeRaw`
      INSERT INTO "change_message" ("change_id", "send_key", "kind", "person_id", "platform", "channel_id", "message_id", "created_at")
      VALUES (${changeId}, ${sendKey}, ${m.kind}, ${m.personId}, ${m.platform}, ${m.channelId}, ${m.messageId}, ${at})
      ON CONFLICT ("send_key") DO NOTHING`;
    return n > 0;
  }

  async hasMessage(sendKey: string) {
    return (await this.db.changeMessage.count({ where: { sendKey } })) > 0;
  }

  async messages(changeId: number): Promise<ChangeMessage[]> {
    const rows = await this.db.changeMessage.findMany({ where: { changeId }, orderBy: { id: 'asc' } });
    return rows.map((r) => ({
      kind: r.kind as ChangeMessage['kind'],
      personId: r.personId,
      platform: r.platform as Platform,
      channelId: r.channelId,
      messageId: r.messageId,
    }));
  }
}
