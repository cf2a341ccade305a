// How risk exceptions take part in the approval workflow (approvals/workflow.ts): their
// repository, EXC-n audited on the finding's subject, acceptance covering the finding until the
// exception's expiry, and expiry — of an accepted exception, which lifts the cover and tells the
// service's owners, or of a request nobody decided before its expiry came.
import type { RecordedDecision } from '../../approvals/decision.js';
import type { Quorum } from '../../approvals/quorum.js';
import type { ApprovalKind } from '../../approvals/workflow.js';
import type { Directory } from '../../directory.js';
import { fail } from '../../errors.js';
import { enqueue } from '../../outbox/effects.js';
import { personOn } from '../../people/addresses.js';
import type { Platform, Tx } from '../../ports.js';
import { findingRef } from '../findings/model.js';
import { ExceptionRefresh, ExceptionSend } from './kinds.js';
import { type RiskException, STATE_LABEL, exceptionRef } from './model.js';
import type { ExceptionPatch } from './ports.js';

/** Queues the edit of every approver's copy to the exception's state at its version. */
export const refreshException = (tx: Tx, e: RiskException, at: Date) =>
  enqueue(
    tx.outbox,
    ExceptionRefresh,
    `exception_refresh:${e.number}:${e.version}`,
    { exception: e.number, version: e.version },
    at,
  );

export function exceptionApprovals(d: {
  dir: () => Directory;
  platforms: () => Platform[];
  quorum: (e: RiskException, decisions: readonly RecordedDecision[]) => Quorum;
}): ApprovalKind<RiskException, ExceptionPatch> {
  return {
    noun: 'exception',
    ref: exceptionRef,
    repo: (tx) => tx.exceptions,
    notFound: (n) => fail('EXCEPTION.NOT_FOUND', `There is no risk exception ${exceptionRef(n)}.`),
    decidedCode: 'EXCEPTION.DECIDED',
    auditSubject: (e) => `finding:${findingRef(e.findingId)}`,
    auditDetail: (e) => ({ exception: exceptionRef(e) }),
    quorum: d.quorum,
    closed: (e) => (e.state !== 'pending' ? `is ${STATE_LABEL[e.state].toLowerCase()}; nothing to decide.` : null),
    settle: (e, verdict, tally, at) => {
      const state = verdict === 'approved' ? 'accepted' : 'rejected';
      return {
        patch: { state, decidedAt: at },
        action: state,
        before: { state: 'pending' },
        after: { exception: exceptionRef(e), state, until: e.until.toISOString(), tally },
      };
    },
    settled: async (tx, e, verdict, at) => {
      if (verdict === 'approved') await tx.findings.setExceptedUntil(e.findingId, e.until, at);
    },
    expiry: (e, now) =>
      (e.state !== 'pending' && e.state !== 'accepted') || e.until > now
        ? null
        : {
            patch: { state: 'expired', expiredAt: now },
            before: { state: e.state },
            after: { exception: exceptionRef(e), state: 'expired', until: e.until.toISOString() },
            refusal: 'has reached its expiry; nothing to decide.',
          },
    expired: async (tx, was, now) => {
      if (was.state !== 'accepted') return;
      await tx.findings.setExceptedUntil(was.findingId, null, now);
      const dir = d.dir();
      for (const platform of d.platforms()) {
        for (const id of dir.service(was.serviceId)?.owners ?? []) {
          const to = personOn(dir, platform, id);
          if (to)
            await enqueue(
              tx.outbox,
              ExceptionSend,
              `exception_send:${was.number}:expired:${platform}:${id}`,
              { exception: was.number, platform, to, kind: 'expired', person: id },
              now,
            );
        }
      }
    },
    refresh: refreshException,
  };
}
