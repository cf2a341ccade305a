// Incident use cases that change state: declare, update, status, severity, roles, resolve, pins.
// Each runs in one transaction that also appends the audit entry, the timeline entry and the
// outbox items for its chat side effects; idempotency keys make retries and double submits safe.
import { type Reply, code, ephemeral, txt } from '../card.js';
import type { Directory } from '../directory.js';
import type { Ctx } from '../context.js';
import { fail, ok, type Outcome } from '../errors.js';
import type { Clock, Platform, Store, Tx } from '../ports.js';
import { summaryCard } from './cards.js';
import { enqueue } from '../outbox/effects.js';
import { Announce, Postmortem, Refresh, RoleDm, Update, WarRoomCreate } from './kinds.js';
import type { Initial } from '../forms/values.js';
import { type DeclareValues, declareForm, resolveForm, roleForm, severityForm, statusForm } from './forms.js';
import { type Incident, type IncidentStatus, type TimelineKind, facts, isOpen, ref, roleGuide } from './model.js';
import type { IncidentPatch } from './ports.js';
import { resolvePerson } from '../people/resolve.js';
import type { IncidentPaging, IncidentStatusPage } from './links.js';
import { type IncidentAction, mayAct, refuse } from './permissions.js';

export interface IncidentDeps {
  store: Store;
  clock: Clock;
  dir: () => Directory;
  /** Called after a commit that enqueued side effects. */
  kick: () => void;
  /** Platforms connected now (announcements go to those with a configured channel). */
  platforms: () => Platform[];
  /** Opens the page when the declare form asks to page the on-call (absent: paging is not composed). */
  paging: () => IncidentPaging | undefined;
  /** The public status page (absent: not composed). */
  statusPage: () => IncidentStatusPage | undefined;
}

const NO_STATUS_PAGE = fail('STATUS.NOT_CONFIGURED', 'This Steward has no status page.');

export type IncidentFormName = 'status' | 'severity' | 'role' | 'resolve';

type Change = {
  patch: IncidentPatch;
  kind: TimelineKind;
  text: string;
  data?: Record<string, unknown>;
  effects?: (i: Incident, tx: Tx, at: Date) => Promise<void>;
};

export class IncidentService {
  constructor(private readonly d: IncidentDeps) {}

  private get dir() {
    return this.d.dir();
  }

  openDeclareForm(_ctx: Ctx, title: string | undefined): Outcome<Reply> {
    return ok({ cards: [], visibility: 'ephemeral', form: declareForm(this.dir, { title }) });
  }

