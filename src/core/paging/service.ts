// Paging use cases: open a page (from /page or an incident), acknowledge, escalate now, resolve.
// Each is one transaction with its audit entry, incident timeline note and outbox items; the page
// row's version decides races between two clicks, two replicas, or a click and a firing step.
import type { Person } from '../policy/schema.js';
import { type Reply, ephemeral, inChannel, time, txt } from '../card.js';
import type { Directory } from '../directory.js';
import type { Ctx } from '../context.js';
import { fail, ok, type Outcome } from '../errors.js';
import { resolvePerson } from '../people/resolve.js';
import type { ActorRef, Clock, Platform, Store, Tx } from '../ports.js';
import { parseDuration } from '../shared/duration.js';
import { pageCard, pageListCard, pageSubject } from './cards.js';
import { enqueue } from '../outbox/effects.js';
import { PageRefresh, PageRoom } from './kinds.js';
import { type FrozenPath, type Page, notifySteps, pageRef, progressText } from './model.js';
import type { PagingAlerts } from '../alerts/links.js';
import type { PagingFindings, PagingIncidents } from './links.js';

export interface PagingDeps {
  store: Store;
  clock: Clock;
  dir: () => Directory;
  /** Wakes the escalation runner (a step is due now). */
  wake: () => void;
  /** Runs due side effects. */
  kick: () => void;
  /** The incidents a page may belong to (absent: incidents are not composed). */
  incidents: () => PagingIncidents | undefined;
  /** Patch SLAs, told when a finding's breach page is acknowledged (absent: not composed). */
  findings?: () => PagingFindings | undefined;
  /** Alerts, told when the page of an alert group is acknowledged or resolved from chat (absent: not composed). */
  alerts?: () => PagingAlerts | undefined;
}

export interface OpenPage {
  key: string;
  serviceId?: string;
  personId?: string;
  incidentNumber?: number;
  message: string;
  createdBy: string | null;
  createdPlatform: Platform | 'system';
  createdUserId: string | null;
}

/** `created`: false when a page with that key already existed (it is the one returned). */
export type Opened = { ok: true; page: Page; created: boolean } | { ok: false; reason: string };

/** Queues the edit of every copy of the page to its state at `p.version` (one item per version). */
export function refreshCopies(tx: Tx, p: Page, at: Date): Promise<boolean> {
  return enqueue(
    tx.outbox,
    PageRefresh,
    `page_refresh:${p.number}:${p.version}`,
    { page: p.number, version: p.version },
    at,
  );
}

/** Writes an incident timeline entry about a page (the war room holds the live page card). */
export async function noteOnIncident(
  incidents: PagingIncidents | undefined,
  tx: Tx,
  p: Page,
  text: string,
  at: Date,
  actor?: { id: string; name: string } | null,
  dedupe?: string,
): Promise<void> {
  if (p.incidentNumber === null || !incidents) return;
  await incidents.note(tx, p.incidentNumber, `${pageRef(p)}: ${text}`, at, actor, dedupe);
}

export class PagingService {
  constructor(private readonly d: PagingDeps) {}

  private get dir() {
    return this.d.dir();
  }

  wakeEscalation(): void {
    this.d.wake();
  }

  /** The path a new page of a service or a person walks, frozen now. */
  freeze(target: { serviceId?: string; personId?: string }): FrozenPath | string {
    const dir = this.dir;
    if (target.serviceId) {
      const s = dir.service(target.serviceId);
      if (!s) return `there is no service "${target.serviceId}"`;
      const ep = s.escalation ? dir.escalation(s.escalation) : undefined;
      if (!ep) return `${s.name} has no escalation path (policy services[].escalation)`;
      return {
        policy: ep.id,
        levels: ep.levels.map((l) => ({ notify: l.notify, ackTimeoutMs: parseDuration(l.ackTimeout) })),
        repeat: ep.repeat,
        team: s.team,
        policyVersion: dir.version,
      };
    }
    const direct = dir.policy.paging.direct;
    return {
      policy: null,
      levels: [{ notify: [{ person: target.personId! }], ackTimeoutMs: parseDuration(direct.ackTimeout) }],
      repeat: direct.repeat,
      team: null,
      policyVersion: dir.version,
    };
  }

