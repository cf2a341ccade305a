// The status page's version, public events and their updates, component states, outage periods
// and announce messages, on Prisma (SQLite and PostgreSQL).
import type {
  ComponentState,
  ComponentStatus,
  EventStatus,
  Impact,
  Period,
  StatusEvent,
  StatusMessage,
  StatusUpdate,
} from '../core/status/model.js';
import type { NewStatusEvent, NewStatusUpdate, StatusEventPatch, StatusRepo } from '../core/status/ports.js';
import type { Platform } from '../core/platform.js';
import type { Queryable } from './client.js';

type EventRow = Awaited<ReturnType<Queryable['statusEvent']['findUniqueOrThrow']>>;

function toEvent(r: EventRow): StatusEvent {
  return {
    ...r,
    kind: r.kind as StatusEvent['kind'],
    status: r.status as EventStatus,
    impact: r.impact as Impact,
    components: JSON.parse(r.components) as Record<string, ComponentStatus>,
  };
}

const columns = (p: StatusEventPatch) => {
  const { components, ...rest } = p;
  return { ...rest, ...(components ? { components: JSON.stringify(components) } : {}) };
};

export class PrismaStatusRepo implements StatusRepo {
  constructor(private readonly db: Queryable) {}

  async bump(at: Date): Promise<number> {
    const rows = await this.db.$queryRaw<{ version: number | bigint }[]>`
      INSERT INTO "status_page" ("id", "version", "changed_at") VALUES (1, 1, ${at})
      ON CONFLICT ("id") DO UPDATE SET "version" = "status_page"."version" + 1, "changed_at" = excluded."changed_at"
      RETURNING "version"`;
    const v = rows[0]?.version;
    if (v === undefined) throw new Error('status page version: no value returned');
    return Number(v);
  }

  async version() {
    const row = await this.db.statusPage.findUnique({ where: { id: 1 } });
    return row ? { version: row.version, changedAt: row.changedAt } : { version: 0, changedAt: null };
  }

  async createEvent(e: NewStatusEvent) {
    const row = await this.db.statusEvent.create({
      data: { ...e, components: JSON.stringify(e.components), updatedAt: e.createdAt, version: 1 },
    });
    return toEvent(row);
  }

  async eventById(id: number) {
    const r = await this.db.statusEvent.findUnique({ where: { id } });
    return r ? toEvent(r) : null;
  }

  async eventByIncident(n: number) {
    const r = await this.db.statusEvent.findUnique({ where: { incidentNumber: n } });
    return r ? toEvent(r) : null;
  }

  async eventByChange(n: number) {
    const r = await this.db.statusEvent.findUnique({ where: { changeNumber: n } });
    return r ? toEvent(r) : null;
  }

  async eventByCode(code: string) {
    const r = await this.db.statusEvent.findUnique({ where: { code } });
    return r ? toEvent(r) : null;
  }

  async updateEvent(id: number, patch: StatusEventPatch, at: Date) {
    const r = await this.db.statusEvent.update({
      where: { id },
      data: { ...columns(patch), updatedAt: at, version: { increment: 1 } },
    });
    return toEvent(r);
  }

  async activeEvents() {
    const rows = await this.db.statusEvent.findMany({
      where: {
        OR: [
          { kind: 'incident', status: { in: ['investigating', 'identified', 'monitoring'] } },
          { kind: 'maintenance', status: { in: ['scheduled', 'in_progress', 'verifying'] }, withdrawnAt: null },
        ],
      },
      orderBy: { id: 'asc' },
    });
    return rows.map(toEvent);
  }

  async recentEvents(kind: StatusEvent['kind'], limit: number) {
    const rows = await this.db.statusEvent.findMany({
      where: { kind, withdrawnAt: null },
      orderBy: { id: 'desc' },
      take: limit,
    });
    return rows.map(toEvent);
  }

  async addUpdate(u: NewStatusUpdate): Promise<StatusUpdate> {
    const r = await this.db.statusUpdate.create({ data: u });
    return { ...r, status: r.status as EventStatus };
  }

  async updates(eventIds: readonly number[]): Promise<StatusUpdate[]> {
    if (!eventIds.length) return [];
    const rows = await this.db.statusUpdate.findMany({
      where: { eventId: { in: [...eventIds] } },
      orderBy: [{ displayAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map((r) => ({ ...r, status: r.status as EventStatus }));
  }

  async components(): Promise<ComponentState[]> {
    const rows = await this.db.statusComponent.findMany({ orderBy: { id: 'asc' } });
    return rows.map((r) => ({
      ...r,
      manual: r.manual as ComponentStatus | null,
      status: r.status as ComponentStatus,
    }));
  }

  async saveComponent(c: ComponentState): Promise<void> {
    await this.db.statusComponent.upsert({
      where: { id: c.id },
      create: c,
      update: { manual: c.manual, status: c.status, since: c.since },
    });
  }

  async openPeriod(componentId: string, status: Period['status'], at: Date): Promise<void> {
    await this.closePeriod(componentId, at);
    await this.db.statusPeriod.create({ data: { componentId, status, startedAt: at } });
  }

  async closePeriod(componentId: string, at: Date): Promise<void> {
    await this.db.statusPeriod.updateMany({ where: { componentId, endedAt: null }, data: { endedAt: at } });
  }

  async periods(since: Date): Promise<Period[]> {
    const rows = await this.db.statusPeriod.findMany({
      where: { OR: [{ endedAt: null }, { endedAt: { gte: since } }] },
      orderBy: [{ startedAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map((r) => ({
      componentId: r.componentId,
      status: r.status as Period['status'],
      startedAt: r.startedAt,
      endedAt: r.endedAt,
    }));
  }

  async addMessage(eventId: number, m: StatusMessage, at: Date): Promise<boolean> {
    const n = await this.db.$executeRaw`
      INSERT INTO "status_message" ("event_id", "platform", "channel_id", "message_id", "created_at")
      VALUES (${eventId}, ${m.platform}, ${m.channelId}, ${m.messageId}, ${at})
      ON CONFLICT ("event_id", "platform") DO NOTHING`;
    return n > 0;
  }

  async messages(eventId: number): Promise<StatusMessage[]> {
    const rows = await this.db.statusMessage.findMany({ where: { eventId }, orderBy: { id: 'asc' } });
    return rows.map((r) => ({ platform: r.platform as Platform, channelId: r.channelId, messageId: r.messageId }));
  }

  async messageOn(eventId: number, platform: Platform): Promise<StatusMessage | null> {
    const r = await this.db.statusMessage.findUnique({ where: { eventId_platform: { eventId, platform } } });
    return r ? { platform: r.platform as Platform, channelId: r.channelId, messageId: r.messageId } : null;
  }
}