  /** A valid declare form; `key` (the form's nonce) makes a double submission return the first incident. */
  async submitDeclare(ctx: Ctx, v: DeclareValues, key: string): Promise<Outcome<Reply>> {
    const person = ctx.actor.person!;
    const dir = this.dir;
    // Paging needs an escalation path: without one the incident is declared and says why nobody was paged.
    const paging = this.d.paging();
    const noPage = v.page
      ? !paging
        ? 'paging is not available'
        : !v.service
          ? 'no service was chosen'
          : paging.cannotPage(v.service)
      : null;
    const { incident, created, page } = await this.d.store.transaction(async (tx) => {
      const at = ctx.now;
      // The claim waits for a concurrent identical submission to commit, then reports it: the
      // second submission returns the first one's incident instead of creating another.
      if (!(await tx.idempotency.claim(key, at))) {
        const existing = await tx.incidents.byDeclareKey(key);
        if (existing)
          return { incident: existing, created: false, page: (await paging?.pageOf(tx, existing.number)) ?? null };
        throw new Error(`declare key ${key} claimed but no incident found`);
      }
      const number = await tx.incidents.nextNumber();
      const incident = await tx.incidents.create(
        {
          number,
          declareKey: key,
          title: v.title,
          severity: v.severity,
          status: 'investigating',
          serviceId: v.service,
          summary: v.summary ?? '',
          declaredBy: person.id,
          declaredPlatform: ctx.inv.platform,
          declaredUserId: ctx.inv.userId,
          declaredChannel: ctx.inv.channelId ?? null,
          pageOncall: v.page && !noPage,
          declaredAt: at,
          roles: {
            // The policy names at least one role.
            [dir.policy.incidents.roles.includes('commander') ? 'commander' : dir.policy.incidents.roles[0]!]:
              person.id,
          },
          warRoom: { platform: ctx.inv.platform, channelId: null, name: null, state: 'pending', error: null },
        },
        at,
      );
      await tx.incidents.addTimeline({
        incidentId: incident.id,
        at,
        kind: 'declared',
        actorPerson: person.id,
        actorName: person.name,
        text: `Declared as ${v.severity}: ${v.title}`,
      });
      await tx.audit.append(
        {
          actor: ctx.actor.ref,
          action: 'incident.declared',
          subject: `incident:${ref(incident)}`,
          after: snapshot(incident),
        },
        at,
      );
      let page: string | null = null;
      if (noPage)
        await tx.incidents.addTimeline({
          incidentId: incident.id,
          at,
          kind: 'page',
          actorPerson: person.id,
          actorName: person.name,
          text: `Paging the on-call was requested, but ${noPage}`,
        });
      else if (v.page && paging) {
        const opened = await paging.open(
          tx,
          {
            key: `page:incident:${incident.number}`,
            serviceId: v.service!,
            incidentNumber: incident.number,
            message: `${ref(incident)} ${v.severity}: ${v.title}`,
            createdBy: person.id,
            createdPlatform: ctx.inv.platform,
            createdUserId: ctx.inv.userId,
          },
          ctx.actor.ref,
          at,
        );
        if (opened.ok) page = opened.ref;
      }
      await enqueue(tx.outbox, WarRoomCreate, `war_room:${incident.number}`, { incident: incident.number }, at);
      for (const platform of announcePlatforms(dir, this.d.platforms()))
        await enqueue(
          tx.outbox,
          Announce,
          `announce:${incident.number}:${platform}`,
          { incident: incident.number, platform },
          at,
        );
      return { incident, created: true, page };
    });
    if (created) this.d.kick();
    if (page && created) paging?.wake();
    const pagingText = page ? ` Paging the on-call (${page}).` : noPage ? ` Nobody was paged: ${noPage}.` : '';
    return ok(
      ephemeral({
        title: created ? `${ref(incident)} declared` : `${ref(incident)} was already declared from this form`,
        tone: 'warning',
        body: [
          txt(`${incident.title} · ${incident.severity}. `),
          txt(
            created
              ? `Opening the war room and announcing it now; you are the commander.${pagingText}`
              : 'Nothing new was created.',
          ),
        ],
        context: [code(ref(incident))],
      }),
    );
  }

  /** Finds the incident a command is about: INC-n if given, else the war room it is typed in. */
  async find(ctx: Ctx, number: number | undefined): Promise<Outcome<Incident>> {
    const i = await this.d.store.transaction((tx) =>
      number !== undefined
        ? tx.incidents.byNumber(number)
        : ctx.inv.channelId
          ? tx.incidents.byWarRoom(ctx.inv.platform, ctx.inv.channelId)
          : Promise.resolve(null),
    );
    if (i) return ok(i);
    return number !== undefined
      ? fail('INCIDENT.NOT_FOUND', `There is no incident INC-${number}.`, 'See /incident list.')
      : fail(
          'INCIDENT.NOT_IN_WAR_ROOM',
          'This channel is not an incident war room.',
          'Run the command in the war room, or name the incident, e.g. INC-7.',
        );
  }

  async openForm(
    ctx: Ctx,
    number: number,
    form: IncidentFormName,
    initial: Initial = {},
    nonce?: string,
  ): Promise<Outcome<Reply>> {
    const found = await this.find(ctx, number);
    if (!found.ok) return found;
    const i = found.value;
    if (!isOpen(i.status)) return this.closed(i);
    // A form opens only for someone who may submit it (the status form: any status change; the role form: any role).
    const actions: [IncidentAction, ...IncidentAction[]] =
      form === 'status' ? ['status', 'close'] : form === 'role' ? ['role', 'commander'] : [form];
    if (!actions.some((a) => this.may(ctx, i, a))) return refuse(this.dir, i, actions[0]);
    const f =
      form === 'status'
        ? statusForm(i, initial, nonce)
        : form === 'severity'
          ? severityForm(this.dir, i, initial, nonce)
          : form === 'role'
            ? roleForm(this.dir, i, initial, nonce)
            : resolveForm(i, initial, nonce);
    return ok({ cards: [], visibility: 'ephemeral', form: f });
  }

