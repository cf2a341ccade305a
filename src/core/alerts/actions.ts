// Alert actions of people (from chat) and of time: acknowledge, resolve, silence and unsilence a
// group; the periodic re-check that lets silenced groups page once what held them is over; a page
// acknowledged or resolved in chat carried over to its group. Each group changes under its key's
// lock, in its own transaction, with the audit entry last.
import type { Ctx } from '../context.js';
import type { ActorRef, Tx } from '../ports.js';
import { type AlertGroup, type Labels, type Suppression, alertRef, silences } from './model.js';
import { BREACH_INTEGRATION } from './breaches.js';
import type { AlertDeps, AlertService } from './service.js';

export type AckResult =
  | { kind: 'done'; group: AlertGroup }
  | { kind: 'unchanged'; group: AlertGroup }
  | { kind: 'not_found' }
  | { kind: 'forbidden'; reason: string };

export class AlertActions {
  constructor(
    private readonly d: AlertDeps,
    private readonly s: AlertService,
  ) {}

  /** May `personId` act on alerts of `serviceId`: the paging policy's team, owners or anyone rules. */
  mayActOn(personId: string, serviceId: string): boolean {
    const dir = this.d.dir();
    const svc = dir.service(serviceId);
    const rules = dir.policy.paging.acknowledge;
    return (
      rules.includes('anyone') ||
      (!!svc && !!dir.team(svc.team)?.members.includes(personId)) ||
      (!!svc && svc.owners.includes(personId))
    );
  }

  /** Why `me` may not acknowledge or resolve the group, or undefined. */
  async refusal(tx: Tx, g: AlertGroup, personId: string): Promise<string | undefined> {
    if (this.mayActOn(personId, g.serviceId)) return undefined;
    const paging = this.d.paging();
    if (g.pageNumber !== null && paging && (await paging.mayAct(tx, g.pageNumber, personId))) return undefined;
    return `only the ${g.serviceId} team, its owners and the people its page notified may act on ${alertRef(g)}`;
  }

  /** A person acknowledges the group: its page stops escalating. */
  async acknowledge(ctx: Ctx, n: number): Promise<AckResult> {
    const me = ctx.actor.person!;
    return this.d.store
      .transaction(async (tx): Promise<AckResult> => {
        const g = await this.locked(tx, n, ctx.now);
        if (!g) return { kind: 'not_found' };
        if (g.state === 'acknowledged' || g.state === 'resolved') return { kind: 'unchanged', group: g };
        const refused = await this.refusal(tx, g, me.id);
        if (refused) return { kind: 'forbidden', reason: refused };
        const next = await tx.alerts.updateGroup(
          g.id,
          { state: 'acknowledged', ackBy: me.id, ackAt: ctx.now },
          ctx.now,
        );
        await tx.alerts.addEvent(g.id, `Acknowledged by ${me.name}`, ctx.now);
        await this.tellFindings(tx, next, { id: me.id, name: me.name }, ctx.now);
        await tx.audit.append(
          { actor: ctx.actor.ref, action: 'alert.acknowledged', subject: `alert:${alertRef(g)}`, after: { by: me.id } },
          ctx.now,
        );
        await this.s.syncPage(
          tx,
          next,
          'acknowledge',
          { id: me.id, name: me.name, platform: ctx.inv.platform },
          ctx.now,
        );
        await this.s.refresh(tx, next, ctx.now);
        return { kind: 'done', group: next };
      })
      .then((r) => this.kicked(r));
  }

  /** A person resolves the group (and its page); alerts that fire again open a new group. */
  async resolve(ctx: Ctx, n: number): Promise<AckResult> {
    const me = ctx.actor.person!;
    return this.d.store
      .transaction(async (tx): Promise<AckResult> => {
        const g = await this.locked(tx, n, ctx.now);
        if (!g) return { kind: 'not_found' };
        if (g.state === 'resolved') return { kind: 'unchanged', group: g };
        const refused = await this.refusal(tx, g, me.id);
        if (refused) return { kind: 'forbidden', reason: refused };
        const next = await this.s.close(tx, g, { id: me.id, name: me.name }, ctx.actor.ref, ctx.now);
        await this.s.refresh(tx, next, ctx.now);
        return { kind: 'done', group: next };
      })
      .then((r) => this.kicked(r));
  }

