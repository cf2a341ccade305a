// Alert groups, alerts, cards, silences, rate windows, heartbeats and service change events on
// Prisma (SQLite and PostgreSQL). The (integration, group key) row is the lock that makes one
// open group per key: INSERT … ON CONFLICT DO UPDATE takes its row lock on PostgreSQL and returns
// the open group as the lock holder left it.
import type {
  Alert,
  AlertEvent,
  AlertGroup,
  AlertSource,
  GroupState,
  HeartbeatRow,
  HeartbeatState,
  Labels,
  Link,
  Silence,
  Suppression,
} from '../core/alerts/model.js';
import type {
  AlertMessageRow,
  AlertPatch,
  AlertRepo,
  GroupFilter,
  GroupPatch,
  NewAlert,
  NewGroup,
  ServiceChange,
} from '../core/alerts/ports.js';
import type { Queryable } from './client.js';
import { nextCounter } from './counter.js';

type GroupRow = Awaited<ReturnType<Queryable['alertGroup']['findUniqueOrThrow']>>;
type AlertRow = Awaited<ReturnType<Queryable['alert']['findUniqueOrThrow']>>;
type SilenceRow = Awaited<ReturnType<Queryable['alertSilence']['findUniqueOrThrow']>>;

const json = <T>(s: string) => JSON.parse(s) as T;

function toGroup(r: GroupRow): AlertGroup {
  const s = r.suppressed ? json<Omit<Suppression, 'until'> & { until?: string }>(r.suppressed) : null;
  return {
    ...r,
    source: r.source as AlertSource,
    state: r.state as GroupState,
    labels: json<Labels>(r.labels),
    links: json<Link[]>(r.links),
    suppressed: s ? { ...s, until: s.until ? new Date(s.until) : undefined } : null,
  };
}

const toAlert = (r: AlertRow): Alert => ({
  ...r,
  status: r.status as Alert['status'],
  labels: json<Labels>(r.labels),
  annotations: json<Labels>(r.annotations),
});

const toSilence = (r: SilenceRow): Silence => ({
  ...r,
  matchers: json<Labels>(r.matchers),
  services: r.services ? json<string[]>(r.services) : null,
});

function groupColumns(p: GroupPatch) {
  const { suppressed, ...rest } = p;
  return {
    ...rest,
    ...(suppressed !== undefined ? { suppressed: suppressed ? JSON.stringify(suppressed) : null } : {}),
  };
}

export class PrismaAlertRepo implements AlertRepo {
  constructor(private readonly db: Queryable) {}

  async lockKey(integration: string, groupKey: string, at: Date) {
    const rows = await this.db.$queryRaw<{ open_group_id: number | bigint | null }[]>`
      INSERT INTO "alert_key" ("integration", "group_key", "open_group_id", "touched_at")
      VALUES (${integration}, ${groupKey}, NULL, ${at})
      ON CONFLICT ("integration", "group_key") DO UPDATE SET "touched_at" = excluded."touched_at"
      RETURNING "open_group_id"`;
    const id = rows[0]?.open_group_id;
    return id === null || id === undefined ? null : Number(id);
  }

  async setOpen(integration: string, groupKey: string, groupId: number | null, at: Date) {
    await this.db.alertKey.update({
      where: { integration_groupKey: { integration, groupKey } },
      data: { openGroupId: groupId, touchedAt: at },
    });
  }

  async createGroup(g: NewGroup, at: Date) {
    const number = await nextCounter(this.db, 'alert');
    const row = await this.db.alertGroup.create({
      data: {
        ...g,
        number,
        labels: JSON.stringify(g.labels),
        links: JSON.stringify(g.links),
        suppressed: g.suppressed ? JSON.stringify(g.suppressed) : null,
        version: 1,
        updatedAt: at,
      },
    });
    return toGroup(row);
  }

