// Disposal on Prisma: the records of each kind past their retention, and what belongs only to them.
// A record that something open still refers to is kept (an open or acknowledged page keeps its
// incident, its alert group and the finding it pages for; an open incident or alert group keeps
// its pages; an open change keeps its incident).
import type { DisposalKind, DisposalScan, RetentionRepo } from '../core/lifecycle/ports.js';
import type { AuditHead } from '../core/ports.js';
import type { Queryable } from './client.js';

const CLOSED_INCIDENT = ['resolved', 'declined', 'cancelled'];
const DONE_PHASES = ['completed', 'rolled_back', 'cancelled'];
const REFUSED = ['rejected', 'expired'];
const breachKey = (findingId: number) => `finding:${findingId}:breach`;

function scanOf<R>(rows: R[], limit: number, key: (r: R) => number | string, held: (r: R) => boolean): DisposalScan {
  const ids: (number | string)[] = [];
  let kept = 0;
  for (const r of rows) {
    if (held(r)) kept++;
    else ids.push(key(r));
  }
  return { ids, kept, next: rows.length < limit ? null : key(rows[rows.length - 1]!) };
}

export class PrismaRetentionRepo implements RetentionRepo {
  constructor(private readonly db: Queryable) {}

  async scan(kind: DisposalKind, before: Date, after: number | string | null, limit: number): Promise<DisposalScan> {
    const db = this.db;
    const afterId = after === null ? {} : { id: { gt: Number(after) } };
    switch (kind) {
      case 'incidents': {
        const rows = await db.incident.findMany({
          where: { status: { in: CLOSED_INCIDENT }, resolvedAt: { lt: before }, ...afterId },
          orderBy: { id: 'asc' },
          take: limit,
          select: { id: true, number: true },
        });
        const numbers = rows.map((r) => r.number);
        const pages = await db.page.findMany({
          where: { incidentNumber: { in: numbers }, status: { not: 'resolved' } },
          select: { incidentNumber: true },
        });
        const changes = await db.change.findMany({
          where: {
            incidentNumber: { in: numbers },
            phase: { in: ['requested', 'in_progress'] },
            approval: { notIn: REFUSED },
          },
          select: { incidentNumber: true },
        });
        const held = new Set([...pages, ...changes].map((x) => x.incidentNumber));
        return scanOf(
          rows,
          limit,
          (r) => r.id,
          (r) => held.has(r.number),
        );
      }
      case 'changes': {
        const rows = await db.change.findMany({
          where: {
            updatedAt: { lt: before },
            OR: [{ phase: { in: DONE_PHASES } }, { approval: { in: REFUSED } }],
            ...afterId,
          },
          orderBy: { id: 'asc' },
          take: limit,
          select: { id: true },
        });
        return scanOf(
          rows,
          limit,
          (r) => r.id,
          () => false,
        );
      }
      case 'alerts': {
        const rows = await db.alertGroup.findMany({
          where: { state: 'resolved', resolvedAt: { lt: before }, ...afterId },
          orderBy: { id: 'asc' },
          take: limit,
          select: { id: true, pageNumber: true },
        });
        const pageNumbers = rows.flatMap((r) => (r.pageNumber === null ? [] : [r.pageNumber]));
        const openPages = new Set(
          (
            await db.page.findMany({
              where: { number: { in: pageNumbers }, status: { not: 'resolved' } },
              select: { number: true },
            })
          ).map((p) => p.number),
        );
        const keyed = new Set(
          (
            await db.alertKey.findMany({
              where: { openGroupId: { in: rows.map((r) => r.id) } },
              select: { openGroupId: true },
            })
          ).map((k) => k.openGroupId),
        );
        return scanOf(
          rows,
          limit,
          (r) => r.id,
          (r) => keyed.has(r.id) || (r.pageNumber !== null && openPages.has(r.pageNumber)),
        );
      }
      case 'pages': {
        const rows = await db.page.findMany({
          where: { status: 'resolved', resolvedAt: { lt: before }, ...afterId },
          orderBy: { id: 'asc' },
          take: limit,
          select: { id: true, number: true, key: true, incidentNumber: true },
        });
        const incidents = rows.flatMap((r) => (r.incidentNumber === null ? [] : [r.incidentNumber]));
        const openIncidents = new Set(
          (
            await db.incident.findMany({
              where: { number: { in: incidents }, status: { notIn: CLOSED_INCIDENT } },
              select: { number: true },
            })
          ).map((i) => i.number),
        );
        const openGroups = new Set(
          (
            await db.alertGroup.findMany({
              where: { pageNumber: { in: rows.map((r) => r.number) }, state: { not: 'resolved' } },
              select: { pageNumber: true },
            })
          ).map((g) => g.pageNumber),
        );
        const breached = rows.flatMap((r) => {
          const m = /^finding:(\d+):breach$/.exec(r.key);
          return m ? [Number(m[1])] : [];
        });
        const openFindings = new Set(
          (
            await db.finding.findMany({
              where: { id: { in: breached }, state: { not: 'fixed' } },
              select: { id: true },
            })
          ).map((f) => breachKey(f.id)),
        );
        return scanOf(
          rows,
          limit,
          (r) => r.id,
          (r) =>
            (r.incidentNumber !== null && openIncidents.has(r.incidentNumber)) ||
            openGroups.has(r.number) ||
            openFindings.has(r.key),
        );
      }
      case 'findings': {
        const rows = await db.finding.findMany({
          where: { state: 'fixed', fixedAt: { lt: before }, ...afterId },
          orderBy: { id: 'asc' },
          take: limit,
          select: { id: true },
        });
        const paging = new Set(
          (
            await db.page.findMany({
              where: { key: { in: rows.map((r) => breachKey(r.id)) }, status: { not: 'resolved' } },
              select: { key: true },
            })
          ).map((p) => p.key),
        );
        return scanOf(
          rows,
          limit,
          (r) => r.id,
          (r) => paging.has(breachKey(r.id)),
        );
      }
      case 'drafts': {
        const rows = await db.formDraft.findMany({
          where: { createdAt: { lt: before }, ...(after === null ? {} : { nonce: { gt: String(after) } }) },
          orderBy: { nonce: 'asc' },
          take: limit,
          select: { nonce: true },
        });
        return scanOf(
          rows,
          limit,
          (r) => r.nonce,
          () => false,
        );
      }
    }
  }

