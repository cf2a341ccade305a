// One person's recorded decision on something that needs approval (a change, a risk exception).

export interface RecordedDecision {
  personId: string;
  decision: 'approve' | 'reject';
  reason: string | null;
  platform: string;
  platformUserId: string;
  at: Date;
}