  async group(id: number) {
    const r = await this.db.alertGroup.findUnique({ where: { id } });
    return r ? toGroup(r) : null;
  }
  async byNumber(number: number) {
    const r = await this.db.alertGroup.findUnique({ where: { number } });
    return r ? toGroup(r) : null;
  }
  async byPage(pageNumber: number) {
    const r = await this.db.alertGroup.findFirst({ where: { pageNumber } });
    return r ? toGroup(r) : null;
  }

  async updateGroup(id: number, patch: GroupPatch, at: Date) {
    return toGroup(
      await this.db.alertGroup.update({
        where: { id },
        data: { ...groupColumns(patch), version: { increment: 1 }, updatedAt: at },
      }),
    );
  }

  async list(f: GroupFilter) {
    const rows = await this.db.alertGroup.findMany({
      where: {
        ...(f.states ? { state: { in: [...f.states] } } : {}),
        ...(f.serviceIds ? { serviceId: { in: [...f.serviceIds] } } : {}),
        ...(f.integration ? { integration: f.integration } : {}),
        ...(f.since ? { createdAt: { gte: f.since } } : {}),
        ...(f.suppressedKind ? { suppressed: { startsWith: `{"kind":"${f.suppressedKind}"` } } : {}),
      },
      orderBy: { number: 'desc' },
      take: f.limit,
    });
    return rows.map(toGroup);
  }

  async counts(f: { serviceIds?: readonly string[] }) {
    const rows = await this.db.alertGroup.groupBy({
      by: ['state'],
      where: f.serviceIds ? { serviceId: { in: [...f.serviceIds] } } : {},
      _count: { _all: true },
    });
    const out: Record<GroupState, number> = { firing: 0, acknowledged: 0, resolved: 0, silenced: 0 };
    for (const r of rows) out[r.state as GroupState] = r._count._all;
    return out;
  }

  async alerts(groupId: number) {
    return (await this.db.alert.findMany({ where: { groupId }, orderBy: { id: 'asc' } })).map(toAlert);
  }

  async groupWithFingerprint(integration: string, fingerprint: string) {
    const r = await this.db.alert.findFirst({
      where: { fingerprint, group: { integration } },
      select: { group: { select: { number: true } } },
    });
    return r?.group.number ?? null;
  }

  async addAlerts(groupId: number, alerts: readonly NewAlert[], at: Date) {
    if (!alerts.length) return;
    await this.db.alert.createMany({
      data: alerts.map((a) => ({
        ...a,
        groupId,
        labels: JSON.stringify(a.labels),
        annotations: JSON.stringify(a.annotations),
        firstSeenAt: at,
        lastSeenAt: at,
      })),
    });
  }

  async updateAlert(id: number, patch: AlertPatch, at: Date) {
    const { labels, annotations, ...rest } = patch;
    await this.db.alert.update({
      where: { id },
      data: {
        ...rest,
        ...(labels ? { labels: JSON.stringify(labels) } : {}),
        ...(annotations ? { annotations: JSON.stringify(annotations) } : {}),
        lastSeenAt: at,
      },
    });
  }

  async resolveAll(groupId: number, at: Date) {
    const r = await this.db.alert.updateMany({
      where: { groupId, status: 'firing' },
      data: { status: 'resolved', endsAt: at, lastSeenAt: at },
    });
    return r.count;
  }

  async addEvent(groupId: number, text: string, at: Date) {
    await this.db.alertEvent.create({ data: { groupId, text: text.slice(0, 2000), at } });
  }

  async addEvents(groupId: number, texts: readonly string[], at: Date) {
    if (!texts.length) return;
    await this.db.alertEvent.createMany({ data: texts.map((text) => ({ groupId, text: text.slice(0, 2000), at })) });
  }

  async events(groupId: number, limit: number): Promise<AlertEvent[]> {
    const rows = await this.db.alertEvent.findMany({ where: { groupId }, orderBy: { id: 'desc' }, take: limit });
    return rows.reverse().map((r) => ({ at: r.at, text: r.text }));
  }

