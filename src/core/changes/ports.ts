// Repository port of change requests (implemented in src/store/changes.ts).
import type { ApprovalRepo } from '../approvals/ports.js';
import type { Change, ChangeDecisionRow, ChangeMessage } from './model.js';

export type NewChange = Omit<
  Change,
  'id' | 'number' | 'version' | 'updatedAt' | 'decidedAt' | 'startedAt' | 'endedAt' | 'outcome'
>;
export type ChangePatch = Partial<
  Pick<Change, 'approval' | 'phase' | 'outcome' | 'decidedAt' | 'startedAt' | 'endedAt'>
>;

/**
 * `active` in a query: changes still to happen or happening — not started and pending or approved, or
 * in progress whatever their approval (an emergency change rejected afterwards still runs).
 */
export interface ChangeRepo extends ApprovalRepo<Change, ChangePatch> {
  create(c: NewChange, at: Date): Promise<Change>;
  byNumber(n: number): Promise<Change | null>;
  byKey(key: string): Promise<Change | null>;
  /**
   * Locks the change for this transaction without changing it (its version moves only with `update`):
   * deciders on one change take turns, so each sees the others' decisions. Null when there is no such change.
   */
  lock(n: number, at: Date): Promise<Change | null>;
  /** Applies `patch` if the change is still at `expectedVersion`; null when it moved on. */
  update(id: number, expectedVersion: number, patch: ChangePatch, at: Date): Promise<Change | null>;
  /** Records a person's decision once; false when that person already decided on this change. */
  decide(changeId: number, d: ChangeDecisionRow): Promise<boolean>;
  decisions(changeId: number): Promise<ChangeDecisionRow[]>;
  /** Changes of a service (or all) whose window overlaps [from, to), in some approval states and phases. */
  overlapping(q: {
    serviceId?: string;
    from: Date;
    to: Date;
    approvals?: readonly Change['approval'][];
    phases?: readonly Change['phase'][];
    active?: boolean;
  }): Promise<Change[]>;
  list(q: {
    requestedBy?: string;
    approvals?: readonly Change['approval'][];
    phases?: readonly Change['phase'][];
    active?: boolean;
    startedSince?: Date;
    serviceId?: string;
    limit?: number;
  }): Promise<Change[]>;
  /** Pending changes whose approval timeout passed, at most `limit`. */
  expiring(now: Date, limit: number): Promise<Change[]>;
  /** False when a message with this send key exists. */
  addMessage(changeId: number, sendKey: string, m: ChangeMessage, at: Date): Promise<boolean>;
  hasMessage(sendKey: string): Promise<boolean>;
  messages(changeId: number): Promise<ChangeMessage[]>;
}

declare module '../ports.js' {
  interface Tx {
    changes: ChangeRepo;
  }
}