  /** Opens a page inside the caller's transaction (once per key); its first step is due at once. */
  async open(tx: Tx, o: OpenPage, actor: ActorRef, at: Date): Promise<Opened> {
    const existing = await tx.pages.byKey(o.key);
    if (existing) return { ok: true, page: existing, created: false };
    const path = this.freeze(o);
    if (typeof path === 'string') return { ok: false, reason: path };
    const page = await tx.pages.create(
      {
        key: o.key,
        serviceId: o.serviceId ?? null,
        personId: o.personId ?? null,
        incidentNumber: o.incidentNumber ?? null,
        message: o.message,
        status: 'open',
        path,
        createdBy: o.createdBy,
        createdPlatform: o.createdPlatform,
        createdUserId: o.createdUserId,
        createdAt: at,
      },
      at,
    );
    await tx.pages.addStep({ pageId: page.id, seq: 0, round: 0, level: 0, kind: 'notify', dueAt: at });
    await tx.audit.append(
      {
        actor,
        action: 'page.created',
        subject: `page:${pageRef(page)}`,
        after: { service: page.serviceId, person: page.personId, incident: page.incidentNumber, path },
      },
      at,
    );
    const who = o.createdBy ? this.dir.person(o.createdBy) : undefined;
    await noteOnIncident(
      this.d.incidents(),
      tx,
      page,
      `paging ${pageSubject(this.dir, page)} along ${path.policy ?? 'a direct page'}`,
      at,
      who ? { id: who.id, name: who.name } : null,
      'created',
    );
    // The incident's war room gets the page card too, kept current like every other copy.
    if (page.incidentNumber !== null)
      await enqueue(tx.outbox, PageRoom, `page_room:${page.number}`, { page: page.number }, at);
    return { ok: true, page, created: true };
  }

  /** /page <service|@person> <message> */
  async create(ctx: Ctx, target: string, message: string): Promise<Outcome<Reply>> {
    const dir = this.dir;
    const me = ctx.actor.person!;
    const service = dir.service(target.toLowerCase());
    const person: Person | undefined = service ? undefined : resolvePerson(dir, ctx.inv.platform, target);
    if (!service && !person)
      return fail(
        'SERVICE.NOT_FOUND',
        `"${target}" is neither a service nor a person Steward knows.`,
        'Page a service id (see /service list) or mention a person.',
      );
    const opened = await this.d.store.transaction((tx) =>
      this.open(
        tx,
        {
          key: `page:${ctx.inv.platform}:${ctx.inv.requestId}`,
          serviceId: service?.id,
          personId: person?.id,
          message,
          createdBy: me.id,
          createdPlatform: ctx.inv.platform,
          createdUserId: ctx.inv.userId,
        },
        ctx.actor.ref,
        ctx.now,
      ),
    );
    if (!opened.ok)
      return fail(
        'PAGE.NO_PATH',
        `Cannot page: ${opened.reason}.`,
        person ? undefined : `Page a person instead: /page @someone ${message.slice(0, 30)}`,
      );
    this.d.wake();
    const p = opened.page;
    return ok(
      inChannel({
        ...pageCard(dir, p),
        buttons: undefined,
        title: `${pageRef(p)} · paging ${service ? `the on-call for ${service.name}` : person!.name}`,
        context: [
          txt(
            `${p.path.policy ? `escalation ${p.path.policy}` : 'direct page'} · ${notifySteps(p.path)} step(s) · started `,
          ),
          time(p.createdAt),
        ],
      }),
    );
  }

  async list(_ctx: Ctx): Promise<Outcome<Reply>> {
    const pages = await this.d.store.transaction((tx) =>
      tx.pages.list({ statuses: ['open', 'acknowledged'], limit: 20 }),
    );
    return ok(ephemeral(pageListCard(this.dir, pages)));
  }

  /** Who may act on a page, by the policy's paging.acknowledge rules. */
  mayAct(personId: string, p: Page): boolean {
    const dir = this.dir;
    const svc = p.serviceId ? dir.service(p.serviceId) : undefined;
    return dir.policy.paging.acknowledge.some((rule) => {
      switch (rule) {
        case 'anyone':
          return true;
        case 'targets':
          return p.notified.includes(personId) || p.personId === personId;
        case 'team':
          return !!svc && !!dir.team(svc.team)?.members.includes(personId);
        case 'owners':
          return !!svc?.owners.includes(personId);
      }
    });
  }

  private refuse(p: Page, verb: string): Outcome<never> {
    const rules = this.dir.policy.paging.acknowledge.map(
      (r) =>
        ({
          targets: 'the people it notified',
          team: 'its service team',
          owners: 'its service owners',
          anyone: 'anyone',
        })[r],
    );
    return fail(
      'AUTH.FORBIDDEN',
      `Only ${rules.join(' or ')} may ${verb} ${pageRef(p)}.`,
      p.notified.length
        ? `Notified so far: ${p.notified.map((id) => this.dir.person(id)?.name ?? id).join(', ')}.`
        : undefined,
    );
  }

