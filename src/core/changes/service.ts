// Change-request use cases: request, approve / reject (separation of duties and quorum decided
// here, once), start, complete, roll back, cancel, expire. Each is one transaction with its audit
// entry and the outbox items that keep every copy of the card current; deciders on one change take
// turns on its row lock, so two approvals at the same instant are both counted and the outcome is
// decided exactly once.
import { decisionReply } from '../approvals/cards.js';
import { evaluateQuorum } from '../approvals/quorum.js';
import { ApprovalWorkflow } from '../approvals/workflow.js';
import { type Reply, ephemeral, txt } from '../card.js';
import type { Ctx } from '../context.js';
import type { Directory } from '../directory.js';
import { fail, ok, type Outcome } from '../errors.js';
import { DECLARE_INCIDENT } from '../incidents/links.js';
import { call } from '../module.js';
import { enqueue } from '../outbox/effects.js';
import { personOn, teamChannelOn } from '../people/addresses.js';
import type { ApiToken } from '../api/tokens.js';
import type { Clock, Platform, Store, Tx } from '../ports.js';
import { parseDuration } from '../shared/duration.js';
import type { ChangeView } from './cards.js';
import { ChangeSend } from './kinds.js';
import type { ChangeIncidents, ChangeStatusPage } from './links.js';
import { changeApprovals, refreshChange } from './approval.js';
import {
  type Change,
  type Outcome as ChangeOutcome,
  STATE_LABEL,
  changeRef,
  closedForDecisions,
  requesterOf,
  stateOf,
  viaOf,
} from './model.js';
import type { ChangePatch } from './ports.js';
import { type RequestFields, checkRequest } from './request.js';
import { type ApiRequester, type Requester, apiRequester } from './requester.js';

export interface ChangeDeps {
  store: Store;
  clock: Clock;
  dir: () => Directory;
  kick: () => void;
  platforms: () => Platform[];
  incidents: () => ChangeIncidents | undefined;
  /** The public status page (absent: not composed): approved changes become scheduled maintenance. */
  statusPage?: () => ChangeStatusPage | undefined;
}

export type Requested =
  | { ok: true; change: Change; created: boolean; /** How an ambiguous start time was read. */ note?: string }
  | { ok: false; fields: Record<string, string> };

/** Starting a change is allowed this long before its window opens (clocks and people differ a little). */
export const START_GRACE_MS = 5 * 60_000;

export class ChangeService {
  private readonly approvals: ApprovalWorkflow<Change, ChangePatch>;

  constructor(private readonly d: ChangeDeps) {
    this.approvals = new ApprovalWorkflow(
      changeApprovals({
        dir: d.dir,
        quorum: (c, decisions) => this.view(c, [...decisions]).quorum,
        moved: (tx, c, at) => this.d.statusPage?.()?.moved(tx, c, at),
      }),
      d,
    );
  }

  private get dir() {
    return this.d.dir();
  }

  view(c: Change, decisions: ChangeView['decisions']): ChangeView {
    const s = this.dir.service(c.serviceId);
    const quorum = evaluateQuorum({
      requirements: c.rule.approve,
      directory: this.dir,
      requester: c.requestedBy,
      service: c.serviceId,
      team: s?.team ?? '',
      decisions,
    });
    return { c, decisions, quorum };
  }

  async load(n: number): Promise<Outcome<ChangeView>> {
    const r = await this.d.store.transaction(async (tx) => {
      const c = await tx.changes.byNumber(n);
      return c ? { c, decisions: await tx.changes.decisions(c.id) } : null;
    });
    return r
      ? ok(this.view(r.c, r.decisions))
      : fail('CHANGE.NOT_FOUND', `There is no change CHG-${n}.`, 'See /change list.');
  }

  /** Who a pipeline's request stands for: its token alone, or the person its body names (requester.ts). */
  apiRequester(token: ApiToken, named: string | undefined): ApiRequester {
    return apiRequester(this.dir, token, named);
  }

