// Status page use cases that change what the public sees: publish an incident, post a public
// update, follow the incident's status (resolving restores its components), turn approved changes
// into scheduled maintenance and follow them, set a component's status by hand. Each runs in one
// transaction with its audit entry, the outbox items of its announcements and the page's version.
import { type Reply, code, ephemeral, link, txt } from '../card.js';
import type { Ctx } from '../context.js';
import type { Directory } from '../directory.js';
import { fail, ok, type Outcome } from '../errors.js';
import { enqueue } from '../outbox/effects.js';
import type { ActorRef, Clock, Platform, Store, Tx } from '../ports.js';
import { parseDuration } from '../shared/duration.js';
import type { Change } from '../changes/links.js';
import { eventUrl } from './cards.js';
import { announceChannel } from './effects.js';
import { type PublishValues, componentsOf, publishForm } from './forms.js';
import { publicId } from './ids.js';
import { StatusEdit, StatusPost } from './kinds.js';
import type { IncidentFacts, StatusIncidents } from './links.js';
import {
  type ComponentStatus,
  DEFAULT_MESSAGE,
  EVENT_STATUS_LABEL,
  type EventStatus,
  type PublicIncidentStatus,
  STATUS_LABEL,
  type StatusEvent,
  impactOf,
  isIncidentActive,
  listing,
} from './model.js';
import { type Subject, mayPublish, refusePublish } from './permissions.js';
import type { StatusPagePolicy } from './policy-section.js';
import type { StatusEventPatch } from './ports.js';
import { ensureComponents, setManual, settle } from './settle.js';

export interface StatusDeps {
  store: Store;
  clock: Clock;
  dir: () => Directory;
  kick: () => void;
  platforms: () => Platform[];
  incidents: () => StatusIncidents | undefined;
  /** A public change committed here: this replica's cached page is out of date. */
  changed: () => void;
}

const NOT_CONFIGURED = fail(
  'STATUS.NOT_CONFIGURED',
  'This Steward has no status page.',
  'An administrator adds statusPage (title, url, components) to the policy.',
);

/** The public status an incident's status maps to. */
const PUBLIC_STATUS: Record<string, PublicIncidentStatus> = {
  investigating: 'investigating',
  identified: 'identified',
  monitoring: 'monitoring',
  resolved: 'resolved',
  declined: 'resolved',
  cancelled: 'resolved',
};

const incidentSubject = (i: IncidentFacts): Subject => ({
  kind: 'incident',
  ref: `INC-${i.number}`,
  roles: i.roles,
  declaredBy: i.declaredBy,
  services: i.serviceId ? [i.serviceId] : [],
});
const changeSubject = (c: Change): Subject => ({
  kind: 'change',
  ref: `CHG-${c.number}`,
  requestedBy: c.requestedBy,
  services: [c.serviceId],
});

export class StatusPageService {
  constructor(private readonly d: StatusDeps) {}

  private get dir() {
    return this.d.dir();
  }

  /** The status page policy, or the answer that there is none. */
  page(): Outcome<StatusPagePolicy> {
    const sp = this.dir.policy.statusPage;
    return sp ? ok(sp) : NOT_CONFIGURED;
  }

  /** The page's time zone. */
  timezone(sp: StatusPagePolicy): string {
    return sp.timezone ?? this.dir.policy.timezone;
  }

  // ---- incidents ----

  async publishForm(ctx: Ctx, i: IncidentFacts, initial: Record<string, string | undefined> = {}, nonce?: string) {
    const sp = this.page();
    if (!sp.ok) return sp;
    const may = this.mayPublishIncident(ctx, sp.value, i);
    if (!may.ok) return may;
    const existing = await this.d.store.transaction((tx) => tx.status.eventByIncident(i.number));
    if (existing) return this.alreadyPublished(sp.value, i, existing);
    return ok({ ...ephemeral(), form: publishForm(this.dir, sp.value, i, initial, nonce) });
  }

