// What the patches module offers outside itself (read through Kernel.link / Steward.part).
import type { Directory } from '../directory.js';
import { linkKey } from '../module.js';
import type { Tx } from '../ports.js';
import type { DigestService } from './digests/service.js';
import type { NoticeService } from './notices/service.js';

export const PATCH_DEADLINES = linkKey<PatchDeadlines>('patches.deadlines');

export interface PatchDeadlines {
  /** Recomputes every open finding's deadline under `dir`'s policy; returns how many moved. */
  recomputeDeadlines(dir: Directory): Promise<number>;
}

/** What patch SLAs ask of paging: a finding that breaches its SLA pages its service (provided by paging). */
export const PATCH_PAGING = linkKey<PatchPaging>('patches.paging');

export interface PatchPaging {
  /** Opens the page inside the caller's transaction, once per key; its reference (PAGE-n). */
  open(
    tx: Tx,
    page: { key: string; serviceId: string; message: string },
    at: Date,
  ): Promise<{ ok: true; ref: string; created: boolean; joined?: string } | { ok: false; reason: string }>;
  /** A page was opened: its first step is due now. */
  wake(): void;
  /**
   * Locks what opening pages of these services will lock, before the caller's transaction takes
   * the audit log's head (so a person acting on the same page meanwhile cannot deadlock with it).
   */
  prepare?(tx: Tx, serviceIds: readonly string[], at: Date): Promise<void>;
}

/**
 * The same, provided by alerts when they are composed: a breach joins its service's open breach
 * group (one page for a report's worth of overdue findings); `joined` names the group it joined.
 */
export const PATCH_ALERTS = linkKey<PatchPaging>('patches.alerts');

/** The digest and reminder runners themselves (benchmarks and tests drive them, as the jobs do). */
export const PATCH_DIGESTS = linkKey<DigestService>('patches.digests');
export const PATCH_NOTICES = linkKey<NoticeService>('patches.notices');