  /** Creates CHG-n once per key (a form's nonce, a pipeline's request key); field errors otherwise. */
  async request(who: Requester, input: RequestFields, key: string, now: Date): Promise<Requested> {
    const dir = this.dir;
    const r = await this.d.store.transaction(async (tx): Promise<Requested> => {
      const existing = await tx.changes.byKey(key);
      if (existing) return { ok: true, change: existing, created: false };
      const checked = await checkRequest(
        tx,
        dir,
        this.d.incidents(),
        input,
        { personId: who.personId, timezone: who.timezone ?? dir.timezoneOf(who.personId), via: viaOf(who.platform) },
        now,
      );
      if (!checked.ok) return checked;
      // The same request submitted at the same time: the claim waits for the other transaction to
      // commit, then reports it, and this one answers with the change it created.
      if (!(await tx.idempotency.claim(`change:${key}`, now))) {
        const first = await tx.changes.byKey(key);
        if (first) return { ok: true, change: first, created: false };
        throw new Error(`change request key ${key} claimed but no change found`);
      }
      const v = checked.value;
      const preApproved = v.rule.approve.length === 0;
      const change = await tx.changes.create(
        {
          key,
          ...v,
          approval: preApproved ? 'approved' : 'pending',
          phase: 'requested',
          requestedBy: who.personId,
          requestedPlatform: who.platform,
          requestedUserId: who.userId,
          requestedAt: now,
          expiresAt: new Date(now.getTime() + parseDuration(dir.policy.changes.approvalTimeout)),
        },
        now,
      );
      await tx.audit.append(
        {
          actor: who.actor,
          action: 'change.requested',
          subject: `change:${changeRef(change)}`,
          after: { ...v, approval: change.approval, rule: v.rule, requester: requesterOf(change) },
        },
        now,
      );
      await this.announce(tx, change, now);
      // Pre-approved: the status page may show it as scheduled maintenance at once.
      await this.d.statusPage?.()?.moved(tx, change, now);
      if (change.incidentNumber !== null) {
        const p = dir.person(who.personId);
        await this.d
          .incidents()
          ?.note(
            tx,
            change.incidentNumber,
            `Emergency change ${changeRef(change)}: ${change.title}`,
            now,
            p ? { id: p.id, name: p.name } : null,
            `change:${change.number}`,
          );
      }
      return { ok: true, change, created: true, ...(checked.note ? { note: checked.note } : {}) };
    });
    if (r.ok && r.created) this.d.kick();
    return r;
  }

  /** The card in the service team's channel and a request to each approver, on every connected platform. */
  private async announce(tx: Tx, c: Change, at: Date) {
    const dir = this.dir;
    const team = dir.service(c.serviceId)?.team ?? '';
    const approvers = closedForDecisions(c) ? [] : this.view(c, []).quorum.approvers;
    for (const platform of this.d.platforms()) {
      const channel = teamChannelOn(dir, platform, team);
      if (channel)
        await enqueue(
          tx.outbox,
          ChangeSend,
          `change_send:${c.number}:card:${platform}`,
          { change: c.number, platform, to: channel, kind: 'card' },
          at,
        );
      for (const id of approvers) {
        const to = personOn(dir, platform, id);
        if (to)
          await enqueue(
            tx.outbox,
            ChangeSend,
            `change_send:${c.number}:ask:${platform}:${id}`,
            { change: c.number, platform, to, kind: 'approver', person: id },
            at,
          );
      }
    }
  }

  /** Every copy of the card edited to the change as it is now; the status page follows it. */
  private async refresh(tx: Tx, c: Change, at: Date) {
    await refreshChange(tx, c, at);
    await this.d.statusPage?.()?.moved(tx, c, at);
  }

  /** Approve or reject (with a reason), through the approval workflow: the first decision that completes the quorum, or the first rejection, decides. */
  async decide(ctx: Ctx, n: number, decision: 'approve' | 'reject', reason?: string): Promise<Outcome<Reply>> {
    const r = await this.approvals.decide(ctx, n, decision, reason);
    if (!r.ok) return r;
    const c = r.value.subject;
    return ok(decisionReply(changeRef(c), decision, r.value, STATE_LABEL[stateOf(c)]));
  }