  /** A valid publish form; `key` (its nonce) makes a second submission publish nothing. */
  async submitPublish(ctx: Ctx, n: number, v: PublishValues, key: string): Promise<Outcome<Reply>> {
    const sp = this.page();
    if (!sp.ok) return sp;
    const person = ctx.actor.person!;
    const r = await this.d.store.transaction(async (tx): Promise<Outcome<StatusEvent> | 'duplicate'> => {
      const i = await this.d.incidents()?.find(tx, n);
      if (!i) return fail('INCIDENT.NOT_FOUND', `There is no incident INC-${n}.`, 'See /incident list.');
      const may = this.mayPublishIncident(ctx, sp.value, i);
      if (!may.ok) return may;
      if (!(await tx.idempotency.claim(key, ctx.now))) return 'duplicate';
      const existing = await tx.status.eventByIncident(n);
      if (existing) return this.alreadyPublished(sp.value, i, existing);
      const e = await tx.status.createEvent({
        code: publicId(),
        kind: 'incident',
        incidentNumber: n,
        changeNumber: null,
        name: v.title,
        status: v.status,
        impact: impactOf(v.components),
        components: v.components,
        createdAt: ctx.now,
        monitoringAt: v.status === 'monitoring' ? ctx.now : null,
        resolvedAt: null,
        scheduledFor: null,
        scheduledUntil: null,
        visibleFrom: ctx.now,
        withdrawnAt: null,
      });
      await this.post(tx, e, v.status, v.message, ctx.now);
      await this.d.incidents()?.note(tx, n, `Published on the status page (${v.status}): ${v.message}`, ctx.now, {
        id: person.id,
        name: person.name,
      });
      await tx.audit.append(
        {
          actor: ctx.actor.ref,
          action: 'status.incident_published',
          subject: `incident:INC-${n}`,
          after: { code: e.code, name: e.name, status: e.status, components: e.components },
        },
        ctx.now,
      );
      await this.close(tx, sp.value, e, ctx.now);
      return ok(e);
    });
    if (r === 'duplicate')
      return ok(
        ephemeral({
          title: 'Already published',
          tone: 'info',
          body: [txt('This form was already submitted; nothing was published twice.')],
        }),
      );
    if (!r.ok) return r;
    this.done();
    return ok(
      ephemeral({
        title: `INC-${n} is on the status page`,
        tone: 'good',
        body: [
          txt(`"${r.value.name}" · ${EVENT_STATUS_LABEL[r.value.status]}. `),
          txt('Post public updates with /incident update --public <text>; resolving the incident resolves it there.'),
        ],
        context: [link(eventUrl(sp.value.url, r.value), 'On the status page'), txt(' · '), code(r.value.code)],
      }),
    );
  }

  async publicUpdate(ctx: Ctx, i: IncidentFacts, text: string): Promise<Outcome<Reply>> {
    const sp = this.page();
    if (!sp.ok) return sp;
    const may = this.mayPublishIncident(ctx, sp.value, i);
    if (!may.ok) return may;
    const person = ctx.actor.person!;
    const r = await this.d.store.transaction(async (tx): Promise<Outcome<StatusEvent>> => {
      const e = await tx.status.eventByIncident(i.number);
      if (!e)
        return fail(
          'STATUS.NOT_PUBLISHED',
          `INC-${i.number} is not on the status page.`,
          `Publish it first with /incident publish INC-${i.number}.`,
        );
      if (!isIncidentActive(e))
        return fail('STATUS.RESOLVED', `INC-${i.number} is resolved on the status page; it takes no more updates.`);
      const next = await tx.status.updateEvent(e.id, {}, ctx.now);
      await this.post(tx, next, e.status, text, ctx.now);
      await this.d.incidents()?.note(tx, i.number, `Public update: ${text}`, ctx.now, {
        id: person.id,
        name: person.name,
      });
      await tx.audit.append(
        {
          actor: ctx.actor.ref,
          action: 'status.update_posted',
          subject: `incident:INC-${i.number}`,
          after: { code: e.code, status: e.status },
        },
        ctx.now,
      );
      await this.close(tx, sp.value, next, ctx.now);
      return ok(next);
    });
    if (!r.ok) return r;
    this.done();
    return ok(
      ephemeral({
        title: `Public update posted on INC-${i.number}`,
        tone: 'good',
        body: [txt(text)],
        context: [link(eventUrl(sp.value.url, r.value), 'On the status page')],
      }),
    );
  }