  async addMessage(groupId: number, sendKey: string, m: AlertMessageRow, at: Date) {
    const n = await this.db.$executeRaw`
      INSERT INTO "alert_message" ("group_id", "send_key", "platform", "channel_id", "message_id", "created_at")
      VALUES (${groupId}, ${sendKey}, ${m.platform}, ${m.channelId}, ${m.messageId}, ${at})
      ON CONFLICT ("send_key") DO NOTHING`;
    return n > 0;
  }
  async hasMessage(sendKey: string) {
    return (await this.db.alertMessage.count({ where: { sendKey } })) > 0;
  }
  async messages(groupId: number) {
    return this.db.alertMessage.findMany({
      where: { groupId },
      orderBy: { id: 'asc' },
      select: { platform: true, channelId: true, messageId: true },
    });
  }

  async bumpRate(integration: string, start: Date, n: number) {
    const rows = await this.db.$queryRaw<{ count: number | bigint }[]>`
      INSERT INTO "alert_rate" ("integration", "window_start", "count") VALUES (${integration}, ${start}, ${n})
      ON CONFLICT ("integration", "window_start") DO UPDATE SET "count" = "alert_rate"."count" + excluded."count"
      RETURNING "count"`;
    return Number(rows[0]?.count ?? n);
  }

  async createSilence(s: {
    matchers: Labels;
    services: string[] | null;
    reason: string;
    createdBy: string;
    startsAt: Date;
    endsAt: Date;
  }) {
    const number = await nextCounter(this.db, 'silence');
    const data = {
      ...s,
      number,
      matchers: JSON.stringify(s.matchers),
      services: s.services ? JSON.stringify(s.services) : null,
    };
    return toSilence(await this.db.alertSilence.create({ data }));
  }
  async silence(number: number) {
    const r = await this.db.alertSilence.findUnique({ where: { number } });
    return r ? toSilence(r) : null;
  }
  async activeSilences(at: Date) {
    const rows = await this.db.alertSilence.findMany({
      where: { removedAt: null, startsAt: { lte: at }, endsAt: { gt: at } },
      orderBy: { number: 'asc' },
    });
    return rows.map(toSilence);
  }
  async removeSilence(id: number, by: string, at: Date) {
    await this.db.alertSilence.update({ where: { id }, data: { removedBy: by, removedAt: at } });
  }

  async heartbeat(id: string) {
    const r = await this.db.heartbeat.findUnique({ where: { id } });
    return r ? { ...r, state: r.state as HeartbeatState } : null;
  }
  async heartbeats() {
    return (await this.db.heartbeat.findMany({ orderBy: { id: 'asc' } })).map((r): HeartbeatRow => ({
      ...r,
      state: r.state as HeartbeatState,
    }));
  }
  async saveHeartbeat(h: HeartbeatRow) {
    const { id, ...rest } = h;
    await this.db.heartbeat.upsert({ where: { id }, create: h, update: rest });
  }

  async recordChange(c: ServiceChange, at: Date) {
    const n = await this.db.$executeRaw`
      INSERT INTO "service_change_event" ("key", "integration", "service_id", "summary", "source", "at", "links", "details", "created_at")
      VALUES (${c.key}, ${c.integration}, ${c.serviceId}, ${c.summary}, ${c.source}, ${c.at}, ${JSON.stringify(c.links)}, ${JSON.stringify(c.details)}, ${at})
      ON CONFLICT ("key") DO NOTHING`;
    return n > 0;
  }
  async changesSince(serviceId: string, since: Date, limit: number) {
    const rows = await this.db.serviceChangeEvent.findMany({
      where: { serviceId, at: { gte: since } },
      orderBy: { at: 'desc' },
      take: limit,
    });
    return rows.map((r): ServiceChange => ({
      key: r.key,
      integration: r.integration,
      serviceId: r.serviceId,
      summary: r.summary,
      source: r.source,
      at: r.at,
      links: json<Link[]>(r.links),
      details: json<Record<string, unknown>>(r.details),
    }));
  }
}