  /** Runs `patch` on CHG-n once `check` allows it (one versioned write, audited, every copy refreshed). */
  private async transition(
    ctx: Ctx,
    n: number,
    action: string,
    check: (c: Change, view: ChangeView) => Outcome<Partial<Change>>,
    done: (c: Change) => Reply,
  ): Promise<Outcome<Reply>> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const found = await this.load(n);
      if (!found.ok) return found;
      const c = found.value.c;
      const patch = check(c, found.value);
      if (!patch.ok) return patch;
      const next = await this.d.store.transaction(async (tx) => {
        const updated = await tx.changes.update(c.id, c.version, patch.value, ctx.now);
        if (!updated) return null;
        await tx.audit.append(
          {
            actor: ctx.actor.ref,
            action: `change.${action}`,
            subject: `change:${changeRef(c)}`,
            before: { state: stateOf(c) },
            after: { state: stateOf(updated), ...patch.value },
          },
          ctx.now,
        );
        await this.refresh(tx, updated, ctx.now);
        return updated;
      });
      if (next) {
        this.d.kick();
        return ok(done(next));
      }
    }
    return fail('INTERNAL', `CHG-${n} kept changing; try again.`);
  }

  /** Who may run a change: its requester, the service's owners and team. */
  private mayRun(personId: string, c: Change): boolean {
    const s = this.dir.service(c.serviceId);
    return (
      c.requestedBy === personId ||
      !!s?.owners.includes(personId) ||
      !!this.dir.team(s?.team ?? '')?.members.includes(personId)
    );
  }

  start(ctx: Ctx, n: number) {
    const me = ctx.actor.person!;
    return this.transition(
      ctx,
      n,
      'started',
      (c, view) => {
        if (!this.mayRun(me.id, c))
          return fail(
            'AUTH.FORBIDDEN',
            `Only the requester, the owners or the team of ${c.serviceId} may start ${changeRef(c)}.`,
          );
        if (c.phase !== 'requested')
          return fail('CHANGE.STATE', `${changeRef(c)} is ${STATE_LABEL[stateOf(c)].toLowerCase()}; it cannot start.`);
        const emergency = c.kind === 'emergency' && c.rule.retrospective;
        if (c.approval !== 'approved' && !(emergency && c.approval === 'pending'))
          return fail(
            'CHANGE.NOT_APPROVED',
            `${changeRef(c)} is ${STATE_LABEL[stateOf(c)].toLowerCase()}: it may start once approved.`,
            `Tally: ${view.quorum.tally}`,
          );
        if (!emergency && (ctx.now.getTime() < c.windowStart.getTime() - START_GRACE_MS || ctx.now >= c.windowEnd))
          return fail(
            'CHANGE.OUTSIDE_WINDOW',
            `${changeRef(c)} is planned for ${c.windowStart.toISOString()} – ${c.windowEnd.toISOString()}; start it inside its window.`,
            'Request a new change for another time.',
          );
        return ok({ phase: 'in_progress', startedAt: ctx.now });
      },
      (c) =>
        ephemeral({
          title: `${changeRef(c)} started`,
          tone: 'info',
          body: [txt(`Finish with /change complete ${changeRef(c)}, or /change rollback ${changeRef(c)}.`)],
        }),
    );
  }

  /** Whether this person may complete the change now: also asked before the outcome form opens. */
  mayComplete(personId: string, c: Change): Outcome<true> {
    if (!this.mayRun(personId, c))
      return fail(
        'AUTH.FORBIDDEN',
        `Only the requester, the owners or the team of ${c.serviceId} may complete ${changeRef(c)}.`,
      );
    if (c.phase !== 'in_progress')
      return fail(
        'CHANGE.STATE',
        `${changeRef(c)} is ${STATE_LABEL[stateOf(c)].toLowerCase()}; only a change in progress completes.`,
      );
    return ok(true);
  }

  complete(ctx: Ctx, n: number, outcome: ChangeOutcome) {
    const me = ctx.actor.person!;
    return this.transition(
      ctx,
      n,
      'completed',
      (c) => {
        const may = this.mayComplete(me.id, c);
        return may.ok ? ok({ phase: 'completed', outcome, endedAt: ctx.now }) : may;
      },
      (c) =>
        ephemeral({
          title: `${changeRef(c)} completed: ${outcome.replace('_', ' ')}`,
          tone: outcome === 'successful' ? 'good' : 'warning',
        }),
    );
  }

  rollback(ctx: Ctx, n: number) {
    const me = ctx.actor.person!;
    return this.transition(
      ctx,
      n,
      'rolled_back',
      (c) => {
        if (!this.mayRun(me.id, c))
          return fail(
            'AUTH.FORBIDDEN',
            `Only the requester, the owners or the team of ${c.serviceId} may roll back ${changeRef(c)}.`,
          );
        if (c.phase !== 'in_progress')
          return fail(
            'CHANGE.STATE',
            `${changeRef(c)} is ${STATE_LABEL[stateOf(c)].toLowerCase()}; only a change in progress rolls back.`,
          );
        return ok({ phase: 'rolled_back', endedAt: ctx.now });
      },
      (c) => ({
        ...ephemeral({
          title: `${changeRef(c)} rolled back`,
          tone: 'danger',
          body: [
            txt(
              'Recorded. If it hurt anyone, declare an incident: its title names this change, and its war room lists the change under What changed?',
            ),
          ],
          buttons: [
            {
              label: 'Declare an incident',
              style: 'danger',
              command: call(DECLARE_INCIDENT, { title: `Rollback of ${changeRef(c)}: ${c.title}`.slice(0, 100) }),
            },
          ],
        }),
      }),
    );
  }

  cancel(ctx: Ctx, n: number) {
    const me = ctx.actor.person!;
    return this.transition(
      ctx,
      n,
      'cancelled',
      (c) => {
        if (c.requestedBy !== me.id)
          return fail(
            'AUTH.FORBIDDEN',
            `Only ${this.dir.person(c.requestedBy)?.name ?? c.requestedBy}, who requested it, may cancel ${changeRef(c)}.`,
          );
        if (c.phase !== 'requested' || c.approval === 'rejected' || c.approval === 'expired')
          return fail(
            'CHANGE.STATE',
            `${changeRef(c)} is ${STATE_LABEL[stateOf(c)].toLowerCase()}; it cannot be cancelled.`,
          );
        return ok({ phase: 'cancelled', endedAt: ctx.now });
      },
      (c) => ephemeral({ title: `${changeRef(c)} cancelled`, tone: 'neutral' }),
    );
  }

  /** Pending requests nobody decided within changes.approvalTimeout expire (each once, whichever replica gets there). */
  expire(now: Date): Promise<number> {
    return this.approvals.expire(now);
  }
}
