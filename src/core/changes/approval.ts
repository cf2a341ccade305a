// How change requests take part in the approval workflow (approvals/workflow.ts): their
// repository, CHG-n, when they stop taking decisions, and how approval, rejection and expiry
// after changes.approvalTimeout are recorded.
import type { ApprovalKind } from '../approvals/workflow.js';
import type { Quorum } from '../approvals/quorum.js';
import type { RecordedDecision } from '../approvals/decision.js';
import type { Directory } from '../directory.js';
import { fail } from '../errors.js';
import { enqueue } from '../outbox/effects.js';
import type { Tx } from '../ports.js';
import { ChangeRefresh } from './kinds.js';
import { type Change, STATE_LABEL, changeRef, closedForDecisions, stateOf } from './model.js';
import type { ChangePatch } from './ports.js';

/** Queues the edit of every copy of the change (team channels, approvers) to its state at its version. */
export const refreshChange = (tx: Tx, c: Change, at: Date) =>
  enqueue(
    tx.outbox,
    ChangeRefresh,
    `change_refresh:${c.number}:${c.version}`,
    { change: c.number, version: c.version },
    at,
  );

export function changeApprovals(d: {
  dir: () => Directory;
  quorum: (c: Change, decisions: readonly RecordedDecision[]) => Quorum;
  /** What else follows every decision and expiry in its transaction (the status page). */
  moved?: (tx: Tx, c: Change, at: Date) => Promise<void> | undefined;
}): ApprovalKind<Change, ChangePatch> {
  return {
    noun: 'change',
    ref: (n) => changeRef({ number: n }),
    repo: (tx) => tx.changes,
    notFound: (n) => fail('CHANGE.NOT_FOUND', `There is no change CHG-${n}.`, 'See /change list.'),
    decidedCode: 'CHANGE.DECIDED',
    auditSubject: (c) => `change:${changeRef(c)}`,
    auditDetail: () => ({}),
    quorum: d.quorum,
    closed: (c) => (closedForDecisions(c) ? `is ${STATE_LABEL[stateOf(c)].toLowerCase()}; nothing to decide.` : null),
    settle: (_c, verdict, tally, at) => ({
      patch: { approval: verdict, decidedAt: at },
      action: verdict,
      before: { approval: 'pending' },
      after: { approval: verdict, tally },
    }),
    // Nobody decided within changes.approvalTimeout (a change that started, was cancelled or is decided never expires).
    expiry: (c, now) =>
      c.approval !== 'pending' || c.phase !== 'requested' || c.expiresAt > now
        ? null
        : {
            patch: { approval: 'expired', decidedAt: now },
            before: { approval: 'pending' },
            after: { approval: 'expired', timeout: d.dir().policy.changes.approvalTimeout },
            refusal: `is ${STATE_LABEL.expired.toLowerCase()}; nothing to decide.`,
          },
    refresh: async (tx, c, at) => {
      await refreshChange(tx, c, at);
      await d.moved?.(tx, c, at);
    },
  };
}