  update(ctx: Ctx, number: number | undefined, text: string) {
    return this.change(ctx, number, undefined, (i) => {
      if (!this.may(ctx, i, 'update')) return refuse(this.dir, i, 'update');
      return {
        patch: {},
        kind: 'update',
        text,
        effects: async (i, tx, at) => {
          await enqueue(
            tx.outbox,
            Update,
            `update:${i.number}:${i.version}`,
            { incident: i.number, version: i.version, text, by: ctx.actor.person!.id, at: at.toISOString() },
            at,
          );
        },
      };
    });
  }

  /** `/incident publish`: the status page's publish form for an open incident. */
  async publish(ctx: Ctx, number: number | undefined): Promise<Outcome<Reply>> {
    const page = this.d.statusPage();
    if (!page) return NO_STATUS_PAGE;
    const found = await this.find(ctx, number);
    if (!found.ok) return found;
    if (!isOpen(found.value.status)) return this.closed(found.value);
    return page.publishForm(ctx, facts(found.value));
  }

  /** `/incident update --public`: an update on the status page (the status page decides who may). */
  async publicUpdate(ctx: Ctx, number: number | undefined, text: string): Promise<Outcome<Reply>> {
    const page = this.d.statusPage();
    if (!page) return NO_STATUS_PAGE;
    const found = await this.find(ctx, number);
    if (!found.ok) return found;
    return page.publicUpdate(ctx, facts(found.value), text);
  }

  setStatus(
    ctx: Ctx,
    number: number | undefined,
    status: Exclude<IncidentStatus, 'resolved'>,
    text: string | undefined,
    key?: string,
  ) {
    return this.change(ctx, number, key, (i) => {
      const closes = !isOpen(status);
      if (!this.may(ctx, i, closes ? 'close' : 'status')) return refuse(this.dir, i, closes ? 'close' : 'status');
      if (i.status === status) return fail('INCIDENT.UNCHANGED', `${ref(i)} is already ${status}.`);
      const patch: IncidentPatch = { status };
      if (status === 'monitoring' && !i.mitigatedAt) patch.mitigatedAt = ctx.now;
      if (closes) patch.resolvedAt = ctx.now;
      return {
        patch,
        kind: 'status',
        text: `Status ${i.status} → ${status}${text ? `: ${text}` : ''}`,
        data: { from: i.status, to: status },
        effects: closes ? (next, tx, at) => this.closePages(ctx, next, tx, at) : undefined,
      };
    });
  }

  setSeverity(ctx: Ctx, number: number | undefined, severity: string, key?: string) {
    return this.change(ctx, number, key, (i) => {
      if (!this.may(ctx, i, 'severity')) return refuse(this.dir, i, 'severity');
      const known = this.dir.policy.incidents.severities.map((s) => s.id);
      if (!known.includes(severity))
        return fail('COMMAND.INVALID', `Unknown severity ${severity}.`, `Severities: ${known.join(', ')}`);
      if (i.severity === severity) return fail('INCIDENT.UNCHANGED', `${ref(i)} is already ${severity}.`);
      return {
        patch: { severity },
        kind: 'severity',
        text: `Severity ${i.severity} → ${severity}`,
        data: { from: i.severity, to: severity },
      };
    });
  }

  assignRole(ctx: Ctx, number: number | undefined, role: string, userRef: string, key?: string) {
    return this.change(ctx, number, key, (i) => {
      if (!this.dir.policy.incidents.roles.includes(role))
        return fail(
          'COMMAND.INVALID',
          `There is no role "${role}".`,
          `Roles: ${this.dir.policy.incidents.roles.join(', ')}`,
        );
      // Command decides who may resolve and close: handing it over has its own rule.
      const action = role === 'commander' ? 'commander' : 'role';
      if (!this.may(ctx, i, action)) return refuse(this.dir, i, action);
      const person = resolvePerson(this.dir, ctx.inv.platform, userRef);
      if (!person)
        return fail(
          'PERSON.NOT_FOUND',
          `Steward does not know "${userRef}".`,
          'Mention someone listed in the policy, or use their person id.',
        );
      if (i.roles[role] === person.id)
        return fail('INCIDENT.UNCHANGED', `${person.name} is already ${role} of ${ref(i)}.`);
      return {
        patch: { roles: { ...i.roles, [role]: person.id } },
        kind: 'role',
        text: `${person.name} is now ${role}`,
        data: { role, person: person.id, previous: i.roles[role] ?? null },
        effects: async (next, tx, at) => {
          await enqueue(
            tx.outbox,
            RoleDm,
            `role_dm:${next.number}:${next.version}`,
            { incident: next.number, role, person: person.id, by: ctx.actor.person!.id, guide: roleGuide(role) },
            at,
          );
        },
      };
    });
  }

