// Risk exception use cases: request (field errors for a bad justification or expiry), approve /
// reject under the same quorum rules as change approvals (separation of duties, decided once on
// the row lock), and expiry, which reactivates the finding and tells its service's owners. Each is
// one transaction with its audit entries (on the finding's subject) and the outbox items that
// deliver and refresh every copy.
import { decisionReply } from '../../approvals/cards.js';
import { evaluateQuorum, type Quorum } from '../../approvals/quorum.js';
import { ApprovalWorkflow } from '../../approvals/workflow.js';
import type { Reply } from '../../card.js';
import type { Ctx } from '../../context.js';
import type { Directory } from '../../directory.js';
import { fail, ok, type Outcome } from '../../errors.js';
import { enqueue } from '../../outbox/effects.js';
import { personOn } from '../../people/addresses.js';
import type { Platform, Store, Tx } from '../../ports.js';
import { readUntil } from './forms.js';
import { exceptionApprovals } from './approval.js';
import { ExceptionSend } from './kinds.js';
import { type ExceptionDecisionRow, type RiskException, STATE_LABEL, exceptionRef } from './model.js';
import type { ExceptionPatch } from './ports.js';
import { findingRef } from '../findings/model.js';

export interface ExceptionView {
  e: RiskException;
  decisions: ExceptionDecisionRow[];
  quorum: Quorum;
}

export interface ExceptionDeps {
  store: Store;
  dir: () => Directory;
  kick: () => void;
  platforms: () => Platform[];
}

export type ExceptionRequested =
  | { ok: true; e: RiskException; created: boolean }
  | { ok: false; fields: Record<string, string> }
  | { ok: false; refused: Outcome<never> };

const DEFAULT_EXCEPTIONS = { maxDuration: '180d', approve: [{ owners: 1 }] } as const;

export class ExceptionService {
  private readonly approvals: ApprovalWorkflow<RiskException, ExceptionPatch>;

  constructor(private readonly d: ExceptionDeps) {
    this.approvals = new ApprovalWorkflow(
      exceptionApprovals({
        dir: d.dir,
        platforms: d.platforms,
        quorum: (e, decisions) => this.view(e, [...decisions]).quorum,
      }),
      d,
    );
  }

  private get dir() {
    return this.d.dir();
  }

  private settings() {
    return this.dir.policy.patches?.exceptions ?? DEFAULT_EXCEPTIONS;
  }

  view(e: RiskException, decisions: ExceptionDecisionRow[]): ExceptionView {
    const s = this.dir.service(e.serviceId);
    const quorum = evaluateQuorum({
      requirements: e.requirements,
      directory: this.dir,
      requester: e.requestedBy,
      service: e.serviceId,
      team: s?.team ?? '',
      decisions,
      noun: 'exception',
    });
    return { e, decisions, quorum };
  }

  private async viewIn(tx: Tx, e: RiskException) {
    return this.view(e, await tx.exceptions.decisions(e.id));
  }

  async load(n: number): Promise<Outcome<ExceptionView>> {
    const r = await this.d.store.transaction(async (tx) => {
      const e = await tx.exceptions.byNumber(n);
      return e ? this.viewIn(tx, e) : null;
    });
    return r ? ok(r) : fail('EXCEPTION.NOT_FOUND', `There is no risk exception ${exceptionRef(n)}.`);
  }

  /** The finding's latest exception, for /patch show. */
  async latestOf(findingId: number): Promise<ExceptionView | null> {
    return this.d.store.transaction(async (tx) => {
      const e = await tx.exceptions.latestOf(findingId);
      return e ? this.viewIn(tx, e) : null;
    });
  }

  /** Whether a finding may get an exception now (asked before the form opens, and again on submit). */
  async mayRequest(tx: Tx, findingId: number, now: Date): Promise<Outcome<{ serviceId: string }>> {
    const f = await tx.findings.byId(findingId);
    if (!f)
      return fail(
        'COMMAND.INVALID',
        `There is no finding ${findingRef(findingId)}.`,
        'List them with /patch list [service|team].',
      );
    if (f.state !== 'open')
      return fail('FINDING.STATE', `${findingRef(f.id)} is ${f.state}; only an open finding gets a risk exception.`);
    const last = await tx.exceptions.latestOf(f.id);
    if (last && (last.state === 'pending' || (last.state === 'accepted' && last.until > now)))
      return fail(
        'EXCEPTION.OPEN',
        `${findingRef(f.id)} already has ${exceptionRef(last)} (${STATE_LABEL[last.state].toLowerCase()}).`,
        `See /patch show ${findingRef(f.id)}.`,
      );
    return ok({ serviceId: f.serviceId });
  }

