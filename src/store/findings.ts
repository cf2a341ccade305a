// Findings, the per-service import lock, the import log, finding events and the KEV catalog on
// Prisma (SQLite and PostgreSQL). Imports write in chunks of multi-row statements
// (INSERT … ON CONFLICT DO UPDATE, UPDATE … WHERE id IN (…)), never one statement per finding.
// The upsert hands the database one JSON text per chunk (SQLite json_each, PostgreSQL
// json_populate_recordset) instead of 29 bound parameters per row: at 100,000 findings that is
// several times faster and keeps the client's memory flat.
import { join, raw, sqltag as sql } from '@prisma/client/runtime/client';
import type { Finding, FindingState, ScannerWord, Severity } from '../core/patches/findings/model.js';
import type { FindingLocation } from '../core/patches/findings/parsers/types.js';
import type {
  DeadlineGroup,
  DeadlineRow,
  DigestCountRow,
  FindingEvent,
  FindingEventKind,
  FindingFilter,
  FindingRepo,
  FindingSnapshot,
  FindingWrite,
  ImportLogRow,
  ImportRecord,
  KevEntry,
  NoticeRow,
} from '../core/patches/findings/ports.js';
import type { Queryable } from './client.js';
import type { Dialect } from './dialect.js';

type Row = Awaited<ReturnType<Queryable['finding']['findUniqueOrThrow']>>;

/** Rows per multi-row INSERT of bound parameters (29 each: below SQLite's 32,766 and PostgreSQL's 65,535). */
const UPSERT_CHUNK = 1000;
/** Rows per INSERT … SELECT from one JSON text. */
const JSON_CHUNK = 5000;
/** How long an import waits for another process's import of the same SQLite database. */
const LOCK_WAIT_MS = 60_000;
/** Ids per `WHERE id IN (…)`. */
const ID_CHUNK = 5000;
/** Severities in the order the worst offenders are listed. */
const WORST_ORDER: Severity[] = ['critical', 'high', 'medium', 'low', 'unknown', 'none'];

const COLUMNS = [
  'service_id',
  'key',
  'vuln_id',
  'aliases',
  'package_name',
  'ecosystem',
  'purl',
  'installed_version',
  'fixed_versions',
  'severity',
  'cvss',
  'cvss_vector',
  'known_exploited',
  'reported_exploited',
  'kev_due_date',
  'epss',
  'location',
  'title',
  'url',
  'remediation',
  'state',
  'justification',
  'scanners',
  'first_seen_at',
  'last_seen_at',
  'fixed_at',
  'deadline',
  'digest',
  'updated_at',
] as const;
/** Every column an import may rewrite: all but the identity and the first-seen instant. */
const UPDATED = COLUMNS.filter((c) => c !== 'service_id' && c !== 'key' && c !== 'first_seen_at');
const COLUMN_LIST = COLUMNS.map((c) => `"${c}"`).join(', ');
const SQLITE_JSON_SELECT = raw(
  `INSERT INTO "finding" (${COLUMN_LIST}) SELECT ${COLUMNS.map((_, i) => `json_extract("value", '$[${i}]')`).join(', ')} FROM json_each(`,
);
const SQLITE_JSON_END = raw(`) WHERE true`);
const PG_JSON_SELECT = raw(
  `INSERT INTO "finding" (${COLUMN_LIST}) SELECT ${COLUMN_LIST} FROM json_populate_recordset(NULL::"finding", `,
);
const PG_JSON_END = raw(`::json)`);
/** A finding whose deadline moves is told of its passing again (for the new deadline): the mark is cleared. */
const CLEAR_TOLD = `"overdue_for" = CASE WHEN "finding"."deadline" = excluded."deadline" THEN "finding"."overdue_for" ELSE NULL END`;
const UPSERT_TAIL = raw(
  ` ON CONFLICT ("service_id", "key") DO UPDATE SET ${UPDATED.map((c) => `"${c}" = excluded."${c}"`).join(', ')}, ${CLEAR_TOLD}`,
);

