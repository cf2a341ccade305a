// Repository ports for incidents (implemented in src/store/incidents.ts).
import type { Platform } from '../platform.js';
import type { Incident, IncidentMessage, IncidentStatus, TimelineEntry } from './model.js';

export type NewIncident = Omit<
  Incident,
  'id' | 'version' | 'updatedAt' | 'acknowledgedAt' | 'mitigatedAt' | 'resolvedAt' | 'resolution' | 'postmortem'
>;
export type IncidentPatch = Partial<Omit<Incident, 'id' | 'number' | 'declareKey' | 'version'>>;

/** A timeline entry to write; `dedupeKey` marks one that may be delivered twice (pins, reactions). */
export type NewTimelineEntry = Omit<TimelineEntry, 'id' | 'data' | 'dedupeKey'> & {
  data?: Record<string, unknown>;
  dedupeKey?: string;
};

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

declare module '../ports.js' {
  interface Tx {
    incidents: IncidentRepo;
  }
}
