// Incidents, their timeline and the messages kept current, on Prisma (SQLite and PostgreSQL).
import type {
  Incident,
  IncidentMessage,
  IncidentStatus,
  TimelineEntry,
  TimelineKind,
  WarRoomState,
} from '../core/incidents/model.js';
import type { IncidentPatch, IncidentRepo, NewIncident, NewTimelineEntry } from '../core/incidents/ports.js';
import type { Platform } from '../core/ports.js';
import type { Queryable } from './client.js';
import { nextCounter } from './counter.js';

type Row = Awaited<ReturnType<Queryable['incident']['findUniqueOrThrow']>>;

function toIncident(r: Row): Incident {
  return {
    id: r.id,
    number: r.number,
    declareKey: r.declareKey,
    title: r.title,
    severity: r.severity,
    status: r.status as IncidentStatus,
    serviceId: r.serviceId,
    summary: r.summary,
    declaredBy: r.declaredBy,
    declaredPlatform: r.declaredPlatform as Platform,
    declaredUserId: r.declaredUserId,
    declaredChannel: r.declaredChannel,
    pageOncall: r.pageOncall,
    declaredAt: r.declaredAt,
    acknowledgedAt: r.acknowledgedAt,
    mitigatedAt: r.mitigatedAt,
    resolvedAt: r.resolvedAt,
    resolution: r.resolution,
    postmortem: r.postmortem,
    roles: JSON.parse(r.roles) as Record<string, string>,
    warRoom: {
      platform: r.warRoomPlatform as Platform,
      channelId: r.warRoomChannel,
      name: r.warRoomName,
      state: r.warRoomState as WarRoomState,
      error: r.warRoomError,
    },
    version: r.version,
    updatedAt: r.updatedAt,
  };
}

function columns(p: IncidentPatch) {
  const { roles, warRoom, ...rest } = p;
  return {
    ...rest,
    ...(roles ? { roles: JSON.stringify(roles) } : {}),
    ...(warRoom
      ? {
          warRoomPlatform: warRoom.platform,
          warRoomChannel: warRoom.channelId,
          warRoomName: warRoom.name,
          warRoomState: warRoom.state,
          warRoomError: warRoom.error,
        }
      : {}),
  };
}

export class PrismaIncidentRepo implements IncidentRepo {
  constructor(private readonly db: Queryable) {}

  nextNumber(): Promise<number> {
    return nextCounter(this.db, 'incident');
  }

  async create(i: NewIncident, at: Date): Promise<Incident> {
    const row = await this.db.incident.create({
      data: {
        number: i.number,
        declareKey: i.declareKey,
        title: i.title,
        severity: i.severity,
        status: i.status,
        serviceId: i.serviceId,
        summary: i.summary,
        declaredBy: i.declaredBy,
        declaredPlatform: i.declaredPlatform,
        declaredUserId: i.declaredUserId,
        declaredChannel: i.declaredChannel,
        pageOncall: i.pageOncall,
        declaredAt: i.declaredAt,
        roles: JSON.stringify(i.roles),
        warRoomPlatform: i.warRoom.platform,
        warRoomChannel: i.warRoom.channelId,
        warRoomName: i.warRoom.name,
        warRoomState: i.warRoom.state,
        warRoomError: i.warRoom.error,
        version: 1,
        updatedAt: at,
      },
    });
    return toIncident(row);
  }

  async byNumber(n: number) {
    const r = await this.db.incident.findUnique({ where: { number: n } });
    return r ? toIncident(r) : null;
  }

  async byDeclareKey(key: string) {
    const r = await this.db.incident.findUnique({ where: { declareKey: key } });
    return r ? toIncident(r) : null;
  }

  async byWarRoom(platform: Platform, channelId: string) {
    const r = await this.db.incident.findFirst({
      where: { warRoomPlatform: platform, warRoomChannel: channelId },
      orderBy: { number: 'desc' },
    });
    return r ? toIncident(r) : null;
  }

  async update(id: number, expectedVersion: number, patch: IncidentPatch, at: Date) {
    const n = await this.db.incident.updateMany({
      where: { id, version: expectedVersion },
      data: { ...columns(patch), version: expectedVersion + 1, updatedAt: at },
    });
    if (n.count === 0) return null;
    return toIncident(await this.db.incident.findUniqueOrThrow({ where: { id } }));
  }

  async addTimeline(e: NewTimelineEntry): Promise<boolean> {
    const data = e.data ? JSON.stringify(e.data) : null;
    const written = await this.db.$executeRaw`
      INSERT INTO "timeline_entry" ("incident_id", "at", "kind", "actor_person", "actor_name", "text", "data", "dedupe_key")
      VALUES (${e.incidentId}, ${e.at}, ${e.kind}, ${e.actorPerson}, ${e.actorName}, ${e.text}, ${data}, ${e.dedupeKey ?? null})
      ON CONFLICT ("incident_id", "dedupe_key") DO NOTHING`;
    return written > 0;
  }

  async timeline(incidentId: number): Promise<TimelineEntry[]> {
    const rows = await this.db.timelineEntry.findMany({
      where: { incidentId },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
    });
    return rows.map((r) => ({
      id: r.id,
      incidentId: r.incidentId,
      at: r.at,
      kind: r.kind as TimelineKind,
      actorPerson: r.actorPerson,
      actorName: r.actorName,
      text: r.text,
      data: r.data ? (JSON.parse(r.data) as Record<string, unknown>) : null,
      dedupeKey: r.dedupeKey,
    }));
  }

  async addMessage(incidentId: number, m: IncidentMessage, at: Date) {
    await this.db.$executeRaw`
      INSERT INTO "incident_message" ("incident_id", "platform", "channel_id", "message_id", "kind", "thread_id", "created_at")
      VALUES (${incidentId}, ${m.platform}, ${m.channelId}, ${m.messageId}, ${m.kind}, ${m.threadId}, ${at})
      ON CONFLICT ("platform", "channel_id", "message_id") DO NOTHING`;
  }

  async messages(incidentId: number): Promise<IncidentMessage[]> {
    const rows = await this.db.incidentMessage.findMany({ where: { incidentId }, orderBy: { id: 'asc' } });
    return rows.map((r) => ({
      platform: r.platform as Platform,
      channelId: r.channelId,
      messageId: r.messageId,
      kind: r.kind as IncidentMessage['kind'],
      threadId: r.threadId,
    }));
  }

  async list(filter: { statuses?: readonly IncidentStatus[]; declaredSince?: Date }) {
    const rows = await this.db.incident.findMany({
      where: {
        ...(filter.statuses ? { status: { in: [...filter.statuses] } } : {}),
        ...(filter.declaredSince ? { declaredAt: { gte: filter.declaredSince } } : {}),
      },
      orderBy: { number: 'asc' },
    });
    return rows.map(toIncident);
  }
}