  private closedReply(p: Page): Outcome<Reply> {
    const name = (id: string | null) => (id ? (this.dir.person(id)?.name ?? id) : 'someone');
    if (p.status === 'acknowledged')
      return ok(
        ephemeral({
          title: `${pageRef(p)} was already acknowledged by ${name(p.ackBy)}`,
          tone: 'info',
          body: [txt('Acknowledged at '), time(p.ackAt!), txt('. Nothing changed.')],
        }),
      );
    return ok(
      ephemeral({
        title: `${pageRef(p)} is already resolved`,
        tone: 'info',
        body: [txt(`Resolved by ${name(p.resolvedBy)} at `), time(p.resolvedAt!), txt('. Nothing to acknowledge.')],
      }),
    );
  }

  private async load(n: number): Promise<Outcome<Page>> {
    const p = await this.d.store.transaction((tx) => tx.pages.byNumber(n));
    return p ? ok(p) : fail('PAGE.NOT_FOUND', `There is no page PAGE-${n}.`, 'See /page list.');
  }

  /** Runs `attempt` on page `n` as stored now; again (up to 5 times) while it returns null (a concurrent change won the version race). */
  private async onCurrent(n: number, attempt: (p: Page) => Promise<Outcome<Reply> | null>): Promise<Outcome<Reply>> {
    for (let i = 0; i < 5; i++) {
      const found = await this.load(n);
      if (!found.ok) return found;
      const r = await attempt(found.value);
      if (r) return r;
    }
    return fail('INTERNAL', `${pageRef({ number: n })} kept changing; try again.`);
  }

  /** Acknowledge: stops the escalation and edits every message about the page, everywhere. */
  ack(ctx: Ctx, n: number): Promise<Outcome<Reply>> {
    const me = ctx.actor.person!;
    return this.onCurrent(n, async (p) => {
      if (p.status === 'acknowledged' && p.ackBy === me.id)
        return ok(
          ephemeral({
            title: `You already acknowledged ${pageRef(p)}`,
            tone: 'info',
            body: [txt('At '), time(p.ackAt!), txt('. Nothing changed.')],
          }),
        );
      if (p.status !== 'open') return this.closedReply(p);
      if (!this.mayAct(me.id, p)) return this.refuse(p, 'acknowledge');
      const next = await this.d.store.transaction((tx) =>
        this.acknowledgeIn(tx, p, { id: me.id, name: me.name, platform: ctx.inv.platform }, ctx.actor.ref, ctx.now),
      );
      if (!next) return null;
      this.d.kick();
      const escalated =
        p.stepSeq > 0 ? ` It had reached ${progressText(p.path, p.stepSeq)}; everyone notified sees it.` : '';
      return ok(
        ephemeral({
          title: `You acknowledged ${pageRef(p)}`,
          tone: 'good',
          body: [txt(`Escalation stopped.${escalated}`)],
        }),
      );
    });
  }

  /**
   * Acknowledges page `p` (at its version) inside the caller's transaction; null on a version race.
   * `echo`: tell the alert group the page belongs to (false when the group asked for it).
   */
  async acknowledgeIn(
    tx: Tx,
    p: Page,
    me: { id: string; name: string; platform: string },
    actor: ActorRef,
    at: Date,
    echo = true,
  ): Promise<Page | null> {
    const updated = await tx.pages.update(
      p.id,
      p.version,
      { status: 'acknowledged', ackBy: me.id, ackAt: at, ackPlatform: me.platform },
      at,
    );
    if (!updated) return null;
    const cancelled = await tx.pages.cancelPending(p.id, at);
    await tx.audit.append(
      {
        actor,
        action: 'page.acknowledged',
        subject: `page:${pageRef(p)}`,
        before: { status: 'open', step: p.stepSeq },
        after: { status: 'acknowledged', by: me.id, cancelledSteps: cancelled },
      },
      at,
    );
    await this.acknowledgeIncident(tx, updated, at);
    const who = { id: me.id, name: me.name };
    await this.d.findings?.()?.acknowledged(tx, { key: updated.key, ref: pageRef(updated) }, who, at);
    if (echo) await this.d.alerts?.()?.acknowledged(tx, { key: updated.key, number: updated.number }, who, at);
    await noteOnIncident(
      this.d.incidents(),
      tx,
      updated,
      `acknowledged by ${me.name} (${progressText(p.path, p.stepSeq)})`,
      at,
      who,
      'ack',
    );
    await refreshCopies(tx, updated, at);
    return updated;
  }