  async dispose(kind: DisposalKind, keys: readonly (number | string)[]): Promise<Record<string, number>> {
    const db = this.db;
    const ids = keys.map(Number);
    if (!keys.length) return {};
    switch (kind) {
      case 'incidents':
        return {
          timeline_entry: (await db.timelineEntry.deleteMany({ where: { incidentId: { in: ids } } })).count,
          incident_message: (await db.incidentMessage.deleteMany({ where: { incidentId: { in: ids } } })).count,
          incident: (await db.incident.deleteMany({ where: { id: { in: ids } } })).count,
        };
      case 'changes':
        return {
          change_decision: (await db.changeDecision.deleteMany({ where: { changeId: { in: ids } } })).count,
          change_message: (await db.changeMessage.deleteMany({ where: { changeId: { in: ids } } })).count,
          change: (await db.change.deleteMany({ where: { id: { in: ids } } })).count,
        };
      case 'alerts':
        return {
          alert: (await db.alert.deleteMany({ where: { groupId: { in: ids } } })).count,
          alert_event: (await db.alertEvent.deleteMany({ where: { groupId: { in: ids } } })).count,
          alert_message: (await db.alertMessage.deleteMany({ where: { groupId: { in: ids } } })).count,
          alert_group: (await db.alertGroup.deleteMany({ where: { id: { in: ids } } })).count,
        };
      case 'pages':
        return {
          page_step: (await db.pageStep.deleteMany({ where: { pageId: { in: ids } } })).count,
          page_message: (await db.pageMessage.deleteMany({ where: { pageId: { in: ids } } })).count,
          page: (await db.page.deleteMany({ where: { id: { in: ids } } })).count,
        };
      case 'findings': {
        const exceptions = (
          await db.exception.findMany({ where: { findingId: { in: ids } }, select: { id: true } })
        ).map((e) => e.id);
        return {
          exception_decision: (await db.exceptionDecision.deleteMany({ where: { exceptionId: { in: exceptions } } }))
            .count,
          exception_message: (await db.exceptionMessage.deleteMany({ where: { exceptionId: { in: exceptions } } }))
            .count,
          exception: (await db.exception.deleteMany({ where: { id: { in: exceptions } } })).count,
          finding_event: (await db.findingEvent.deleteMany({ where: { findingId: { in: ids } } })).count,
          finding: (await db.finding.deleteMany({ where: { id: { in: ids } } })).count,
        };
      }
      case 'drafts':
        return {
          form_draft: (await db.formDraft.deleteMany({ where: { nonce: { in: keys.map(String) } } })).count,
        };
    }
  }

  async auditPrefix(before: Date, limit: number): Promise<{ count: number; last: AuditHead } | null> {
    const rows = await this.db.auditEntry.findMany({
      orderBy: { seq: 'asc' },
      take: limit,
      select: { seq: true, at: true, hash: true },
    });
    let last: AuditHead | null = null;
    let count = 0;
    for (const r of rows) {
      if (r.at >= before) break;
      last = { seq: r.seq, hash: r.hash };
      count++;
    }
    return last ? { count, last } : null;
  }

  async disposeAuditThrough(seq: number): Promise<number> {
    return (await this.db.auditEntry.deleteMany({ where: { seq: { lte: seq } } })).count;
  }
}
