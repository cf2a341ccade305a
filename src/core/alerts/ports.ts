// Repository port of alerts: groups and their alerts, the open-group key rows, cards, silences,
// rate windows, heartbeats and the change events recorded on services (src/store/alerts.ts).
import type { Alert, AlertEvent, AlertGroup, GroupState, HeartbeatRow, Labels, Link, Silence } from './model.js';

export type NewGroup = Omit<AlertGroup, 'id' | 'number' | 'version' | 'updatedAt'>;
export type GroupPatch = Partial<
  Pick<
    AlertGroup,
    | 'state'
    | 'suppressed'
    | 'firing'
    | 'resolved'
    | 'pageNumber'
    | 'pageError'
    | 'ackBy'
    | 'ackAt'
    | 'resolvedBy'
    | 'resolvedAt'
    | 'title'
  >
>;
export type NewAlert = Omit<Alert, 'id' | 'groupId' | 'firstSeenAt' | 'lastSeenAt'>;
export type AlertPatch = Partial<Pick<Alert, 'status' | 'labels' | 'annotations' | 'startsAt' | 'endsAt' | 'url'>>;

export interface AlertMessageRow {
  platform: string;
  channelId: string;
  messageId: string;
}

export interface ServiceChange {
  key: string;
  integration: string;
  serviceId: string;
  summary: string;
  source: string | null;
  at: Date;
  links: Link[];
  details: Record<string, unknown>;
}

export interface GroupFilter {
  states?: readonly GroupState[];
  serviceIds?: readonly string[];
  integration?: string;
  /** Only groups created at or after this instant. */
  since?: Date;
  /** Only groups suppressed for this reason. */
  suppressedKind?: string;
  limit: number;
}

export interface AlertRepo {
  /**
   * Makes sure the (integration, group key) row exists and locks it for this transaction (PostgreSQL
   * row lock; SQLite serialises writers): the id of its open group, or null.
   */
  lockKey(integration: string, groupKey: string, at: Date): Promise<number | null>;
  setOpen(integration: string, groupKey: string, groupId: number | null, at: Date): Promise<void>;
  createGroup(g: NewGroup, at: Date): Promise<AlertGroup>;
  group(id: number): Promise<AlertGroup | null>;
  byNumber(n: number): Promise<AlertGroup | null>;
  byPage(pageNumber: number): Promise<AlertGroup | null>;
  /** Applies `patch` and bumps the version. */
  updateGroup(id: number, patch: GroupPatch, at: Date): Promise<AlertGroup>;
  list(f: GroupFilter): Promise<AlertGroup[]>;
  /** Groups by state (for a card's counts). */
  counts(f: { serviceIds?: readonly string[] }): Promise<Record<GroupState, number>>;
  alerts(groupId: number): Promise<Alert[]>;
  /** The number of a group of `integration` that ever held an alert with this fingerprint, or null. */
  groupWithFingerprint(integration: string, fingerprint: string): Promise<number | null>;
  addAlerts(groupId: number, alerts: readonly NewAlert[], at: Date): Promise<void>;
  updateAlert(id: number, patch: AlertPatch, at: Date): Promise<void>;
  /** Marks every firing alert of the group resolved; the number changed. */
  resolveAll(groupId: number, at: Date): Promise<number>;
  addEvent(groupId: number, text: string, at: Date): Promise<void>;
  /** Several events at once (one statement). */
  addEvents(groupId: number, texts: readonly string[], at: Date): Promise<void>;
  events(groupId: number, limit: number): Promise<AlertEvent[]>;
  addMessage(groupId: number, sendKey: string, m: AlertMessageRow, at: Date): Promise<boolean>;
  hasMessage(sendKey: string): Promise<boolean>;
  messages(groupId: number): Promise<AlertMessageRow[]>;
  /** Adds `n` to the integration's count in the window starting at `start`; the new count. */
  bumpRate(integration: string, start: Date, n: number): Promise<number>;
  createSilence(s: {
    matchers: Labels;
    services: string[] | null;
    reason: string;
    createdBy: string;
    startsAt: Date;
    endsAt: Date;
  }): Promise<Silence>;
  silence(n: number): Promise<Silence | null>;
  /** Silences in force at `at` (not removed, started, not ended). */
  activeSilences(at: Date): Promise<Silence[]>;
  removeSilence(id: number, by: string, at: Date): Promise<void>;
  heartbeat(id: string): Promise<HeartbeatRow | null>;
  heartbeats(): Promise<HeartbeatRow[]>;
  saveHeartbeat(h: HeartbeatRow): Promise<void>;
  /** Records a change event once per key; false when it was recorded before. */
  recordChange(c: ServiceChange, at: Date): Promise<boolean>;
  changesSince(serviceId: string, since: Date, limit: number): Promise<ServiceChange[]>;
}

declare module '../ports.js' {
  interface Tx {
    alerts: AlertRepo;
  }
}
