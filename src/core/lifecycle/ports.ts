// Ports of data lifecycle: disposing of records at the end of their retention (a repository of
// the transaction), and writing scheduled backups (the store's, beside its transactions).
import type { AuditHead } from '../ports.js';

/** The kinds of record a retention policy names (`retention.<kind>`), audit entries aside. */
export type DisposalKind = 'incidents' | 'changes' | 'alerts' | 'pages' | 'findings' | 'drafts';
export const DISPOSAL_KINDS: readonly DisposalKind[] = [
  'incidents',
  'changes',
  'alerts',
  'pages',
  'findings',
  'drafts',
];

/** A scan of candidates: those that may go, and where the next scan starts. */
export interface DisposalScan {
  /** Records older than the cutoff that nothing open refers to: they may go. */
  ids: (number | string)[];
  /** Records older than the cutoff kept because something open refers to them. */
  kept: number;
  /** The key after which the next scan starts; null when this scan reached the end. */
  next: number | string | null;
}

export interface RetentionRepo {
  /**
   * Up to `limit` records of `kind` past `before` (closed incidents, decided changes, resolved
   * alert groups and pages, fixed findings, form drafts), in key order after `after`.
   */
  scan(kind: DisposalKind, before: Date, after: number | string | null, limit: number): Promise<DisposalScan>;
  /** Removes these records and what belongs only to them; rows removed per table. */
  dispose(kind: DisposalKind, ids: readonly (number | string)[]): Promise<Record<string, number>>;
  /** The oldest audit entries written before `before`, at most `limit`: how many and the last one. */
  auditPrefix(before: Date, limit: number): Promise<{ count: number; last: AuditHead } | null>;
  /** Removes the audit entries up to and including `seq`; how many. */
  disposeAuditThrough(seq: number): Promise<number>;
}

declare module '../ports.js' {
  interface Tx {
    retention: RetentionRepo;
  }
}

/** One scheduled backup to write. */
export interface ScheduledBackup {
  /** The folder; created when missing. */
  directory: string;
  /** How many of the scheduled backups in it to keep, the new one included. */
  keep: number;
  /** The policy's recipients (the environment's replace them when it names some). */
  recipients: readonly string[];
  at: Date;
}

export interface WrittenBackup {
  file: string;
  bytes: number;
  rows: number;
  tables: number;
  /** Older backups removed from the folder to keep `keep`. */
  removed: string[];
}

/** The store's backups: one consistent snapshot of every table, encrypted, into a folder. */
export interface BackupWriter {
  write(b: ScheduledBackup): Promise<WrittenBackup>;
}

declare module '../ports.js' {
  interface Store {
    /** Absent on a store that cannot write backups. */
    readonly backups?: BackupWriter;
  }
}