  /** In the incident's transaction: its public incident follows its status (resolved restores the components). */
  async incidentMoved(
    tx: Tx,
    i: IncidentFacts,
    actor: ActorRef,
    who: { id: string; name: string } | null,
    at: Date,
  ): Promise<void> {
    const sp = this.dir.policy.statusPage;
    if (!sp) return;
    const e = await tx.status.eventByIncident(i.number);
    const to = PUBLIC_STATUS[i.status];
    if (!e || !to || !isIncidentActive(e) || e.status === to) return;
    const patch: StatusEventPatch = { status: to };
    if (to === 'monitoring' && !e.monitoringAt) patch.monitoringAt = at;
    if (to === 'resolved') patch.resolvedAt = at;
    const next = await tx.status.updateEvent(e.id, patch, at);
    await this.post(tx, next, to, DEFAULT_MESSAGE[to], at);
    await this.d.incidents()?.note(tx, i.number, `Status page: ${EVENT_STATUS_LABEL[to].toLowerCase()}`, at, who);
    await tx.audit.append(
      {
        actor,
        action: 'status.incident_moved',
        subject: `incident:INC-${i.number}`,
        before: { status: e.status },
        after: { code: e.code, status: to },
      },
      at,
    );
    await this.close(tx, sp, next, at);
    tx.afterCommit(this.d.changed);
  }

