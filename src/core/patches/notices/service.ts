// Owner reminders and breach pages. Each run (an interval job) finds the open findings whose
// reminder ahead of the deadline (remind.before) or notice of its passing is due, marks them in
// the same transaction as the messages it queues (so each finding hears once per deadline and
// point, across restarts and replicas: a second replica marks none of them), and sends each owner
// one direct message per point listing all of their findings that reached it in that run. A
// finding matching patches.page that passes its deadline pages its service's escalation path once
// (the page's key is the finding's), with the finding in the page; its acknowledgement is recorded
// on the finding.
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Directory } from '../../directory.js';
import { enqueue } from '../../outbox/effects.js';
import { personAddresses } from '../../people/addresses.js';
import type { Clock, Platform, Store, Tx } from '../../ports.js';
import { parseDuration } from '../../shared/duration.js';
import type { PatchPaging } from '../links.js';
import { findingRef } from '../findings/model.js';
import type { NoticeRow } from '../findings/ports.js';
import { ReminderSend } from './kinds.js';
import { noticePolicy } from '../findings/policy.js';

/**
 * Findings handled per run, in one transaction (so that each owner gets one message per point and
 * run); a larger backlog (a first import of old findings) is told of over the next runs.
 */
export const NOTICE_BATCH = 20_000;
/**
 * A breach pages when its deadline passed at most this long ago: a finding found overdue long after
 * (Steward was not watching then, e.g. its first run over old findings) is told to its owners, not paged.
 */
export const PAGE_WITHIN_MS = 7 * 86_400_000;

/** Findings listed in one reminder (the message says how many more). */
export const REMINDER_SHOWN = 10;

export const breachKey = (findingId: number) => `finding:${findingId}:breach`;
export function readBreachKey(key: string): number | null {
  const m = /^finding:(\d+):breach$/.exec(key);
  return m ? Number(m[1]) : null;
}

export interface NoticeDeps {
  store: Store;
  clock: Clock;
  dir: () => Directory;
  kick: () => void;
  platforms: () => Platform[];
  paging: () => PatchPaging | undefined;
}

export interface NoticeRun {
  ahead: number;
  passed: number;
  paged: number;
  messages: number;
}

export class NoticeService {
  constructor(private readonly d: NoticeDeps) {}

  async run(now: Date): Promise<NoticeRun> {
    const dir = this.d.dir();
    const policy = noticePolicy(dir);
    const ahead = new Date(now.getTime() + parseDuration(policy.remindBefore));
    const out: NoticeRun = { ahead: 0, passed: 0, paged: 0, messages: 0 };
    const rows = await this.d.store.transaction((tx) => tx.findings.noticesDue(now, ahead, NOTICE_BATCH));
    if (rows.length === 0) return out;
    Object.assign(out, await this.d.store.transaction((tx) => this.batch(tx, dir, rows, now, ahead)));
    if (out.messages) this.d.kick();
    if (out.paged) this.d.paging()?.wake();
    return out;
  }

  private async batch(tx: Tx, dir: Directory, rows: NoticeRow[], now: Date, ahead: Date): Promise<NoticeRun> {
    // What the claims mark decides who hears of what (a finding may have changed since it was read).
    const passed = new Set(
      await tx.findings.claimNotices(
        'passed',
        rows.filter((r) => r.deadline <= now).map((r) => r.id),
        now,
      ),
    );
    const aheadNow = new Set(
      await tx.findings.claimNotices(
        'ahead',
        rows.filter((r) => !passed.has(r.id) && r.deadline > now).map((r) => r.id),
        now,
        ahead,
      ),
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const run = randomUUID();
    let messages = 0;
    for (const [kind, ids] of [
      ['passed', passed],
      ['ahead', aheadNow],
    ] as const) {
      // Owner → their findings that reached this point in this run.
      const perOwner = new Map<string, number[]>();
      for (const id of ids) {
        const f = byId.get(id)!;
        for (const owner of dir.service(f.serviceId)?.owners ?? []) {
          const list = perOwner.get(owner);
          if (list) list.push(id);
          else perOwner.set(owner, [id]);
        }
      }
      for (const [person, found] of perOwner) {
        const sorted = found.sort((a, b) => byId.get(a)!.deadline.getTime() - byId.get(b)!.deadline.getTime() || a - b);
        for (const a of personAddresses(dir, this.d.platforms(), person)) {
          if (
            await enqueue(
              tx.outbox,
              ReminderSend,
              `patch_remind:${run}:${kind}:${a.platform}:${person}`,
              {
                run,
                kind,
                platform: a.platform,
                to: a.to,
                person,
                findings: sorted.slice(0, REMINDER_SHOWN),
                total: sorted.length,
              },
              now,
            )
          )
            messages++;
        }
      }
    }
    let paged = 0;
    const { severities, tiers } = noticePolicy(dir).page;
    // Whatever the pages lock, locked first, in one order, before any page's audit entry.
    const services = [...new Set([...passed].map((id) => byId.get(id)!.serviceId))].sort();
    await this.d.paging()?.prepare?.(tx, services, now);
    for (const id of passed) {
      const f = byId.get(id)!;
      const service = dir.service(f.serviceId);
      if (!service || !severities.includes(f.severity) || !tiers.includes(service.tier)) continue;
      if (now.getTime() - f.deadline.getTime() > PAGE_WITHIN_MS) {
        await tx.findings.addEvents([
          {
            findingId: f.id,
            importId: null,
            kind: 'paged',
            detail: `not paged: its deadline passed more than 7 days before Steward saw it (the owners were told)`,
            at: now,
          },
        ]);
        continue;
      }
      const paging = this.d.paging();
      const zone = dir.team(service.team)?.timezone ?? dir.policy.timezone;
      const message = `${findingRef(f.id)} ${f.severity} ${f.vulnId} in ${f.packageName} ${f.installedVersion} on ${service.name} passed its patch deadline (${DateTime.fromJSDate(f.deadline, { zone }).toFormat('ccc d LLL yyyy HH:mm ZZZZ')})`;
      const opened = paging
        ? await paging.open(tx, { key: breachKey(f.id), serviceId: f.serviceId, message }, now)
        : { ok: false as const, reason: 'paging is not part of this Steward' };
      // Paged once: a deadline that moved and passed again finds the finding's page.
      if (opened.ok && !opened.created) continue;
      const why = `overdue ${f.severity} on a tier-${service.tier} service`;
      const detail = !opened.ok
        ? `not paged: ${opened.reason}`
        : opened.joined
          ? `joined ${opened.joined}: ${why}`
          : `${opened.ref} opened: ${why}`;
      await tx.findings.addEvents([{ findingId: f.id, importId: null, kind: 'paged', detail, at: now }]);
      if (opened.ok) paged++;
    }
    return { ahead: aheadNow.size, passed: passed.size, paged, messages };
  }
}
