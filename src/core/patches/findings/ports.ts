// Repository ports of the patches domain: findings, the per-service import lock, the import log,
// finding events and the KEV catalog. Writes are batched: an import never costs one statement per finding.
import type { Finding, FindingState, ScannerWord, Severity } from './model.js';

/** What an import compares a report against: the stored findings of one service, compactly. */
export interface FindingSnapshot {
  id: number;
  key: string;
  digest: string;
  state: FindingState;
  scanners: Record<string, ScannerWord>;
  firstSeenAt: Date;
}

/** A finding as an import writes it (inserted, or updated in place by service and key). */
export type FindingWrite = Omit<Finding, 'id' | 'exceptedUntil' | 'updatedAt'>;

/** What deadlines and KEV flags are computed from. */
export interface DeadlineRow {
  id: number;
  serviceId: string;
  vulnId: string;
  aliases: string[];
  severity: Severity;
  firstSeenAt: Date;
  reportedExploited: boolean;
  knownExploited: boolean;
  kevDueDate: Date | null;
  deadline: Date | null;
}

/** Findings that get the same new values (one UPDATE … WHERE id IN (…) per group). */
export interface DeadlineGroup {
  ids: number[];
  knownExploited: boolean;
  kevDueDate: Date | null;
  deadline: Date | null;
}

export interface KevEntry {
  cveId: string;
  dateAdded: Date;
  /** The end of the catalog's due date (UTC). */
  dueDate: Date;
  ransomware: boolean;
  vendor?: string;
  product?: string;
  name?: string;
}

export type FindingEventKind =
  'reopened' | 'fixed' | 'suppressed' | 'changed' | 'kev' | 'deadline' | 'paged' | 'page_acknowledged';

export interface FindingEvent {
  findingId: number;
  importId: number | null;
  kind: FindingEventKind;
  detail?: string;
  at: Date;
}

export interface ImportLogRow {
  serviceId: string;
  scanner: string;
  format: string;
  total: number;
  created: number;
  unchanged: number;
  changed: number;
  fixed: number;
  reopened: number;
  suppressed: number;
  importedBy: string;
  at: Date;
}

export interface ImportRecord extends ImportLogRow {
  id: number;
}

export interface FindingFilter {
  serviceIds?: readonly string[];
  /** Only findings whose deadline is before this instant and that no risk exception covers then. */
  overdueAt?: Date;
}

/** Open findings of some services at an instant, per severity (one pass over them). */
export interface DigestCountRow {
  severity: Severity;
  open: number;
  /** Past the deadline and not under a risk exception. */
  overdue: number;
  /** Deadline within the coming window, not under a risk exception. */
  dueSoon: number;
  /** Under a risk exception now. */
  excepted: number;
  /** First seen after the previous digest. */
  fresh: number;
}

/** What owners are told of: a finding whose reminder ahead of its deadline, or notice of it passing, is due. */
export interface NoticeRow {
  id: number;
  serviceId: string;
  vulnId: string;
  packageName: string;
  installedVersion: string;
  severity: Severity;
  deadline: Date;
  remindedFor: Date | null;
  overdueFor: Date | null;
}

export interface FindingRepo {
  /** Takes the service's import lock (first write of the transaction): a second import of it waits. */
  lockService(serviceId: string, at: Date): Promise<void>;
  /** Takes every service's import lock: recomputing deadlines never races an import. */
  lockAllServices(): Promise<void>;
  snapshot(serviceId: string): Promise<FindingSnapshot[]>;
  /** Inserts or updates by (service, key), in chunks of multi-row statements; first seen is never overwritten. */
  upsert(rows: readonly FindingWrite[], at: Date): Promise<void>;
  /** Findings that got the same scanners and state (one statement per group). */
  setScanners(
    groups: readonly { ids: number[]; scanners: Record<string, ScannerWord>; state: FindingState }[],
    at: Date,
  ): Promise<void>;
  markFixed(ids: readonly number[], at: Date): Promise<void>;
  addEvents(events: readonly FindingEvent[]): Promise<void>;
  logImport(row: ImportLogRow): Promise<number>;
  /** Non-fixed findings (of one service, or all) with what deadlines are computed from. */
  deadlineRows(serviceId?: string): Promise<DeadlineRow[]>;
  setDeadlines(groups: readonly DeadlineGroup[], at: Date): Promise<void>;
  /** The KEV catalog: CVE id → entry. */
  kev(): Promise<Map<string, KevEntry>>;
  /** Replaces the KEV catalog with `entries`. */
  replaceKev(entries: readonly KevEntry[], at: Date): Promise<void>;
  /** Open findings, worst first (overdue, then by deadline, then severity); `total` counts every match. */
  listOpen(filter: FindingFilter, offset: number, limit: number): Promise<{ total: number; findings: Finding[] }>;
  byId(id: number): Promise<Finding | null>;
  /** Sets (an accepted risk exception) or clears (it expired) the instant until which the finding is excepted. */
  setExceptedUntil(id: number, until: Date | null, at: Date): Promise<void>;
  events(findingId: number): Promise<FindingEvent[]>;
  /** Counts per severity of the open findings of `serviceIds` at `now`; `fresh` counts those first seen after `since`. */
  digestCounts(serviceIds: readonly string[], now: Date, soon: Date, since: Date | null): Promise<DigestCountRow[]>;
  /** Findings of `serviceIds` fixed after `since`. */
  fixedSince(serviceIds: readonly string[], since: Date): Promise<number>;
  /** The worst overdue findings: most severe first, then the longest overdue. */
  worstOverdue(serviceIds: readonly string[], now: Date, limit: number): Promise<Finding[]>;
  /** Findings due in [now, soon), soonest first, not under a risk exception. */
  dueSoon(serviceIds: readonly string[], now: Date, soon: Date, limit: number): Promise<Finding[]>;
  /**
   * Open findings, not under a risk exception at `now`, whose deadline passed and that were not told
   * of it (a moved deadline clears that mark), then those due by `ahead` not yet reminded of that
   * deadline; at most `limit`.
   */
  noticesDue(now: Date, ahead: Date, limit: number): Promise<NoticeRow[]>;
  /**
   * Marks the reminder ahead of the deadline sent (`ahead`: for findings due in (now, ahead]), or the
   * notice of it passing (`passed`, which also covers the reminder), for the findings' current
   * deadlines, when they are still open and not under a risk exception; only the ids this call
   * marked are returned (a second replica, or a finding changed since it was read, marks none).
   */
  claimNotices(kind: 'ahead' | 'passed', ids: readonly number[], now: Date, ahead?: Date): Promise<number[]>;
  /** The latest `limit` imports of a service (since an instant), oldest first. */
  imports(serviceId: string, since?: Date, limit?: number): Promise<ImportRecord[]>;
}

declare module '../../ports.js' {
  interface Tx {
    findings: FindingRepo;
  }
}