  async checkRequest(findingId: number, now: Date): Promise<Outcome<{ serviceId: string }>> {
    return this.d.store.transaction((tx) => this.mayRequest(tx, findingId, now));
  }

  /** Creates EXC-n once per form nonce and asks its approvers on every connected platform. */
  async request(
    ctx: Ctx,
    findingId: number,
    v: { justification: string; until: string },
    key: string,
  ): Promise<ExceptionRequested> {
    const me = ctx.actor.person!;
    const settings = this.settings();
    const until = readUntil(v.until, ctx.now, this.dir.timezoneOf(me.id), settings.maxDuration);
    const r = await this.d.store.transaction(async (tx): Promise<ExceptionRequested> => {
      const existing = await tx.exceptions.byKey(key);
      if (existing) return { ok: true, e: existing, created: false };
      if (!until.ok) return { ok: false, fields: { until: until.error } };
      const may = await this.mayRequest(tx, findingId, ctx.now);
      if (!may.ok) return { ok: false, refused: may };
      if (!(await tx.idempotency.claim(`exception:${key}`, ctx.now))) {
        const first = await tx.exceptions.byKey(key);
        if (first) return { ok: true, e: first, created: false };
        throw new Error(`exception request key ${key} claimed but no exception found`);
      }
      const requirements = [...settings.approve];
      const s = this.dir.service(may.value.serviceId);
      const q = evaluateQuorum({
        requirements,
        directory: this.dir,
        requester: me.id,
        service: may.value.serviceId,
        team: s?.team ?? '',
        decisions: [],
        noun: 'exception',
      });
      if (q.unmeetable.length)
        return { ok: false, fields: { justification: `No one can approve it: ${q.unmeetable.join('; ')}` } };
      const e = await tx.exceptions.create(
        {
          key,
          findingId,
          serviceId: may.value.serviceId,
          justification: v.justification,
          until: until.until,
          requirements,
          state: 'pending',
          requestedBy: me.id,
          requestedPlatform: ctx.inv.platform,
          requestedUserId: ctx.inv.userId,
          requestedAt: ctx.now,
        },
        ctx.now,
      );
      await tx.audit.append(
        {
          actor: ctx.actor.ref,
          action: 'exception.requested',
          subject: `finding:${findingRef(findingId)}`,
          after: {
            exception: exceptionRef(e),
            by: me.id,
            until: e.until.toISOString(),
            justification: e.justification,
            approve: requirements,
          },
        },
        ctx.now,
      );
      for (const platform of this.d.platforms()) {
        for (const id of q.approvers) {
          const to = personOn(this.dir, platform, id);
          if (to)
            await enqueue(
              tx.outbox,
              ExceptionSend,
              `exception_send:${e.number}:ask:${platform}:${id}`,
              { exception: e.number, platform, to, kind: 'approver', person: id },
              ctx.now,
            );
        }
      }
      return { ok: true, e, created: true };
    });
    if (r.ok && r.created) this.d.kick();
    return r;
  }

  /** Approve or reject (with a reason), through the approval workflow: the first decision that completes the quorum, or the first rejection, decides. */
  async decide(ctx: Ctx, n: number, decision: 'approve' | 'reject', reason?: string): Promise<Outcome<Reply>> {
    const r = await this.approvals.decide(ctx, n, decision, reason);
    if (!r.ok) return r;
    const e = r.value.subject;
    return ok(decisionReply(exceptionRef(e), decision, r.value, STATE_LABEL[e.state]));
  }

  /** Exceptions whose expiry has come (each once, whichever replica gets there): the finding is active again and its owners hear it. */
  expire(now: Date): Promise<number> {
    return this.approvals.expire(now);
  }
}