/** A row's values in COLUMNS order, as JSON values; instants in the text form Prisma stores on SQLite. */
function jsonRow(f: FindingWrite, at: Date, sqlite: boolean): unknown[] {
  const t = (d: Date | null) => (d === null ? null : sqlite ? d.toISOString().replace('Z', '+00:00') : d.toISOString());
  return [
    f.serviceId,
    f.key,
    f.vulnId,
    JSON.stringify(f.aliases),
    f.packageName,
    f.ecosystem,
    f.purl,
    f.installedVersion,
    JSON.stringify(f.fixedVersions),
    f.severity,
    f.cvss,
    f.cvssVector,
    sqlite ? Number(f.knownExploited) : f.knownExploited,
    sqlite ? Number(f.reportedExploited) : f.reportedExploited,
    t(f.kevDueDate),
    f.epss,
    JSON.stringify(f.location),
    f.title,
    f.url,
    f.remediation,
    f.state,
    f.justification,
    JSON.stringify(f.scanners),
    t(f.firstSeenAt),
    t(f.lastSeenAt),
    t(f.fixedAt),
    t(f.deadline),
    f.digest,
    t(at),
  ];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function toFinding(row: Row): Finding {
  // Which deadlines owners were told of is the reminders' business, not part of a finding.
  const { remindedFor: _r, overdueFor: _o, ...r } = row;
  return {
    ...r,
    aliases: JSON.parse(r.aliases) as string[],
    fixedVersions: JSON.parse(r.fixedVersions) as string[],
    location: JSON.parse(r.location) as FindingLocation,
    scanners: JSON.parse(r.scanners) as Record<string, ScannerWord>,
    severity: r.severity as Severity,
    state: r.state as FindingState,
  };
}

export class PrismaFindingRepo implements FindingRepo {
  constructor(
    private readonly db: Queryable,
    private readonly dialect: Dialect,
  ) {}

  /**
   * Runs the first write of a transaction, which takes the row locks (PostgreSQL) or the database
   * write lock (SQLite) before anything is read. On SQLite a transaction begun while another
   * process writes answers SQLITE_BUSY at once (its snapshot is stale, the busy timeout does not
   * apply): nothing is read or written yet, so the statement is tried again.
   */
  private async firstWrite(write: () => Promise<unknown>): Promise<void> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        await write();
        return;
      } catch (err) {
        if (!/SQLITE_BUSY/.test(String((err as Error).message)) || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
      }
    }
  }

  async lockService(serviceId: string, at: Date): Promise<void> {
    await this.firstWrite(
      () =>
        this.db
          .$executeRaw`INSERT INTO "finding_service" ("service_id", "imports") VALUES (${serviceId}, 0) ON CONFLICT ("service_id") DO NOTHING`,
    );
    await this.db
      .$executeRaw`UPDATE "finding_service" SET "imports" = "imports" + 1, "last_import_at" = ${at} WHERE "service_id" = ${serviceId}`;
  }

  async lockAllServices(): Promise<void> {
    await this.firstWrite(() => this.db.$executeRaw`UPDATE "finding_service" SET "imports" = "imports"`);
  }

  async snapshot(serviceId: string): Promise<FindingSnapshot[]> {
    const rows = await this.db.finding.findMany({
      where: { serviceId },
      select: { id: true, key: true, digest: true, state: true, scanners: true, firstSeenAt: true },
    });
    return rows.map((r) => ({
      ...r,
      state: r.state as FindingState,
      scanners: JSON.parse(r.scanners) as Record<string, ScannerWord>,
    }));
  }

  async upsert(rows: readonly FindingWrite[], at: Date): Promise<void> {
    if (this.dialect === 'sqlite') {
      for (const part of chunks(rows, JSON_CHUNK))
        await this.db
          .$executeRaw`${SQLITE_JSON_SELECT}${JSON.stringify(part.map((f) => jsonRow(f, at, true)))}${SQLITE_JSON_END}${UPSERT_TAIL}`;
    } else {
      for (const part of chunks(rows, JSON_CHUNK)) {
        // jsonRow gives one value per column, in COLUMNS order.
        const objects = part.map((f) => Object.fromEntries(jsonRow(f, at, false).map((v, i) => [COLUMNS[i]!, v])));
        await this.db.$executeRaw`${PG_JSON_SELECT}${JSON.stringify(objects)}${PG_JSON_END}${UPSERT_TAIL}`;
      }
    }
  }

  async setScanners(
    groups: readonly { ids: number[]; scanners: Record<string, ScannerWord>; state: FindingState }[],
    at: Date,
  ): Promise<void> {
    for (const g of groups)
      for (const ids of chunks(g.ids, ID_CHUNK))
        await this.db
          .$executeRaw`UPDATE "finding" SET "scanners" = ${JSON.stringify(g.scanners)}, "state" = ${g.state}, "updated_at" = ${at} WHERE "id" IN (${join(ids)})`;
  }

  async markFixed(ids: readonly number[], at: Date): Promise<void> {
    for (const part of chunks(ids, ID_CHUNK))
      await this.db
        .$executeRaw`UPDATE "finding" SET "state" = 'fixed', "scanners" = '{}', "fixed_at" = ${at}, "updated_at" = ${at} WHERE "id" IN (${join(part)})`;
  }

  async addEvents(events: readonly FindingEvent[]): Promise<void> {
    for (const part of chunks(events, UPSERT_CHUNK))
      await this.db
        .$executeRaw`INSERT INTO "finding_event" ("finding_id", "import_id", "kind", "detail", "at") VALUES ${join(part.map((e) => sql`(${e.findingId}, ${e.importId}, ${e.kind}, ${e.detail ?? null}, ${e.at})`))}`;
  }

  async logImport(row: ImportLogRow): Promise<number> {
    return (await this.db.findingImport.create({ data: row, select: { id: true } })).id;
  }

  async deadlineRows(serviceId?: string): Promise<DeadlineRow[]> {
    const rows = await this.db.finding.findMany({
      where: { state: { not: 'fixed' }, ...(serviceId ? { serviceId } : {}) },
      select: {
        id: true,
        serviceId: true,
        vulnId: true,
        aliases: true,
        severity: true,
        firstSeenAt: true,
        reportedExploited: true,
        knownExploited: true,
        kevDueDate: true,
        deadline: true,
      },
    });
    return rows.map((r) => ({ ...r, severity: r.severity as Severity, aliases: JSON.parse(r.aliases) as string[] }));
  }

  async setDeadlines(groups: readonly DeadlineGroup[], at: Date): Promise<void> {
    for (const g of groups)
      for (const ids of chunks(g.ids, ID_CHUNK))
        await this.db
          .$executeRaw`UPDATE "finding" SET "known_exploited" = ${g.knownExploited}, "kev_due_date" = ${g.kevDueDate}, "deadline" = ${g.deadline}, "overdue_for" = CASE WHEN "deadline" = ${g.deadline} THEN "overdue_for" ELSE NULL END, "updated_at" = ${at} WHERE "id" IN (${join(ids)})`;
  }

  async kev(): Promise<Map<string, KevEntry>> {
    const rows = await this.db.kevEntry.findMany();
    return new Map(
      rows.map((r) => [
        r.cveId,
        { ...r, vendor: r.vendor ?? undefined, product: r.product ?? undefined, name: r.name ?? undefined },
      ]),
    );
  }

  async replaceKev(entries: readonly KevEntry[], at: Date): Promise<void> {
    await this.db.kevEntry.deleteMany({});
    for (const part of chunks(entries, UPSERT_CHUNK))
      await this.db.kevEntry.createMany({
        data: part.map((e) => ({
          ...e,
          vendor: e.vendor ?? null,
          product: e.product ?? null,
          name: e.name ?? null,
          importedAt: at,
        })),
      });
  }

  private where(f: FindingFilter) {
    return {
      state: 'open',
      ...(f.serviceIds ? { serviceId: { in: [...f.serviceIds] } } : {}),
      // Overdue, and not under a risk exception at that instant.
      ...(f.overdueAt
        ? { deadline: { lt: f.overdueAt }, OR: [{ exceptedUntil: null }, { exceptedUntil: { lte: f.overdueAt } }] }
        : {}),
    };
  }

  async setExceptedUntil(id: number, until: Date | null, at: Date): Promise<void> {
    await this.db.finding.update({ where: { id }, data: { exceptedUntil: until, updatedAt: at } });
  }

  async listOpen(
    filter: FindingFilter,
    offset: number,
    limit: number,
  ): Promise<{ total: number; findings: Finding[] }> {
    const where = this.where(filter);
    // One after the other: inside a SQLite transaction both share its one connection. Findings under a
    // risk exception (cleared when it expires) come after the others, whatever their deadline.
    const total = await this.db.finding.count({ where });
    const rows = await this.db.finding.findMany({
      where,
      orderBy: [
        { exceptedUntil: { sort: 'asc', nulls: 'first' } },
        { deadline: { sort: 'asc', nulls: 'last' } },
        { cvss: { sort: 'desc', nulls: 'last' } },
        { id: 'asc' },
      ],
      skip: offset,
      take: limit,
    });
    return { total, findings: rows.map(toFinding) };
  }

  async digestCounts(
    serviceIds: readonly string[],
    now: Date,
    soon: Date,
    since: Date | null,
  ): Promise<DigestCountRow[]> {
    if (serviceIds.length === 0) return [];
    // One pass over the team's open findings (index service_id, state, deadline); a finding under a
    // risk exception is neither overdue nor due soon while it holds.
    const rows = await this.db.$queryRaw<
      { severity: string; open: unknown; overdue: unknown; due_soon: unknown; excepted: unknown; fresh: unknown }[]
    >`
      SELECT "severity",
        COUNT(*) AS "open",
        SUM(CASE WHEN "deadline" < ${now} AND ("excepted_until" IS NULL OR "excepted_until" <= ${now}) THEN 1 ELSE 0 END) AS "overdue",
        SUM(CASE WHEN "deadline" >= ${now} AND "deadline" < ${soon} AND ("excepted_until" IS NULL OR "excepted_until" <= ${now}) THEN 1 ELSE 0 END) AS "due_soon",
        SUM(CASE WHEN "excepted_until" > ${now} THEN 1 ELSE 0 END) AS "excepted",
        SUM(CASE WHEN "first_seen_at" > ${since ?? new Date(0)} THEN 1 ELSE 0 END) AS "fresh"
      FROM "finding" WHERE "service_id" IN (${join([...serviceIds])}) AND "state" = 'open' GROUP BY "severity"`;
    return rows.map((r) => ({
      severity: r.severity as Severity,
      open: Number(r.open),
      overdue: Number(r.overdue ?? 0),
      dueSoon: Number(r.due_soon ?? 0),
      excepted: Number(r.excepted ?? 0),
      fresh: Number(r.fresh ?? 0),
    }));
  }

  async fixedSince(serviceIds: readonly string[], since: Date): Promise<number> {
    if (serviceIds.length === 0) return 0;
    return this.db.finding.count({
      where: { serviceId: { in: [...serviceIds] }, state: 'fixed', fixedAt: { gt: since } },
    });
  }

  async worstOverdue(serviceIds: readonly string[], now: Date, limit: number): Promise<Finding[]> {
    const out: Finding[] = [];
    if (serviceIds.length === 0) return out;
    const base = { ...this.where({ serviceIds, overdueAt: now }) };
    for (const severity of WORST_ORDER) {
      if (out.length >= limit) break;
      const rows = await this.db.finding.findMany({
        where: { ...base, severity },
        orderBy: [{ deadline: 'asc' }, { id: 'asc' }],
        take: limit - out.length,
      });
      out.push(...rows.map(toFinding));
    }
    return out;
  }

  async dueSoon(serviceIds: readonly string[], now: Date, soon: Date, limit: number): Promise<Finding[]> {
    if (serviceIds.length === 0) return [];
    const rows = await this.db.finding.findMany({
      where: {
        state: 'open',
        serviceId: { in: [...serviceIds] },
        deadline: { gte: now, lt: soon },
        OR: [{ exceptedUntil: null }, { exceptedUntil: { lte: now } }],
      },
      orderBy: [{ deadline: 'asc' }, { id: 'asc' }],
      take: limit,
    });
    return rows.map(toFinding);
  }

  async noticesDue(now: Date, ahead: Date, limit: number): Promise<NoticeRow[]> {
    type Raw = {
      id: number;
      service_id: string;
      vuln_id: string;
      package_name: string;
      installed_version: string;
      severity: string;
      deadline: unknown;
      reminded_for: unknown;
      overdue_for: unknown;
    };
    // Passed and not told yet: index (state, overdue_for, deadline) reads only those, however many
    // overdue findings were told of before. Ordered as that index is, so that PostgreSQL takes it
    // (by deadline alone it walks (state, deadline) through every overdue finding: its statistics
    // cannot know that the overdue ones are the ones told of). Ahead: the deadlines within the window.
    const passed = await this.db.$queryRaw<Raw[]>`
      SELECT "id", "service_id", "vuln_id", "package_name", "installed_version", "severity", "deadline", "reminded_for", "overdue_for" FROM "finding"
      WHERE "state" = 'open' AND "overdue_for" IS NULL AND "deadline" <= ${now} AND ("excepted_until" IS NULL OR "excepted_until" <= ${now})
      ORDER BY "overdue_for", "deadline" LIMIT ${limit}`;
    const soon =
      passed.length >= limit
        ? []
        : await this.db.$queryRaw<Raw[]>`
      SELECT "id", "service_id", "vuln_id", "package_name", "installed_version", "severity", "deadline", "reminded_for", "overdue_for" FROM "finding"
      WHERE "state" = 'open' AND "deadline" > ${now} AND "deadline" <= ${ahead} AND ("reminded_for" IS NULL OR "reminded_for" <> "deadline") AND ("excepted_until" IS NULL OR "excepted_until" <= ${now})
      ORDER BY "deadline", "id" LIMIT ${limit - passed.length}`;
    const rows = [...passed, ...soon];
    const at = (v: unknown) =>
      v === null || v === undefined
        ? null
        : v instanceof Date
          ? v
          : typeof v === 'string' || typeof v === 'number'
            ? new Date(v)
            : null;
    return rows.map((r) => ({
      id: Number(r.id),
      serviceId: r.service_id,
      vulnId: r.vuln_id,
      packageName: r.package_name,
      installedVersion: r.installed_version,
      severity: r.severity as Severity,
      deadline: at(r.deadline)!,
      remindedFor: at(r.reminded_for),
      overdueFor: at(r.overdue_for),
    }));
  }

  async claimNotices(
    kind: 'ahead' | 'passed',
    ids: readonly number[],
    now: Date,
    ahead: Date = now,
  ): Promise<number[]> {
    const claimed: number[] = [];
    for (const part of chunks(ids, ID_CHUNK)) {
      const rows =
        kind === 'ahead'
          ? await this.db.$queryRaw<
              { id: number }[]
            >`UPDATE "finding" SET "reminded_for" = "deadline" WHERE "id" IN (${join(part)}) AND "state" = 'open' AND "deadline" > ${now} AND "deadline" <= ${ahead} AND ("reminded_for" IS NULL OR "reminded_for" <> "deadline") AND ("excepted_until" IS NULL OR "excepted_until" <= ${now}) RETURNING "id"`
          : await this.db.$queryRaw<
              { id: number }[]
            >`UPDATE "finding" SET "overdue_for" = "deadline", "reminded_for" = "deadline" WHERE "id" IN (${join(part)}) AND "state" = 'open' AND "deadline" <= ${now} AND "overdue_for" IS NULL AND ("excepted_until" IS NULL OR "excepted_until" <= ${now}) RETURNING "id"`;
      claimed.push(...rows.map((r) => Number(r.id)));
    }
    return claimed;
  }

  async byId(id: number): Promise<Finding | null> {
    const r = await this.db.finding.findUnique({ where: { id } });
    return r ? toFinding(r) : null;
  }

  async events(findingId: number): Promise<FindingEvent[]> {
    const rows = await this.db.findingEvent.findMany({ where: { findingId }, orderBy: { id: 'asc' } });
    return rows.map((r) => ({
      findingId: r.findingId,
      importId: r.importId,
      kind: r.kind as FindingEventKind,
      detail: r.detail ?? undefined,
      at: r.at,
    }));
  }

  async imports(serviceId: string, since?: Date, limit = 50): Promise<ImportRecord[]> {
    // The latest `limit`, oldest first.
    const rows = await this.db.findingImport.findMany({
      where: { serviceId, ...(since ? { at: { gte: since } } : {}) },
      orderBy: { id: 'desc' },
      take: limit,
    });
    return rows.reverse();
  }
}
