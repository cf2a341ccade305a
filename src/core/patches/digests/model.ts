// A team's patch SLA digest as computed at one instant: counts and the top items, stored as JSON
// with the digest (the next digest compares with it) and rendered by digest-cards.ts.
import type { Severity } from '../findings/model.js';

export interface DigestItem {
  id: number;
  serviceId: string;
  vulnId: string;
  packageName: string;
  installedVersion: string;
  severity: Severity;
  /** ISO instant. */
  deadline: string;
}

export interface DigestExpiring {
  exception: number;
  findingId: number;
  serviceId: string;
  /** ISO instant. */
  until: string;
}

export interface DigestData {
  team: string;
  teamName: string;
  /** When it was computed (ISO). */
  at: string;
  /** The calendar occurrence it was posted for (ISO); null on demand. */
  occurrence: string | null;
  late: boolean;
  /** The previous digest's instant (ISO): "new" and "fixed" count from it; null for a team's first digest. */
  since: string | null;
  /** Overdue at the previous digest; null for a team's first digest. */
  previousOverdue: number | null;
  open: number;
  /** Open findings under a risk exception now. */
  excepted: number;
  overdue: { total: number; bySeverity: Partial<Record<Severity, number>>; worst: DigestItem[] };
  dueSoon: { total: number; bySeverity: Partial<Record<Severity, number>>; next: DigestItem[] };
  /** First seen since the previous digest (still open). */
  fresh: number;
  fixed: number;
  /** Accepted exceptions ending within EXPIRING_DAYS. */
  expiring: { total: number; items: DigestExpiring[] };
  /** Accepted exceptions that expired since the previous digest (their findings are active again). */
  expired: number;
}

export const DUE_SOON_DAYS = 7;
export const EXPIRING_DAYS = 14;
/** Items listed under each heading (counts always cover all of them). */
export const WORST_SHOWN = 5;
export const SOON_SHOWN = 3;
export const EXPIRING_SHOWN = 3;
