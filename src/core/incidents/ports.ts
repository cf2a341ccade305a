// Repository ports for incidents and the side-effect outbox (implemented in src/store).
import type { Platform } from '../ports.js';
import type { Incident, IncidentMessage, IncidentStatus, TimelineEntry } from './model.js';

export type NewIncident = Omit<Incident, 'id' | 'version' | 'updatedAt' | 'acknowledgedAt' | 'mitigatedAt' | 'resolvedAt' | 'resolution' | 'postmortem'>;
export type IncidentPatch = Partial<Omit<Incident, 'id' | 'number' | 'declareKey' | 'version'>>;

/** A timeline entry to write; `dedupeKey` marks one that may be delivered twice (pins, reactions). */
export type NewTimelineEntry = Omit<TimelineEntry, 'id' | 'data' | 'dedupeKey'> & { data?: Record<string, unknown>; dedupeKey?: string };

export interface IncidentRepo {
  /** Next incident number (a locked counter: unique across replicas). */
  nextNumber(): Promise<number>;
  create(i: NewIncident, at: Date): Promise<Incident>;
  byNumber(n: number): Promise<Incident | null>;
  byDeclareKey(key: string): Promise<Incident | null>;
  byWarRoom(platform: Platform, channelId: string): Promise<Incident | null>;
  /**
   * Applies `patch` if the stored version is still `expectedVersion`; returns the new incident,
   * or null when someone else changed it first (the caller reloads and decides again).
   */
  update(id: number, expectedVersion: number, patch: IncidentPatch, at: Date): Promise<Incident | null>;
  /** False (and nothing written) when an entry with the same dedupe key exists for the incident. */
  addTimeline(e: NewTimelineEntry): Promise<boolean>;
  timeline(incidentId: number): Promise<TimelineEntry[]>;
  addMessage(incidentId: number, m: IncidentMessage, at: Date): Promise<void>;
  messages(incidentId: number): Promise<IncidentMessage[]>;
  list(filter: { statuses?: readonly IncidentStatus[]; declaredSince?: Date }): Promise<Incident[]>;
}

export interface OutboxItem {
  id: number;
  key: string;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
}

export interface OutboxRepo {
  /** Enqueues once per key (a second enqueue of the same key is a no-op returning false). */
  enqueue(key: string, kind: string, payload: Record<string, unknown>, at: Date, dueAt?: Date): Promise<boolean>;
}

export interface OutboxWorkerRepo {
  /** Locks up to `limit` due items for `holder` until `lockedUntil` (one conditional update each). */
  claimDue(now: Date, limit: number, holder: string, lockedUntil: Date): Promise<OutboxItem[]>;
  complete(id: number, holder: string, at: Date): Promise<void>;
  retry(id: number, holder: string, error: string, dueAt: Date): Promise<void>;
  giveUp(id: number, holder: string, error: string, at: Date): Promise<void>;
  pending(): Promise<number>;
  /**
   * At start: frees claims a previous run left behind when it died (`holder`'s, or every claim when
   * null: a SQLite database serves one process), so its unfinished items run now, not when the lock expires.
   */
  releaseLocks(holder: string | null): Promise<number>;
}