  private kicked<T extends { kind: string }>(r: T): T {
    if (r.kind === 'done') this.d.kick();
    return r;
  }

  /** The group by number, with its key row locked (serialised with notifications of the same key). */
  private async locked(tx: Tx, n: number, at: Date): Promise<AlertGroup | null> {
    const g = await tx.alerts.byNumber(n);
    if (!g) return null;
    await tx.alerts.lockKey(g.integration, g.groupKey, at);
    return tx.alerts.group(g.id);
  }

  /**
   * A silence from `me`: open groups it covers stop paging (their pages are acknowledged by `me`).
   * Without a service among its matchers it covers only services `me` may act on.
   */
  async silence(
    ctx: Ctx,
    s: { matchers: Labels; durationMs: number; reason: string },
  ): Promise<{ ok: true; number: number; covered: string[]; endsAt: Date } | { ok: false; reason: string }> {
    const me = ctx.actor.person!;
    const dir = this.d.dir();
    const service = s.matchers.service;
    let services: string[] | null = null;
    if (service) {
      if (!dir.service(service)) return { ok: false, reason: `there is no service "${service}"` };
      if (!this.mayActOn(me.id, service))
        return { ok: false, reason: `only the ${service} team and its owners may silence its alerts` };
    } else {
      services = dir
        .allServices()
        .filter((x) => this.mayActOn(me.id, x.id))
        .map((x) => x.id);
      if (!services.length)
        return { ok: false, reason: 'you are in no team that owns a service, so you may silence nothing' };
    }
    const endsAt = new Date(ctx.now.getTime() + s.durationMs);
    const created = await this.d.store.transaction(async (tx) => {
      const silence = await tx.alerts.createSilence({
        matchers: s.matchers,
        services,
        reason: s.reason,
        createdBy: me.id,
        startsAt: ctx.now,
        endsAt,
      });
      await tx.audit.append(
        {
          actor: ctx.actor.ref,
          action: 'alert.silenced',
          subject: `silence:SIL-${silence.number}`,
          after: { matchers: s.matchers, services, endsAt: endsAt.toISOString(), reason: s.reason },
        },
        ctx.now,
      );
      return { silence, open: await tx.alerts.list({ states: ['firing', 'acknowledged'], limit: 500 }) };
    });
    const ref = `SIL-${created.silence.number}`;
    const covered: string[] = [];
    // Each group in its own transaction, under its key's lock, as a notification would take it.
    for (const g of created.open.filter((x) => silences(created.silence, x.labels))) {
      const done = await this.d.store.transaction(async (tx) => {
        await tx.alerts.lockKey(g.integration, g.groupKey, ctx.now);
        const cur = await tx.alerts.group(g.id);
        if (!cur || (cur.state !== 'firing' && cur.state !== 'acknowledged')) return false;
        const suppressed: Suppression = { kind: 'silence', ref, until: endsAt };
        const next = await tx.alerts.updateGroup(cur.id, { state: 'silenced', suppressed }, ctx.now);
        await tx.alerts.addEvent(
          cur.id,
          `Silenced by ${me.name} (${ref} until ${endsAt.toISOString()}): ${s.reason}`,
          ctx.now,
        );
        if (cur.state === 'firing')
          await this.s.syncPage(
            tx,
            next,
            'acknowledge',
            { id: me.id, name: me.name, platform: ctx.inv.platform },
            ctx.now,
          );
        await this.s.refresh(tx, next, ctx.now);
        return true;
      });
      if (done) covered.push(alertRef(g));
    }
    const r = { number: created.silence.number, covered };
    this.d.kick();
    return { ok: true, ...r, endsAt };
  }

