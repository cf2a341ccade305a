// The approval workflow every kind of approval runs (change requests, risk exceptions, the next
// ones): decide on the row lock — closed?, may this person decide?, record the decision once,
// tally, one versioned update, audit, refresh every copy — and expire what nobody decided in time.
// A kind says only what differs: its repository, its references and labels, how an outcome and an
// expiry are recorded, and what else happens in the same transaction.
import type { Ctx } from '../context.js';
import { type ErrorCode, fail, ok, type Outcome } from '../errors.js';
import type { Store, Tx } from '../ports.js';
import type { RecordedDecision } from './decision.js';
import type { Approvable, ApprovalRepo } from './ports.js';
import type { Quorum } from './quorum.js';

export type Verdict = 'approved' | 'rejected';

/** An audit entry's verb (after `<noun>.`) and what it records. */
export interface AuditShape {
  before?: Record<string, unknown>;
  after: Record<string, unknown>;
}

/** A change to the subject's row with the audit entry that explains it. */
export interface Transition<P> extends AuditShape {
  patch: P;
}

/** An expiry: its row and audit, and what a decider who comes too late is told ("has reached its expiry"). */
export interface Expiry<P> extends Transition<P> {
  refusal: string;
}

export interface ApprovalKind<S extends Approvable, P> {
  /** "change", "exception": audit actions are `<noun>.approval_given`, `<noun>.expired`, …. */
  noun: string;
  /** "CHG-4", "EXC-2". */
  ref(n: number): string;
  repo(tx: Tx): ApprovalRepo<S, P>;
  notFound(n: number): Outcome<never>;
  /** The code of a refusal because the subject is decided, over or was already decided by this person. */
  decidedCode: ErrorCode;
  /** The audit subject (`change:CHG-4`, `finding:F-12`). */
  auditSubject(s: S): string;
  /** Put first in every audit entry's `after` (e.g. which exception, when the subject is its finding). */
  auditDetail(s: S): Record<string, unknown>;
  quorum(s: S, decisions: readonly RecordedDecision[]): Quorum;
  /** Why the locked subject takes no decision (decided, cancelled, over), or null while it waits. */
  closed(s: S): string | null;
  /** The row and audit of a quorum's outcome. */
  settle(s: S, verdict: Verdict, tally: string, at: Date): Transition<P> & { action: string };
  /** What else the outcome does in its transaction (an accepted exception covers its finding). */
  settled?(tx: Tx, s: S, verdict: Verdict, at: Date): Promise<void>;
  /** The expiry of a locked subject when it is due at `now` (nobody decided in time, or its term ended); null otherwise. */
  expiry(s: S, now: Date): Expiry<P> | null;
  /** What else an expiry does in its transaction (lift the exception, tell the owners). */
  expired?(tx: Tx, was: S, now: Date): Promise<void>;
  /** Queues the edit of every copy to the subject as it is now. */
  refresh(tx: Tx, s: S, at: Date): Promise<unknown>;
}

/** A decision taken: the subject after it, the tally, and whether it decided the outcome. */
export interface Decided<S> {
  subject: S;
  tally: string;
  decided: boolean;
}

export interface WorkflowDeps {
  store: Store;
  /** Wakes the outbox worker after a commit that queued deliveries. */
  kick: () => void;
}

export class ApprovalWorkflow<S extends Approvable, P> {
  constructor(
    private readonly kind: ApprovalKind<S, P>,
    private readonly d: WorkflowDeps,
  ) {}