  resolve(ctx: Ctx, number: number | undefined, summary: string | undefined, key?: string) {
    return this.change(ctx, number, key, (i) => {
      if (!this.may(ctx, i, 'resolve')) return refuse(this.dir, i, 'resolve');
      return {
        patch: {
          status: 'resolved',
          resolvedAt: ctx.now,
          resolution: summary ?? null,
          mitigatedAt: i.mitigatedAt ?? null,
        },
        kind: 'resolved',
        text: `Resolved${summary ? `: ${summary}` : ''}`,
        effects: async (next, tx, at) => {
          await enqueue(tx.outbox, Postmortem, `postmortem:${next.number}`, { incident: next.number }, at);
          await this.closePages(ctx, next, tx, at);
        },
      };
    });
  }

  /** A message pinned (or marked 📌) in a war room joins the timeline once, with its author and time. */
  async addPinned(
    platform: Platform,
    channelId: string,
    m: { messageId: string; authorId: string; authorName: string | null; text: string; at: Date; pinnedBy?: string },
  ): Promise<boolean> {
    return this.d.store.transaction(async (tx) => {
      const i = await tx.incidents.byWarRoom(platform, channelId);
      if (!i) return false;
      const author = this.dir.personOn(platform, m.authorId);
      const added = await tx.incidents.addTimeline({
        incidentId: i.id,
        at: m.at,
        kind: 'pinned',
        actorPerson: author?.id ?? null,
        actorName: author?.name ?? m.authorName ?? m.authorId,
        text: m.text.slice(0, 2000),
        data: { platform, channelId, messageId: m.messageId },
        dedupeKey: `pin:${platform}:${channelId}:${m.messageId}`,
      });
      const by = m.pinnedBy ?? m.authorId;
      if (added)
        await tx.audit.append(
          {
            actor: { platform, platformUserId: by, personId: this.dir.personOn(platform, by)?.id },
            action: 'incident.pinned',
            subject: `incident:${ref(i)}`,
            after: { messageId: m.messageId },
          },
          this.d.clock.now(),
        );
      return added;
    });
  }

  async retryWarRoom(ctx: Ctx, number: number): Promise<Outcome<Reply>> {
    const found = await this.find(ctx, number);
    if (!found.ok) return found;
    const i = found.value;
    if (!this.may(ctx, i, 'warRoom')) return refuse(this.dir, i, 'warRoom');
    if (i.warRoom.state === 'ready') return fail('INCIDENT.UNCHANGED', `${ref(i)} already has its war room.`);
    await this.d.store.transaction(async (tx) => {
      const next = await tx.incidents.update(
        i.id,
        i.version,
        { warRoom: { ...i.warRoom, state: 'pending', error: null } },
        ctx.now,
      );
      if (!next) return;
      await enqueue(
        tx.outbox,
        WarRoomCreate,
        `war_room:${i.number}:retry:${next.version}`,
        { incident: i.number },
        ctx.now,
      );
      await tx.audit.append(
        { actor: ctx.actor.ref, action: 'incident.war_room_retry', subject: `incident:${ref(i)}` },
        ctx.now,
      );
    });
    this.d.kick();
    return ok(ephemeral({ title: `Retrying the war room for ${ref(i)}`, tone: 'info' }));
  }

  /** Whether the actor may make this change to the incident (incidents.permissions). */
  may(ctx: Ctx, i: Incident, action: IncidentAction): boolean {
    return mayAct(this.dir, ctx.actor.person?.id, i, action);
  }

