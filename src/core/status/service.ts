// Status page use cases that change what the public sees: publish an incident, post a public
// update, follow the incident's status (resolving restores its components), set a component's
// status by hand; scheduled maintenance from changes is maintenance.ts. Each runs in one
// transaction with its audit entry, the outbox items of its announcements and the page's version.
import { type Reply, code, ephemeral, link, txt } from '../card.js';
import type { Ctx } from '../context.js';
import { fail, ok, type Outcome } from '../errors.js';
import type { ActorRef, Tx } from '../ports.js';
import { eventUrl } from './cards.js';
import { type PublishValues, publishForm } from './forms.js';
import { publicId } from './ids.js';
import type { IncidentFacts } from './links.js';
import { Maintenance } from './maintenance.js';
import {
  type ComponentStatus,
  DEFAULT_MESSAGE,
  EVENT_STATUS_LABEL,
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
import { Publishing, type StatusDeps } from './publishing.js';
import { ensureComponents, setManual, settle } from './settle.js';

export type { StatusDeps } from './publishing.js';

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

export class StatusPageService {
  private readonly p: Publishing;
  /** Scheduled maintenance from changes. */
  readonly maintenance: Maintenance;

  constructor(d: StatusDeps) {
    this.p = new Publishing(d);
    this.maintenance = new Maintenance(this.p);
  }

  private get d() {
    return this.p.d;
  }

  private get dir() {
    return this.p.dir;
  }

  /** The status page policy, or the answer that there is none. */
  page(): Outcome<StatusPagePolicy> {
    return this.p.page();
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
      await this.p.post(tx, e, v.status, v.message, ctx.now);
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
      await this.p.close(tx, sp.value, e, ctx.now);
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
    this.p.done();
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
      await this.p.post(tx, next, e.status, text, ctx.now);
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
      await this.p.close(tx, sp.value, next, ctx.now);
      return ok(next);
    });
    if (!r.ok) return r;
    this.p.done();
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
    await this.p.post(tx, next, to, DEFAULT_MESSAGE[to], at);
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
    await this.p.close(tx, sp, next, at);
    this.p.afterCommit(tx);
  }

  // ---- maintenance ----

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
          await this.p.announce(tx, next, ctx.now);
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
    this.p.done();
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
}
