// Pages, escalation steps, page messages and on-call overrides on Prisma (SQLite and PostgreSQL).
import type {
  FrozenPath,
  Page,
  PageMessage,
  PageStatus,
  StepKind,
  StepState,
  StepTargets,
} from '../core/paging/model.js';
import type { DueStep, NewPage, NewStep, PagePatch, PageRepo, StepMove, StepRecord } from '../core/paging/ports.js';
import type { OncallOverrideRow, OverrideRepo } from '../core/oncall/ports.js';
import type { Platform } from '../core/ports.js';
import { join, raw, sqltag as sql } from '@prisma/client/runtime/client';
import type { Queryable } from './client.js';
import { nextCounter } from './counter.js';
import type { Dialect } from './dialect.js';

type Row = Awaited<ReturnType<Queryable['page']['findUniqueOrThrow']>>;
type StepRow = Awaited<ReturnType<Queryable['pageStep']['findUniqueOrThrow']>>;

function toPage(r: Row): Page {
  return {
    ...r,
    status: r.status as PageStatus,
    path: JSON.parse(r.path) as FrozenPath,
    createdPlatform: r.createdPlatform as Page['createdPlatform'],
    notified: JSON.parse(r.notified) as string[],
  };
}

function toStep(r: StepRow): StepRecord {
  return {
    ...r,
    kind: r.kind as StepKind,
    state: r.state as StepRecord['state'],
    targets: r.targets ? (JSON.parse(r.targets) as StepTargets) : null,
  };
}

/** A step row as `UPDATE … RETURNING` gives it (column names; SQLite may return dates as text). */
interface RawStep {
  id: number | bigint;
  page_id: number | bigint;
  seq: number | bigint;
  round: number | bigint;
  level: number | bigint;
  kind: string;
  due_at: Date | string | number;
  attempts: number | bigint;
  last_error: string | null;
}

/** Rows per multi-row statement (well under both databases' limits on bound parameters). */
const CHUNK = 500;
const chunks = <T>(xs: readonly T[]): T[][] =>
  Array.from({ length: Math.ceil(xs.length / CHUNK) }, (_, i) => xs.slice(i * CHUNK, (i + 1) * CHUNK));
/** An integer written into the statement itself (only for numbers Steward produced). */
const int = (n: number) => {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return raw(String(n));
};

/** Longest error text kept on a step (page_step.last_error). */
export const STEP_ERROR_MAX = 1000;

const columns = (p: PagePatch) => {
  const { notified, ...rest } = p;
  return { ...rest, ...(notified ? { notified: JSON.stringify(notified) } : {}) };
};

export class PrismaPageRepo implements PageRepo {
  constructor(
    private readonly db: Queryable,
    private readonly dialect: Dialect = 'sqlite',
  ) {}

  nextNumber(): Promise<number> {
    return nextCounter(this.db, 'page');
  }

  async create(p: NewPage, at: Date): Promise<Page> {
    const number = await this.nextNumber();
    const row = await this.db.page.create({
      data: { ...p, number, path: JSON.stringify(p.path), stepSeq: -1, notified: '[]', version: 1, updatedAt: at },
    });
    return toPage(row);
  }

  async byNumber(number: number) {
    const r = await this.db.page.findUnique({ where: { number } });
    return r ? toPage(r) : null;
  }
  async byId(id: number) {
    const r = await this.db.page.findUnique({ where: { id } });
    return r ? toPage(r) : null;
  }
  async byKey(key: string) {
    const r = await this.db.page.findUnique({ where: { key } });
    return r ? toPage(r) : null;
  }

  async list(f: { statuses?: readonly PageStatus[]; incidentNumber?: number; limit?: number }) {
    const rows = await this.db.page.findMany({
      where: {
        ...(f.statuses ? { status: { in: [...f.statuses] } } : {}),
        ...(f.incidentNumber !== undefined ? { incidentNumber: f.incidentNumber } : {}),
      },
      orderBy: { number: 'desc' },
      take: f.limit ?? 50,
    });
    return rows.map(toPage);
  }

  async update(id: number, expectedVersion: number, patch: PagePatch, at: Date) {
    return this.updateWhere(
      { id, version: expectedVersion },
      { ...columns(patch), version: expectedVersion + 1, updatedAt: at },
    );
  }

