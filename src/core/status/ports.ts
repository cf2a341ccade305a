// Repository port of the status page (implemented in src/store/status.ts).
import type { Platform } from '../platform.js';
import type { ComponentState, ComponentStatus, Period, StatusEvent, StatusMessage, StatusUpdate } from './model.js';

export type NewStatusEvent = Omit<StatusEvent, 'id' | 'version' | 'updatedAt'>;
export type StatusEventPatch = Partial<
  Pick<
    StatusEvent,
    | 'name'
    | 'status'
    | 'impact'
    | 'components'
    | 'monitoringAt'
    | 'resolvedAt'
    | 'scheduledFor'
    | 'scheduledUntil'
    | 'visibleFrom'
    | 'withdrawnAt'
  >
>;
export type NewStatusUpdate = Omit<StatusUpdate, 'id'>;

export interface StatusRepo {
  /**
   * Bumps the page's version in this transaction (its row is locked until the commit, so two
   * public changes are counted one after the other); the new version.
   */
  bump(at: Date): Promise<number>;
  /** The page's version and when it last changed (0 and null before the first public change). */
  version(): Promise<{ version: number; changedAt: Date | null }>;
  createEvent(e: NewStatusEvent): Promise<StatusEvent>;
  eventById(id: number): Promise<StatusEvent | null>;
  eventByIncident(n: number): Promise<StatusEvent | null>;
  eventByChange(n: number): Promise<StatusEvent | null>;
  eventByCode(code: string): Promise<StatusEvent | null>;
  /** Applies `patch`, moving the event's version on (the caller holds it: it changes it in this transaction). */
  updateEvent(id: number, patch: StatusEventPatch, at: Date): Promise<StatusEvent>;
  /**
   * Events that may give components a status now: unresolved incidents and maintenances neither
   * completed nor withdrawn.
   */
  activeEvents(): Promise<StatusEvent[]>;
  /** The latest events of a kind (not withdrawn), newest first. */
  recentEvents(kind: StatusEvent['kind'], limit: number): Promise<StatusEvent[]>;
  addUpdate(u: NewStatusUpdate): Promise<StatusUpdate>;
  /** The updates of these events, oldest first. */
  updates(eventIds: readonly number[]): Promise<StatusUpdate[]>;
  components(): Promise<ComponentState[]>;
  saveComponent(c: ComponentState): Promise<void>;
  /** Opens a period of `status` for the component (after closing any open one). */
  openPeriod(componentId: string, status: Exclude<ComponentStatus, 'operational'>, at: Date): Promise<void>;
  closePeriod(componentId: string, at: Date): Promise<void>;
  /** Periods that were still going at or after `since`. */
  periods(since: Date): Promise<Period[]>;
  /** Records the event's message on a platform once; false when it has one there. */
  addMessage(eventId: number, m: StatusMessage, at: Date): Promise<boolean>;
  messages(eventId: number): Promise<StatusMessage[]>;
  messageOn(eventId: number, platform: Platform): Promise<StatusMessage | null>;
}

declare module '../ports.js' {
  interface Tx {
    status: StatusRepo;
  }
}