  // ---- maintenance ----

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
    const sp = this.dir.policy.statusPage;
    if (!sp) return;
    const e = await tx.status.eventByChange(c.number);
    if (!e) {
      if (c.approval !== 'approved' || c.phase !== 'requested' || !this.selected(sp, c)) return;
      if (!componentsOf(sp, c.serviceId).length) return;
      const notice = parseDuration(sp.maintenance.notice);
      const from = new Date(Math.max(at.getTime(), c.windowStart.getTime() - notice));
      await this.createMaintenance(tx, sp, c, from, { platform: 'system' }, at);
      tx.afterCommit(this.d.changed);
      return;
    }
    if (e.withdrawnAt || e.status === 'completed') return;
    const withdrawn = c.phase === 'cancelled' || (c.phase === 'requested' && c.approval !== 'approved');
    if (withdrawn) {
      const next = await tx.status.updateEvent(e.id, { withdrawnAt: at }, at);
      await this.maintenanceAudit(tx, c, 'status.maintenance_withdrawn', next, at);
      await this.close(tx, sp, next, at);
    } else if (c.phase === 'in_progress' && e.status === 'scheduled') {
      // Started before its notice began: it shows from now.
      const next = await tx.status.updateEvent(
        e.id,
        { status: 'in_progress', ...(e.visibleFrom > at ? { visibleFrom: at } : {}) },
        at,
      );
      await this.post(tx, next, 'in_progress', DEFAULT_MESSAGE.in_progress, at);
      await this.maintenanceAudit(tx, c, 'status.maintenance_started', next, at);
      await this.close(tx, sp, next, at);
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
      await this.post(tx, next, 'completed', message, at);
      await this.maintenanceAudit(tx, c, 'status.maintenance_completed', next, at);
      await this.close(tx, sp, next, at);
    } else return;
    tx.afterCommit(this.d.changed);
  }

  /** `/change publish CHG-n`: an approved change as scheduled maintenance, shown from now. */
  async publishChange(ctx: Ctx, c: Change): Promise<Outcome<Reply>> {
    const sp = this.page();
    if (!sp.ok) return sp;
    const ref = `CHG-${c.number}`;
    if (!mayPublish(this.dir, sp.value, ctx.actor.person?.id, changeSubject(c)))
      return refusePublish(this.dir, sp.value, changeSubject(c));
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
    const r = await this.d.store.transaction(async (tx): Promise<Outcome<StatusEvent>> => {
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
    this.done();
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
    await this.post(tx, e, 'scheduled', first, visibleFrom);
    if (running) await this.post(tx, e, 'in_progress', DEFAULT_MESSAGE.in_progress, at);
    await tx.audit.append(
      {
        actor,
        action: 'status.maintenance_published',
        subject: `change:CHG-${c.number}`,
        after: { code: e.code, name: e.name, visibleFrom, components: Object.keys(e.components) },
      },
      at,
    );
    await this.close(tx, sp, e, at);
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

  // ---- components ----

  /**
   * `/status set <component> <status>`: while unresolved incidents affect the component, their
   * status for it (resolving them restores it); otherwise the status set by hand, until set again
   * (`operational` clears it).
   */
  async setComponent(ctx: Ctx, id: string, status: ComponentStatus): Promise<Outcome<Reply>> {
    const sp = this.page();
    if (!sp.ok) return sp;
    const comp = sp.value.components.find((c) => c.id === id);
    if (!comp)
      return fail(
        'STATUS.UNKNOWN_COMPONENT',
        `There is no component "${id}" on the status page.`,
        `Components: ${sp.value.components.map((c) => c.id).join(', ')}`,
      );
    const subject: Subject = { kind: 'component', ref: comp.name, services: comp.services };
    if (!mayPublish(this.dir, sp.value, ctx.actor.person?.id, subject))
      return refusePublish(this.dir, sp.value, subject);
    const through = await this.d.store.transaction(async (tx) => {
      const incidents = (await tx.status.activeEvents()).filter((e) => isIncidentActive(e) && id in e.components);
      const viaIncidents = incidents.length > 0 && status !== 'under_maintenance';
      const before = (await tx.status.components()).find((c) => c.id === id);
      if (viaIncidents) {
        for (const e of incidents) {
          const components = { ...e.components, [id]: status };
          const next = await tx.status.updateEvent(e.id, { components, impact: impactOf(components) }, ctx.now);
          await this.announce(tx, next, ctx.now);
        }
        if (status === 'operational' && before?.manual) await setManual(tx, sp.value, id, null, ctx.now);
        else await settle(tx, sp.value, ctx.now);
      } else await setManual(tx, sp.value, id, status === 'operational' ? null : status, ctx.now);
      await tx.audit.append(
        {
          actor: ctx.actor.ref,
          action: 'status.component_set',
          subject: `status-component:${id}`,
          before: { status: before?.status ?? 'operational', manual: before?.manual ?? null },
          after: { status, through: viaIncidents ? incidents.map((e) => e.incidentNumber) : 'manual' },
        },
        ctx.now,
      );
      return viaIncidents ? incidents.map((e) => `INC-${e.incidentNumber}`) : [];
    });
    this.done();
    return ok(
      ephemeral({
        title: `${comp.name}: ${STATUS_LABEL[status]}`,
        tone: status === 'operational' ? 'good' : 'warning',
        body: [
          txt(
            through.length
              ? `Set on the public incident of ${listing(through)}; resolving it restores ${comp.name}.`
              : status === 'operational'
                ? `${comp.name} shows what its incidents and maintenance say again.`
                : `Set by hand: it stays until someone sets ${comp.name} again.`,
          ),
        ],
      }),
    );
  }

  /** Components the page has never recorded get their row: their uptime history starts now. How many. */
  async ensureComponents(): Promise<number> {
    const sp = this.dir.policy.statusPage;
    if (!sp) return 0;
    const added = await this.d.store.transaction((tx) => ensureComponents(tx, sp, this.d.clock.now()));
    if (added) this.d.changed();
    return added;
  }

  // ---- shared ----

  private mayPublishIncident(ctx: Ctx, sp: StatusPagePolicy, i: IncidentFacts): Outcome<true> {
    return mayPublish(this.dir, sp, ctx.actor.person?.id, incidentSubject(i))
      ? ok(true)
      : refusePublish(this.dir, sp, incidentSubject(i));
  }

  private alreadyPublished(sp: StatusPagePolicy, i: IncidentFacts, e: StatusEvent): Outcome<never> {
    return fail(
      'STATUS.PUBLISHED',
      `INC-${i.number} is already on the status page as "${e.name}" (${eventUrl(sp.url, e)}).`,
      `Post a public update with /incident update INC-${i.number} --public <text>.`,
    );
  }

  /** A public update of the event, shown from `at`. */
  private post(tx: Tx, e: StatusEvent, status: EventStatus, body: string, at: Date) {
    return tx.status.addUpdate({ code: publicId(), eventId: e.id, status, body, createdAt: at, displayAt: at });
  }

  /** The event's announcements (posted when it comes into view, edited afterwards), then the page settled. */
  private async close(tx: Tx, sp: StatusPagePolicy, e: StatusEvent, at: Date) {
    await this.announce(tx, e, at);
    await settle(tx, sp, at);
  }

  private async announce(tx: Tx, e: StatusEvent, at: Date) {
    for (const platform of this.d.platforms()) {
      if (!announceChannel(this.dir, platform)) continue;
      // Keyed by when it comes into view: an earlier start queues an earlier post; the later one then finds it done.
      await enqueue(
        tx.outbox,
        StatusPost,
        `status_post:${e.id}:${platform}:${e.visibleFrom.getTime()}`,
        { event: e.id, platform },
        at,
        e.visibleFrom > at ? e.visibleFrom : undefined,
      );
      await enqueue(
        tx.outbox,
        StatusEdit,
        `status_edit:${e.id}:${platform}:${e.version}`,
        { event: e.id, platform, version: e.version },
        at,
      );
    }
  }

  /** After the commit of a change made here: the page is redrawn, the announcements go out. */
  private done() {
    this.d.changed();
    this.d.kick();
  }
}