  async updateIfOpen(id: number, patch: PagePatch, at: Date) {
    // The update takes the page's row lock (PostgreSQL), so a concurrent acknowledgement either
    // commits first (and this matches nothing) or waits and then sees the new version.
    return this.updateWhere({ id, status: 'open' }, { ...columns(patch), version: { increment: 1 }, updatedAt: at });
  }

  /** One UPDATE … RETURNING; null when the row no longer matches. */
  private async updateWhere(
    where: { id: number; version?: number; status?: string },
    data: Record<string, unknown>,
  ): Promise<Page | null> {
    try {
      return toPage(await this.db.page.update({ where, data }));
    } catch (err) {
      if ((err as { code?: string }).code === 'P2025') return null;
      throw err;
    }
  }

  async addStep(s: NewStep) {
    await this.db.$executeRaw`
      INSERT INTO "page_step" ("page_id", "seq", "round", "level", "kind", "due_at", "state")
      VALUES (${s.pageId}, ${s.seq}, ${s.round}, ${s.level}, ${s.kind}, ${s.dueAt}, 'pending')
      ON CONFLICT ("page_id", "seq") DO NOTHING`;
  }

  async pendingSteps(dueBefore: Date, limit: number) {
    const rows = await this.db.pageStep.findMany({
      where: { state: 'pending', dueAt: { lte: dueBefore } },
      orderBy: [{ dueAt: 'asc' }, { id: 'asc' }],
      take: limit,
    });
    return rows.map((r): DueStep => ({ ...toStep(r), state: r.state as StepState }));
  }

