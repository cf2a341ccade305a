// Change requests (CHG-n): what they hold, their two axes (approval and phase) and the one state
// the API and the cards show.
import type { ApproveEntry, ChangeKind, ChangeRisk } from '../policy/schema.js';
import type { Platform } from '../platform.js';
import type { RecordedDecision } from '../approvals/decision.js';
import type { ChangeVia } from './policy-section.js';

export type Approval = 'pending' | 'approved' | 'rejected' | 'expired';
export type Phase = 'requested' | 'in_progress' | 'completed' | 'rolled_back' | 'cancelled';
export type Outcome = 'successful' | 'with_issues' | 'failed';
/** The state the contract names: `pending|approved|rejected|in_progress|completed|rolled_back|cancelled|expired`. */
export type ChangeState = Approval | Exclude<Phase, 'requested'>;

export interface FrozenRule {
  approve: ApproveEntry[];
  retrospective: boolean;
  /** Index of the rule in changes.rules when requested (for the record). */
  index: number;
}

export interface ChangeFlags {
  /** A freeze the window falls in (emergency changes pass and are flagged). */
  freeze?: { id: string; reason: string; until: string };
  /** Other approved or pending changes on the service whose window overlaps. */
  conflicts: number[];
}

export interface Change {
  id: number;
  number: number;
  key: string;
  title: string;
  serviceId: string;
  kind: ChangeKind;
  risk: ChangeRisk | null;
  windowStart: Date;
  windowEnd: Date;
  details: string;
  incidentNumber: number | null;
  rule: FrozenRule;
  flags: ChangeFlags;
  approval: Approval;
  phase: Phase;
  outcome: Outcome | null;
  requestedBy: string;
  requestedPlatform: Platform | 'api';
  requestedUserId: string;
  requestedAt: Date;
  expiresAt: Date;
  decidedAt: Date | null;
  startedAt: Date | null;
  endedAt: Date | null;
  version: number;
  updatedAt: Date;
}

/** A decision on a change, as stored. */
export type ChangeDecisionRow = RecordedDecision;

export interface ChangeMessage {
  kind: 'card' | 'approver';
  personId: string | null;
  platform: Platform;
  channelId: string;
  messageId: string;
}

export const changeRef = (c: { number: number }) => `CHG-${c.number}`;

/** The requester stored for a change a token opened without naming a person: `api:<token id>`. */
export const tokenRequester = (tokenId: string) => `api:${tokenId}`;

/** How a change was opened, for `match.via`: through the HTTP API or from chat (any platform's form). */
export const viaOf = (platform: Change['requestedPlatform']): ChangeVia => (platform === 'api' ? 'api' : 'chat');

/**
 * Who requested a change and how: a person from chat on a platform, or a token of the HTTP API
 * with the person it named (null when it named nobody: the token stands alone, and every approver counts).
 */
export type ChangeRequester =
  { person: string; via: 'chat'; platform: Platform } | { person: string | null; via: 'api'; token: string };

export function requesterOf(c: Pick<Change, 'requestedBy' | 'requestedPlatform' | 'requestedUserId'>): ChangeRequester {
  if (c.requestedPlatform !== 'api') return { person: c.requestedBy, via: 'chat', platform: c.requestedPlatform };
  return {
    person: c.requestedBy === tokenRequester(c.requestedUserId) ? null : c.requestedBy,
    via: 'api',
    token: c.requestedUserId,
  };
}

export function stateOf(c: Pick<Change, 'approval' | 'phase'>): ChangeState {
  return c.phase === 'requested' ? c.approval : c.phase;
}

/** Decided, expired or over: no approval buttons any more. */
export const closedForDecisions = (c: Pick<Change, 'approval' | 'phase'>) =>
  c.approval !== 'pending' || c.phase === 'cancelled' || c.phase === 'completed' || c.phase === 'rolled_back';

export const KIND_LABEL: Record<ChangeKind, string> = {
  standard: 'Standard',
  normal: 'Normal',
  emergency: 'Emergency',
};
export const OUTCOME_LABEL: Record<Outcome, string> = {
  successful: 'successful',
  with_issues: 'completed with issues',
  failed: 'failed',
};
export const STATE_LABEL: Record<ChangeState, string> = {
  pending: 'Waiting for approval',
  approved: 'Approved',
  rejected: 'Rejected',
  expired: 'Expired (nobody decided in time)',
  in_progress: 'In progress',
  completed: 'Completed',
  rolled_back: 'Rolled back',
  cancelled: 'Cancelled',
};
