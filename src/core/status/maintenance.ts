// Scheduled maintenance from change approvals: an approved change the policy selects (or one
// published with /change publish) appears `notice` ahead of its window, moves to in progress and
// completed with the change (a rollback says so), and is withdrawn when the change is cancelled,
// rejected or expires before it starts. Each step runs in the change's transaction or its own.
import { type Reply, code, ephemeral, link, txt } from '../card.js';
import type { Ctx } from '../context.js';
import { fail, ok, type Outcome } from '../errors.js';
import type { ActorRef, Tx } from '../ports.js';
import { parseDuration } from '../shared/duration.js';
import type { Change } from '../changes/links.js';
import { eventUrl } from './cards.js';
import { componentsOf } from './forms.js';
import { publicId } from './ids.js';
import { DEFAULT_MESSAGE, EVENT_STATUS_LABEL, type EventStatus, type StatusEvent, listing } from './model.js';
import { type Subject, mayPublish, refusePublish } from './permissions.js';
import type { StatusPagePolicy } from './policy-section.js';
import type { Publishing } from './publishing.js';

const changeSubject = (c: Change): Subject => ({
  kind: 'change',
  ref: `CHG-${c.number}`,
  requestedBy: c.requestedBy,
  services: [c.serviceId],
});

export class Maintenance {
  constructor(private readonly p: Publishing) {}

  /** The selection of `statusPage.maintenance.fromChanges`: every key given must fit. */
  private selected(sp: StatusPagePolicy, c: Change): boolean {
    const f = sp.maintenance.fromChanges;
    if (!f) return false;
    return (
      (!f.kinds || f.kinds.includes(c.kind)) &&
      (!f.risks || (c.risk !== null && f.risks.includes(c.risk))) &&
      (!f.services || f.services.includes(c.serviceId))
    );
  }

  async changeMoved(tx: Tx, c: Change, at: Date): Promise<void> {
    const sp = this.p.dir.policy.statusPage;
    if (!sp) return;
    const e = await tx.status.eventByChange(c.number);
    if (!e) {
      if (c.approval !== 'approved' || c.phase !== 'requested' || !this.selected(sp, c)) return;
      if (!componentsOf(sp, c.serviceId).length) return;
      const notice = parseDuration(sp.maintenance.notice);
      const from = new Date(Math.max(at.getTime(), c.windowStart.getTime() - notice));
      await this.createMaintenance(tx, sp, c, from, { platform: 'system' }, at);
      this.p.afterCommit(tx);
      return;
    }
    if (e.withdrawnAt || e.status === 'completed') return;
    const withdrawn = c.phase === 'cancelled' || (c.phase === 'requested' && c.approval !== 'approved');
    if (withdrawn) {
      const next = await tx.status.updateEvent(e.id, { withdrawnAt: at }, at);
      await this.maintenanceAudit(tx, c, 'status.maintenance_withdrawn', next, at);
      await this.p.close(tx, sp, next, at);
    } else if (c.phase === 'in_progress' && e.status === 'scheduled') {
      // Started before its notice began: it shows from now.
      const next = await tx.status.updateEvent(
        e.id,
        { status: 'in_progress', ...(e.visibleFrom > at ? { visibleFrom: at } : {}) },
        at,
      );
      await this.p.post(tx, next, 'in_progress', DEFAULT_MESSAGE.in_progress, at);
      await this.maintenanceAudit(tx, c, 'status.maintenance_started', next, at);
      await this.p.close(tx, sp, next, at);
    } else if (c.phase === 'completed' || c.phase === 'rolled_back') {
      const next = await tx.status.updateEvent(
        e.id,
        { status: 'completed', resolvedAt: at, ...(e.visibleFrom > at ? { visibleFrom: at } : {}) },
        at,
      );
      const message =
        c.phase === 'rolled_back'
          ? 'The maintenance was rolled back: its changes were undone and the service runs as it did before.'
          : DEFAULT_MESSAGE.completed;
      await this.p.post(tx, next, 'completed', message, at);
      await this.maintenanceAudit(tx, c, 'status.maintenance_completed', next, at);
      await this.p.close(tx, sp, next, at);
    } else return;
    this.p.afterCommit(tx);
  }