  async claimDue(now: Date, holder: string, limit: number): Promise<DueStep[]> {
    // PostgreSQL: rows another replica is claiming are skipped, not waited for; SQLite has one writer.
    // The candidates are chosen once (see PrismaOutboxWorkerRepo.claimDue).
    const skip = this.dialect === 'postgresql' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
    const rows = await this.db.$queryRaw<RawStep[]>`
      WITH "c" AS MATERIALIZED (
        SELECT "id" FROM "page_step" WHERE "state" = 'pending' AND "due_at" <= ${now}
        ORDER BY "due_at", "id" LIMIT ${int(limit)} ${skip}
      )
      UPDATE "page_step" SET "state" = 'fired', "fired_at" = ${now}, "fired_by" = ${holder}
      WHERE "id" IN (SELECT "id" FROM "c") AND "state" = 'pending' AND "due_at" <= ${now}
      RETURNING "id", "page_id", "seq", "round", "level", "kind", "due_at", "attempts", "last_error"`;
    return rows
      .map((r): DueStep => ({
        id: Number(r.id),
        pageId: Number(r.page_id),
        seq: Number(r.seq),
        round: Number(r.round),
        level: Number(r.level),
        kind: r.kind as StepKind,
        dueAt: new Date(r.due_at),
        state: 'fired',
        firedAt: now,
        firedBy: holder,
        targets: null,
        attempts: Number(r.attempts),
        lastError: r.last_error,
      }))
      .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.id - b.id);
  }

  async nextDue(): Promise<Date | null> {
    const r = await this.db.pageStep.findFirst({
      where: { state: 'pending' },
      orderBy: { dueAt: 'asc' },
      select: { dueAt: true },
    });
    return r?.dueAt ?? null;
  }

  async byIds(ids: readonly number[]): Promise<Page[]> {
    if (!ids.length) return [];
    return (await this.db.page.findMany({ where: { id: { in: [...ids] } } })).map(toPage);
  }

  async advanceIfOpen(moves: readonly StepMove[], at: Date): Promise<Map<number, number>> {
    const versions = new Map<number, number>();
    for (const part of chunks(moves)) {
      const ids = join(part.map((m) => int(m.id)));
      const seq = join(
        part.map((m) => sql`WHEN ${int(m.id)} THEN ${int(m.stepSeq)}`),
        ' ',
      );
      const notified = join(
        part.map((m) => sql`WHEN ${int(m.id)} THEN ${JSON.stringify(m.notified)}`),
        ' ',
      );
      const exhausted = part.filter((m) => m.exhausted);
      const exhaustedAt = exhausted.length
        ? sql`CASE WHEN "id" IN (${join(exhausted.map((m) => int(m.id)))}) THEN ${at} ELSE "exhausted_at" END`
        : sql`"exhausted_at"`;
      const rows = await this.db.$queryRaw<{ id: number | bigint; version: number | bigint }[]>`
        UPDATE "page" SET "step_seq" = CASE "id" ${seq} END, "notified" = CASE "id" ${notified} END,
          "exhausted_at" = ${exhaustedAt}, "version" = "version" + 1, "updated_at" = ${at}
        WHERE "id" IN (${ids}) AND "status" = 'open'
        RETURNING "id", "version"`;
      for (const r of rows) versions.set(Number(r.id), Number(r.version));
    }
    return versions;
  }

  async addSteps(steps: readonly NewStep[]): Promise<void> {
    for (const part of chunks(steps))
      await this.db.$executeRaw`
        INSERT INTO "page_step" ("page_id", "seq", "round", "level", "kind", "due_at", "state")
        VALUES ${join(part.map((s) => sql`(${int(s.pageId)}, ${int(s.seq)}, ${int(s.round)}, ${int(s.level)}, ${s.kind}, ${s.dueAt}, 'pending')`))}
        ON CONFLICT ("page_id", "seq") DO NOTHING`;
  }

  async recordTargetsMany(rows: readonly { stepId: number; targets: StepTargets }[]): Promise<void> {
    for (const part of chunks(rows)) {
      const cases = join(
        part.map((r) => sql`WHEN ${int(r.stepId)} THEN ${JSON.stringify(r.targets)}`),
        ' ',
      );
      await this.db.$executeRaw`
        UPDATE "page_step" SET "targets" = CASE "id" ${cases} END
        WHERE "id" IN (${join(part.map((r) => int(r.stepId)))})`;
    }
  }

  async claimStep(id: number, holder: string, now: Date) {
    const n = await this.db.pageStep.updateMany({
      where: { id, state: 'pending', dueAt: { lte: now } },
      data: { state: 'fired', firedAt: now, firedBy: holder },
    });
    return n.count === 1;
  }

  async recordTargets(stepId: number, targets: StepTargets) {
    await this.db.pageStep.update({ where: { id: stepId }, data: { targets: JSON.stringify(targets) } });
  }

  async reschedule(pageId: number, seq: number, dueAt: Date) {
    const n = await this.db.pageStep.updateMany({ where: { pageId, seq, state: 'pending' }, data: { dueAt } });
    return n.count === 1;
  }

  /**
   * Cancels the page's pending steps. The caller holds the page's row lock. On PostgreSQL a step a
   * runner has just claimed (its row locked, not yet the page's) is skipped, not waited for: that
   * runner then waits for this page lock, finds the page closed and fires nothing, where waiting
   * here would deadlock with it (steps then page there, page then steps here).
   */
  async cancelPending(pageId: number, at: Date) {
    if (this.dialect === 'postgresql')
      return this.db.$executeRaw`
        UPDATE "page_step" SET "state" = 'cancelled', "fired_at" = ${at}
        WHERE "id" IN (
          SELECT "id" FROM "page_step" WHERE "page_id" = ${pageId} AND "state" = 'pending' FOR UPDATE SKIP LOCKED
        )`;
    const n = await this.db.pageStep.updateMany({
      where: { pageId, state: 'pending' },
      data: { state: 'cancelled', firedAt: at },
    });
    return n.count;
  }

  async stepFailed(id: number, tries: number, error: string, retryAt: Date) {
    const n = await this.db.pageStep.updateMany({
      where: { id, state: 'pending', attempts: tries },
      data: { attempts: tries + 1, lastError: error.slice(0, STEP_ERROR_MAX), dueAt: retryAt },
    });
    return n.count === 1;
  }

  async setAside(id: number, tries: number, error: string, at: Date) {
    const n = await this.db.pageStep.updateMany({
      where: { id, state: 'pending', attempts: tries },
      data: { state: 'failed', attempts: tries + 1, lastError: error.slice(0, STEP_ERROR_MAX), firedAt: at },
    });
    return n.count === 1;
  }

  async steps(pageId: number) {
    return (await this.db.pageStep.findMany({ where: { pageId }, orderBy: { seq: 'asc' } })).map(toStep);
  }

  async addMessage(pageId: number, sendKey: string, m: PageMessage, at: Date) {
    const n = await this.db.$executeRaw`
      INSERT INTO "page_message" ("page_id", "send_key", "platform", "channel_id", "message_id", "created_at")
      VALUES (${pageId}, ${sendKey}, ${m.platform}, ${m.channelId}, ${m.messageId}, ${at})
      ON CONFLICT ("send_key") DO NOTHING`;
    return n > 0;
  }

  async hasMessage(sendKey: string) {
    return (await this.db.pageMessage.count({ where: { sendKey } })) > 0;
  }

  async byNumbers(numbers: readonly number[]): Promise<Page[]> {
    if (!numbers.length) return [];
    return (await this.db.page.findMany({ where: { number: { in: [...numbers] } } })).map(toPage);
  }

  async sentKeys(keys: readonly string[]): Promise<Set<string>> {
    if (!keys.length) return new Set();
    const rows = await this.db.pageMessage.findMany({
      where: { sendKey: { in: [...keys] } },
      select: { sendKey: true },
    });
    return new Set(rows.map((r) => r.sendKey));
  }

  async addMessages(rows: readonly { pageId: number; sendKey: string; message: PageMessage }[], at: Date) {
    for (const part of chunks(rows))
      await this.db.$executeRaw`
        INSERT INTO "page_message" ("page_id", "send_key", "platform", "channel_id", "message_id", "created_at")
        VALUES ${join(part.map((r) => sql`(${int(r.pageId)}, ${r.sendKey}, ${r.message.platform}, ${r.message.channelId}, ${r.message.messageId}, ${at})`))}
        ON CONFLICT ("send_key") DO NOTHING`;
  }

  async messagesOf(pageIds: readonly number[]): Promise<Map<number, PageMessage[]>> {
    const out = new Map<number, PageMessage[]>();
    if (!pageIds.length) return out;
    const rows = await this.db.pageMessage.findMany({
      where: { pageId: { in: [...pageIds] } },
      orderBy: { id: 'asc' },
    });
    for (const r of rows) {
      const list = out.get(r.pageId) ?? [];
      list.push({ platform: r.platform as Platform, channelId: r.channelId, messageId: r.messageId });
      out.set(r.pageId, list);
    }
    return out;
  }

  async failedSteps(pageIds: readonly number[]): Promise<Map<number, StepRecord>> {
    const out = new Map<number, StepRecord>();
    if (!pageIds.length) return out;
    const rows = await this.db.pageStep.findMany({
      where: { pageId: { in: [...pageIds] }, state: 'failed' },
      orderBy: { seq: 'asc' },
    });
    for (const r of rows) out.set(r.pageId, toStep(r));
    return out;
  }

  async messages(pageId: number): Promise<PageMessage[]> {
    const rows = await this.db.pageMessage.findMany({ where: { pageId }, orderBy: { id: 'asc' } });
    return rows.map((r) => ({ platform: r.platform as Platform, channelId: r.channelId, messageId: r.messageId }));
  }
}