  /** Ends a silence early; the groups it held page now unless something else holds them. */
  async unsilence(
    ctx: Ctx,
    n: number,
  ): Promise<
    | { ok: true; paged: string[] }
    | { ok: false; reason: string; code: 'SILENCE.NOT_FOUND' | 'AUTH.FORBIDDEN' | 'ALERT.UNCHANGED' }
  > {
    const me = ctx.actor.person!;
    const r = await this.d.store.transaction(async (tx) => {
      const s = await tx.alerts.silence(n);
      if (!s) return { ok: false as const, code: 'SILENCE.NOT_FOUND' as const, reason: `there is no silence SIL-${n}` };
      if (s.removedAt || s.endsAt <= ctx.now)
        return { ok: false as const, code: 'ALERT.UNCHANGED' as const, reason: `SIL-${n} is already over` };
      const service = s.matchers.service;
      if (
        s.createdBy !== me.id &&
        !(service ? this.mayActOn(me.id, service) : (s.services ?? []).every((x) => this.mayActOn(me.id, x)))
      )
        return {
          ok: false as const,
          code: 'AUTH.FORBIDDEN' as const,
          reason: `only its creator and the teams it covers may end SIL-${n}`,
        };
      await tx.alerts.removeSilence(s.id, me.id, ctx.now);
      await tx.audit.append(
        { actor: ctx.actor.ref, action: 'alert.unsilenced', subject: `silence:SIL-${n}`, after: { by: me.id } },
        ctx.now,
      );
      return { ok: true as const };
    });
    if (!r.ok) return r;
    return { ok: true, paged: await this.tick(ctx.now) };
  }

  /** The periodic check: silenced groups whose silence, window or change is over page now; their references. */
  async tick(now: Date): Promise<string[]> {
    const paged: string[] = [];
    const held = await this.d.store.transaction((tx) => tx.alerts.list({ states: ['silenced'], limit: 500 }));
    for (const g of held) {
      const next = await this.d.store.transaction(async (tx) => {
        await tx.alerts.lockKey(g.integration, g.groupKey, now);
        const cur = await tx.alerts.group(g.id);
        return cur && cur.state === 'silenced' ? this.s.recheck(tx, cur, now) : null;
      });
      if (next && next.state !== 'silenced') paged.push(alertRef(next));
    }
    if (paged.length) {
      this.d.kick();
      this.d.paging()?.wake();
    }
    return paged;
  }

  /** A person acknowledged or resolved the group's page from chat: the group follows (AlertFromPage). */
  async fromPage(pageNumber: number, action: 'acknowledge' | 'resolve', by: { id: string; name: string } | null) {
    const at = this.d.clock.now();
    const changed = await this.d.store.transaction(async (tx) => {
      const found = await tx.alerts.byPage(pageNumber);
      if (!found) return false;
      const g = await this.locked(tx, found.number, at);
      if (!g || g.state === 'resolved') return false;
      const actor: ActorRef = { platform: 'system', platformUserId: by?.id };
      if (action === 'resolve') {
        const next = await tx.alerts.updateGroup(
          g.id,
          { state: 'resolved', resolvedBy: by?.id ?? null, resolvedAt: at },
          at,
        );
        await tx.alerts.setOpen(g.integration, g.groupKey, null, at);
        await tx.alerts.addEvent(g.id, `Resolved with its page${by ? ` by ${by.name}` : ''}`, at);
        await tx.audit.append(
          {
            actor,
            action: 'alert.resolved',
            subject: `alert:${alertRef(g)}`,
            after: { by: by?.id ?? null, via: 'page' },
          },
          at,
        );
        await this.s.refresh(tx, next, at);
        return true;
      }
      if (g.state === 'acknowledged') return false;
      const next = await tx.alerts.updateGroup(g.id, { state: 'acknowledged', ackBy: by?.id ?? null, ackAt: at }, at);
      await tx.alerts.addEvent(g.id, `Acknowledged with its page${by ? ` by ${by.name}` : ''}`, at);
      if (by) await this.tellFindings(tx, next, by, at);
      await tx.audit.append(
        {
          actor,
          action: 'alert.acknowledged',
          subject: `alert:${alertRef(g)}`,
          after: { by: by?.id ?? null, via: 'page' },
        },
        at,
      );
      await this.s.refresh(tx, next, at);
      return true;
    });
    if (changed) this.d.kick();
  }

  /** A breach group acknowledged: each of its findings records it in its history. */
  private async tellFindings(tx: Tx, g: AlertGroup, by: { id: string; name: string }, at: Date) {
    const findings = this.d.findings?.();
    if (g.integration !== BREACH_INTEGRATION || g.pageNumber === null || !findings) return;
    for (const a of await tx.alerts.alerts(g.id))
      await findings.acknowledged(tx, { key: a.fingerprint, ref: `PAGE-${g.pageNumber}` }, by, at);
  }
}