  /** `/change publish CHG-n`: an approved change as scheduled maintenance, shown from now. */
  async publishChange(ctx: Ctx, c: Change): Promise<Outcome<Reply>> {
    const sp = this.p.page();
    if (!sp.ok) return sp;
    const ref = `CHG-${c.number}`;
    if (!mayPublish(this.p.dir, sp.value, ctx.actor.person?.id, changeSubject(c)))
      return refusePublish(this.p.dir, sp.value, changeSubject(c));
    const comps = componentsOf(sp.value, c.serviceId);
    if (!comps.length)
      return fail(
        'STATUS.NO_COMPONENT',
        `${c.serviceId} is on no component of the status page, so ${ref} has nothing to show there.`,
        'statusPage.components[].services maps components to services.',
      );
    if (c.phase === 'requested' && c.approval === 'pending')
      return fail('CHANGE.NOT_APPROVED', `${ref} is waiting for approval: publish it once it is approved.`);
    if (!(c.phase === 'in_progress' || (c.phase === 'requested' && c.approval === 'approved')))
      return fail(
        'CHANGE.STATE',
        `${ref} is over (${c.phase === 'requested' ? c.approval : c.phase}): there is nothing to announce.`,
      );
    const r = await this.p.d.store.transaction(async (tx): Promise<Outcome<StatusEvent>> => {
      const existing = await tx.status.eventByChange(c.number);
      if (existing)
        return fail(
          'STATUS.PUBLISHED',
          existing.withdrawnAt
            ? `${ref}'s maintenance was withdrawn from the status page.`
            : `${ref} is already on the status page as "${existing.name}".`,
        );
      return ok(await this.createMaintenance(tx, sp.value, c, ctx.now, ctx.actor.ref, ctx.now));
    });
    if (!r.ok) return r;
    this.p.done();
    return ok(
      ephemeral({
        title: `${ref} is on the status page`,
        tone: 'good',
        body: [
          txt(
            `"${r.value.name}": ${EVENT_STATUS_LABEL[r.value.status].toLowerCase()}. It follows the change: in progress when it starts, completed when it ends.`,
          ),
        ],
        context: [link(eventUrl(sp.value.url, r.value), 'On the status page'), txt(' · '), code(r.value.code)],
      }),
    );
  }

  private async createMaintenance(
    tx: Tx,
    sp: StatusPagePolicy,
    c: Change,
    visibleFrom: Date,
    actor: ActorRef,
    at: Date,
  ): Promise<StatusEvent> {
    const comps = componentsOf(sp, c.serviceId);
    const running = c.phase === 'in_progress';
    const status: EventStatus = running ? 'in_progress' : 'scheduled';
    const e = await tx.status.createEvent({
      code: publicId(),
      kind: 'maintenance',
      incidentNumber: null,
      changeNumber: c.number,
      name: `Scheduled maintenance of ${listing(comps.map((x) => x.name))}`,
      status,
      impact: 'none',
      components: Object.fromEntries(comps.map((x) => [x.id, 'under_maintenance' as const])),
      createdAt: at,
      monitoringAt: null,
      resolvedAt: null,
      scheduledFor: c.windowStart,
      scheduledUntil: c.windowEnd,
      visibleFrom,
      withdrawnAt: null,
    });
    const first = `${listing(comps.map((x) => x.name))} will be under maintenance during this window.`;
    await this.p.post(tx, e, 'scheduled', first, visibleFrom);
    if (running) await this.p.post(tx, e, 'in_progress', DEFAULT_MESSAGE.in_progress, at);
    await tx.audit.append(
      {
        actor,
        action: 'status.maintenance_published',
        subject: `change:CHG-${c.number}`,
        after: { code: e.code, name: e.name, visibleFrom, components: Object.keys(e.components) },
      },
      at,
    );
    await this.p.close(tx, sp, e, at);
    return e;
  }

  private maintenanceAudit(tx: Tx, c: Change, action: string, e: StatusEvent, at: Date) {
    return tx.audit.append(
      {
        actor: { platform: 'system' },
        action,
        subject: `change:CHG-${c.number}`,
        after: { code: e.code, status: e.status, withdrawn: !!e.withdrawnAt },
      },
      at,
    );
  }
}