  /**
   * Approve or reject (a rejection carries its reason): the first decision that completes the
   * quorum, or the first rejection by an approver, decides. Deciders on one subject take turns on
   * its row lock, so two decisions at the same instant are both recorded and the outcome is decided once.
   */
  async decide(
    ctx: Ctx,
    n: number,
    decision: RecordedDecision['decision'],
    reason?: string,
  ): Promise<Outcome<Decided<S>>> {
    const k = this.kind;
    const me = ctx.actor.person;
    if (!me) return fail('AUTH.FORBIDDEN', `Only people in the policy may decide on ${k.ref(n)}.`);
    let expiredNow = false;
    const r = await this.d.store.transaction(async (tx): Promise<Outcome<Decided<S>>> => {
      const repo = k.repo(tx);
      const locked = await repo.lock(n, ctx.now);
      if (!locked) return k.notFound(n);
      // Past its expiry before the expiry job came by: it expires now, not decided late.
      const expired = await this.expireLocked(tx, locked, ctx.now);
      if (expired) {
        expiredNow = true;
        return fail(k.decidedCode, `${k.ref(n)} ${expired.refusal}`);
      }
      const closed = k.closed(locked);
      if (closed) return fail(k.decidedCode, `${k.ref(n)} ${closed}`);
      const may = k.quorum(locked, await repo.decisions(locked.id)).mayDecide(me.id);
      if (!may.ok) return fail(may.code === 'already-decided' ? k.decidedCode : 'AUTH.FORBIDDEN', may.reason);
      if (
        !(await repo.decide(locked.id, {
          personId: me.id,
          decision,
          reason: reason ?? null,
          platform: ctx.inv.platform,
          platformUserId: ctx.inv.userId,
          at: ctx.now,
        }))
      )
        return fail(k.decidedCode, `You already decided on ${k.ref(n)}.`);
      const after = k.quorum(locked, await repo.decisions(locked.id));
      const subject = k.auditSubject(locked);
      await tx.audit.append(
        {
          actor: ctx.actor.ref,
          action: `${k.noun}.${decision === 'approve' ? 'approval_given' : 'rejection_given'}`,
          subject,
          after: { ...k.auditDetail(locked), by: me.id, reason: reason ?? null, tally: after.tally },
        },
        ctx.now,
      );
      const verdict = after.state === 'pending' ? null : after.state;
      const settle = verdict ? k.settle(locked, verdict, after.tally, ctx.now) : null;
      // A new version for every decision recorded (held under the row lock, so the update applies):
      // its refresh brings every copy up to this tally.
      const next = await repo.update(locked.id, locked.version, settle ? settle.patch : ({} as P), ctx.now);
      if (!next) throw new Error(`${k.ref(n)} moved on while its row was locked`);
      if (verdict && settle) {
        await k.settled?.(tx, locked, verdict, ctx.now);
        await tx.audit.append(
          {
            actor: ctx.actor.ref,
            action: `${k.noun}.${settle.action}`,
            subject,
            before: settle.before,
            after: settle.after,
          },
          ctx.now,
        );
      }
      await k.refresh(tx, next, ctx.now);
      return ok({ subject: next, tally: after.tally, decided: verdict !== null });
    });
    if (expiredNow || r.ok) this.d.kick();
    return r;
  }

  /** Expires every subject whose expiry has come (each once, whichever replica gets there); how many. */
  async expire(now: Date): Promise<number> {
    let expired = 0;
    for (const s of await this.d.store.transaction((tx) => this.kind.repo(tx).expiring(now, 100))) {
      const done = await this.d.store.transaction(async (tx) => {
        const locked = await this.kind.repo(tx).lock(s.number, now);
        return !!locked && !!(await this.expireLocked(tx, locked, now));
      });
      expired += Number(done);
    }
    if (expired) this.d.kick();
    return expired;
  }

  /** Expires a locked subject whose expiry is due (audited, every copy refreshed): the expiry, or null. */
  private async expireLocked(tx: Tx, locked: S, now: Date): Promise<Expiry<P> | null> {
    const k = this.kind;
    const t = k.expiry(locked, now);
    if (!t) return null;
    const next = await k.repo(tx).update(locked.id, locked.version, t.patch, now);
    if (!next) throw new Error(`${k.ref(locked.number)} moved on while its row was locked`);
    await tx.audit.append(
      {
        actor: { platform: 'system' },
        action: `${k.noun}.expired`,
        subject: k.auditSubject(locked),
        before: t.before,
        after: t.after,
      },
      now,
    );
    await k.expired?.(tx, locked, now);
    await k.refresh(tx, next, now);
    return t;
  }
}
