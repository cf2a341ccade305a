// Risk exceptions on findings (EXC-n): what one is, its decisions and the messages kept current.
import type { RecordedDecision } from '../../approvals/decision.js';
import type { ApproveEntry } from '../../policy/schema.js';
import type { Platform } from '../../platform.js';

/** pending → accepted | rejected; accepted → expired at `until` (a pending one past `until` expires too). */
export type ExceptionState = 'pending' | 'accepted' | 'rejected' | 'expired';

export interface RiskException {
  id: number;
  number: number;
  key: string;
  findingId: number;
  serviceId: string;
  justification: string;
  until: Date;
  /** patches.exceptions.approve as it was when asked. */
  requirements: ApproveEntry[];
  state: ExceptionState;
  requestedBy: string;
  requestedPlatform: Platform;
  requestedUserId: string;
  requestedAt: Date;
  decidedAt: Date | null;
  expiredAt: Date | null;
  version: number;
  updatedAt: Date;
}

/** A decision on a risk exception, as stored. */
export type ExceptionDecisionRow = RecordedDecision;

export interface ExceptionMessage {
  kind: 'approver' | 'expired';
  personId: string | null;
  platform: Platform;
  channelId: string;
  messageId: string;
}

export const STATE_LABEL: Record<ExceptionState, string> = {
  pending: 'Waiting for approval',
  accepted: 'Accepted',
  rejected: 'Rejected',
  expired: 'Expired',
};

export const exceptionRef = (e: Pick<RiskException, 'number'> | number) =>
  `EXC-${typeof e === 'number' ? e : e.number}`;