  /** The incident's time to acknowledge comes from its page. */
  private async acknowledgeIncident(tx: Tx, p: Page, at: Date) {
    if (p.incidentNumber !== null) await this.d.incidents()?.acknowledged(tx, p.incidentNumber, at);
  }

  /** Escalate now (from the message of step `from`): the next step falls due at once. */
  escalate(ctx: Ctx, n: number, from: number): Promise<Outcome<Reply>> {
    const me = ctx.actor.person!;
    return this.onCurrent(n, async (p) => {
      if (p.status !== 'open') return this.closedReply(p);
      if (!this.mayAct(me.id, p)) return this.refuse(p, 'escalate');
      if (p.stepSeq + 1 >= notifySteps(p.path))
        return fail(
          'PAGE.UNCHANGED',
          `${pageRef(p)} has no further level to escalate to.`,
          'Acknowledge it, or page someone directly with /page @person.',
        );
      if (p.stepSeq > from)
        return fail('PAGE.UNCHANGED', `${pageRef(p)} has already escalated (${progressText(p.path, p.stepSeq)}).`);
      const moved = await this.d.store.transaction(async (tx) => {
        const done = await tx.pages.reschedule(p.id, p.stepSeq + 1, ctx.now);
        if (done)
          await tx.audit.append(
            {
              actor: ctx.actor.ref,
              action: 'page.escalate_now',
              subject: `page:${pageRef(p)}`,
              after: { step: p.stepSeq + 1 },
            },
            ctx.now,
          );
        return done;
      });
      if (!moved) return fail('PAGE.UNCHANGED', `${pageRef(p)} is escalating already.`);
      this.d.wake();
      return ok(
        ephemeral({
          title: `Escalating ${pageRef(p)} now`,
          tone: 'warning',
          body: [txt(`The next level is being notified (${progressText(p.path, p.stepSeq + 1)}).`)],
        }),
      );
    });
  }

  /** Resolve: the page is over (also when its incident is resolved). */
  resolve(ctx: Ctx, n: number): Promise<Outcome<Reply>> {
    const me = ctx.actor.person!;
    return this.onCurrent(n, async (p) => {
      if (p.status === 'resolved') return this.closedReply(p);
      if (!this.mayAct(me.id, p) && p.createdBy !== me.id) return this.refuse(p, 'resolve');
      if (!(await this.d.store.transaction((tx) => this.close(tx, p, ctx.actor.ref, me, ctx.now)))) return null;
      this.d.kick();
      return ok(ephemeral({ title: `You resolved ${pageRef(p)}`, tone: 'good' }));
    });
  }

  /** Resolves an open or acknowledged page inside the caller's transaction; false on a version race. */
  async close(
    tx: Tx,
    p: Page,
    actor: ActorRef,
    who: { id: string; name: string } | null,
    at: Date,
    echo = true,
  ): Promise<boolean> {
    const updated = await tx.pages.update(
      p.id,
      p.version,
      { status: 'resolved', resolvedBy: who?.id ?? null, resolvedAt: at },
      at,
    );
    if (!updated) return false;
    await tx.pages.cancelPending(p.id, at);
    await tx.audit.append(
      {
        actor,
        action: 'page.resolved',
        subject: `page:${pageRef(p)}`,
        before: { status: p.status },
        after: { status: 'resolved', by: who?.id ?? null },
      },
      at,
    );
    if (echo) await this.d.alerts?.()?.resolved(tx, { key: updated.key, number: updated.number }, who, at);
    await noteOnIncident(
      this.d.incidents(),
      tx,
      updated,
      `resolved${who ? ` by ${who.name}` : ''}`,
      at,
      who,
      'resolved',
    );
    await refreshCopies(tx, updated, at);
    return true;
  }

  /** Closing an incident resolves the pages `who` may resolve (in the incident's transaction); the others' references come back. */
  async closeForIncident(
    tx: Tx,
    incidentNumber: number,
    actor: ActorRef,
    who: { id: string; name: string } | null,
    at: Date,
  ): Promise<string[]> {
    const kept: string[] = [];
    for (const listed of await tx.pages.list({ incidentNumber: incidentNumber, statuses: ['open', 'acknowledged'] })) {
      if (who && !this.mayAct(who.id, listed)) {
        kept.push(pageRef(listed));
        continue;
      }
      // A step firing meanwhile bumps the version: reload and close the page as it is now.
      for (let p: Page | null = listed, i = 0; p && p.status !== 'resolved' && i < 5; i++) {
        if (await this.close(tx, p, actor, who, at)) break;
        p = await tx.pages.byId(listed.id);
      }
    }
    return kept;
  }
}