  /**
   * Closing an incident resolves the pages it opened that the closer may resolve by the paging
   * rules; the others keep escalating, and the timeline says which and why.
   */
  private async closePages(ctx: Ctx, i: Incident, tx: Tx, at: Date): Promise<void> {
    const paging = this.d.paging();
    if (!paging) return;
    const person = ctx.actor.person!;
    const kept = await paging.closeForIncident(tx, i.number, ctx.actor.ref, { id: person.id, name: person.name }, at);
    if (kept.length)
      await tx.incidents.addTimeline({
        incidentId: i.id,
        at,
        kind: 'page',
        actorPerson: person.id,
        actorName: person.name,
        text: `${kept.join(', ')} left open: ${person.name} may not resolve ${kept.length > 1 ? 'them' : 'it'} (policy paging.acknowledge)`,
      });
  }

  private closed(i: Incident): Outcome<never> {
    return fail(
      'INCIDENT.CLOSED',
      `${ref(i)} is already ${i.status}.`,
      i.resolvedAt ? `Closed at ${i.resolvedAt.toISOString()}.` : undefined,
    );
  }

  /**
   * The shared path of every change: find, decide, write (versioned; retried on a concurrent
   * change), timeline + audit + outbox in the same transaction. `key` (a form nonce) makes a
   * double submission a no-op.
   */
  private async change(
    ctx: Ctx,
    number: number | undefined,
    key: string | undefined,
    decide: (i: Incident) => Change | Outcome<never>,
  ): Promise<Outcome<Reply>> {
    const person = ctx.actor.person!;
    for (let attempt = 0; attempt < 5; attempt++) {
      const found = await this.find(ctx, number);
      if (!found.ok) return found;
      const current = found.value;
      if (!isOpen(current.status)) return this.closed(current);
      const decision = decide(current);
      if ('ok' in decision) return decision;
      const result = await this.d.store.transaction(async (tx) => {
        if (key && !(await tx.idempotency.claim(key, ctx.now))) return 'duplicate' as const;
        const patch = { ...decision.patch };
        // With a page, time to acknowledge is when the page is acknowledged; otherwise the first response.
        if (!current.acknowledgedAt && !current.pageOncall) patch.acknowledgedAt = ctx.now;
        const next = await tx.incidents.update(current.id, current.version, patch, ctx.now);
        if (!next) return 'conflict' as const;
        await tx.incidents.addTimeline({
          incidentId: next.id,
          at: ctx.now,
          kind: decision.kind,
          actorPerson: person.id,
          actorName: person.name,
          text: decision.text,
          data: decision.data,
        });
        await tx.audit.append(
          {
            actor: ctx.actor.ref,
            action: `incident.${decision.kind}`,
            subject: `incident:${ref(next)}`,
            before: snapshot(current),
            after: snapshot(next),
          },
          ctx.now,
        );
        await enqueue(tx.outbox, Refresh, `refresh:${next.number}:${next.version}`, { incident: next.number }, ctx.now);
        await decision.effects?.(next, tx, ctx.now);
        // A published incident's public status follows (resolving it restores its components).
        if (next.status !== current.status)
          await this.d
            .statusPage()
            ?.moved(tx, facts(next), ctx.actor.ref, { id: person.id, name: person.name }, ctx.now);
        return next;
      });
      if (result === 'duplicate')
        return ok(
          ephemeral({
            title: 'Already done',
            tone: 'info',
            body: [txt('This form was already submitted; nothing changed twice.')],
          }),
        );
      if (result === 'conflict') continue;
      this.d.kick();
      return ok({
        visibility: 'ephemeral',
        cards: [{ ...summaryCard(this.dir, result, { buttons: false }), title: `${ref(result)}: ${decision.text}` }],
      });
    }
    return fail('INCIDENT.CONFLICT', 'The incident kept changing while Steward applied this; try again.');
  }
}

function snapshot(i: Incident) {
  return {
    number: i.number,
    title: i.title,
    severity: i.severity,
    status: i.status,
    service: i.serviceId,
    roles: i.roles,
    resolvedAt: i.resolvedAt,
  };
}

/** Connected platforms with an announcement channel (the console announces locally). */
export function announcePlatforms(dir: Directory, connected: Platform[]): Platform[] {
  const a = dir.policy.incidents.announce ?? {};
  return connected.filter((p) => p === 'console' || !!a[p]);
}