export class PrismaOverrideRepo implements OverrideRepo {
  constructor(private readonly db: Queryable) {}

  create(o: Omit<OncallOverrideRow, 'id' | 'cancelledAt' | 'cancelledBy'>): Promise<OncallOverrideRow> {
    return this.db.oncallOverride.create({ data: o });
  }

  byId(id: number): Promise<OncallOverrideRow | null> {
    return this.db.oncallOverride.findUnique({ where: { id } });
  }

  async active(scheduleIds: readonly string[], from: Date, to: Date): Promise<OncallOverrideRow[]> {
    const rows = await this.db.oncallOverride.findMany({
      where: {
        scheduleId: { in: [...scheduleIds] },
        endsAt: { gt: from },
        startsAt: { lt: to },
        OR: [{ cancelledAt: null }, { cancelledAt: { gt: from } }],
      },
      orderBy: { id: 'asc' },
    });
    // Cancelled before it started: it never counted.
    return rows.filter((r) => r.cancelledAt === null || r.cancelledAt > r.startsAt);
  }

  async cancel(id: number, by: string, at: Date): Promise<OncallOverrideRow | null> {
    const n = await this.db.oncallOverride.updateMany({
      where: { id, cancelledAt: null, endsAt: { gt: at } },
      data: { cancelledAt: at, cancelledBy: by },
    });
    return n.count === 1 ? this.byId(id) : null;
  }
}
