// What paging needs from incidents (a page opened by an incident notes its progress on the
// incident's timeline and sets its time to acknowledge), and from on-call (who holds a schedule).
// Declared here; provided by those modules under these names (see Kernel.link).
import { linkKey } from '../module.js';
import type { Platform, Tx } from '../ports.js';
import type { Escalator } from './escalation.js';
import type { PagingService } from './service.js';

export const PAGING_INCIDENTS = linkKey<PagingIncidents>('paging.incidents');
export const PAGING_ONCALL = linkKey<PagingOnCall>('paging.oncall');
/** The escalation runner itself (operations, benchmarks and tests drive it). */
export const PAGING_ESCALATOR = linkKey<Escalator>('paging.escalator');
/** The paging use cases (operations tooling, benchmarks and tests open pages directly). */
export const PAGING_SERVICE = linkKey<PagingService>('paging.service');

export interface PagingIncidents {
  /** A timeline entry on the incident (deduplicated by `dedupe`). */
  note(
    tx: Tx,
    incidentNumber: number,
    text: string,
    at: Date,
    actor?: { id: string; name: string } | null,
    dedupe?: string,
  ): Promise<void>;
  /** The page was acknowledged: the incident's time to acknowledge, unless it has one. */
  acknowledged(tx: Tx, incidentNumber: number, at: Date): Promise<void>;
  /** The incident's war room as it stands (pending while it is being created). */
  warRoom(
    incidentNumber: number,
  ): Promise<{ state: 'pending' | 'ready' | 'failed' | 'none'; platform: Platform; channelId: string | null } | null>;
}

export interface PagingOnCall {
  /** Who is on call in each schedule at `at` (one read for all): a person id, null for nobody, undefined for no such schedule. */
  holdersAt(tx: Tx, ids: readonly string[], at: Date): Promise<Map<string, string | null | undefined>>;
}

/** What paging tells patch SLAs (provided by patches): a breach page of a finding was acknowledged. */
export const PAGING_FINDINGS = linkKey<PagingFindings>('paging.findings');

export interface PagingFindings {
  /** Records the acknowledgement on the finding whose page this is (pages of other origins are ignored). */
  acknowledged(tx: Tx, page: { key: string; ref: string }, who: { id: string; name: string }, at: Date): Promise<void>;
}
