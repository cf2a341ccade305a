// The public status page's entities and their pure rules, in Atlassian Statuspage's vocabulary
// (its API v2 names and enums): component statuses, public incidents and scheduled maintenances
// with their updates, how a component's status follows the events that affect it, the page's
// indicator, and incident impact.

export const COMPONENT_STATUSES = [
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];
/** The statuses an incident gives its components (maintenance has its own). */
export const OUTAGE_STATUSES = ['degraded_performance', 'partial_outage', 'major_outage'] as const;
export type OutageStatus = (typeof OUTAGE_STATUSES)[number];

export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'] as const;
export type PublicIncidentStatus = (typeof INCIDENT_STATUSES)[number];
/** The statuses a person publishes an incident with (resolving comes from resolving INC-n). */
export const OPEN_INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring'] as const;

export const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

export type EventStatus = PublicIncidentStatus | MaintenanceStatus;
export type Impact = 'none' | 'minor' | 'major' | 'critical';
export type Indicator = Impact;

export interface StatusEvent {
  id: number;
  /** Public id (pages, shortlinks, the API). */
  code: string;
  kind: 'incident' | 'maintenance';
  incidentNumber: number | null;
  changeNumber: number | null;
  name: string;
  status: EventStatus;
  impact: Impact;
  /** Component id → the status it gives that component while active. */
  components: Record<string, ComponentStatus>;
  createdAt: Date;
  updatedAt: Date;
  monitoringAt: Date | null;
  resolvedAt: Date | null;
  scheduledFor: Date | null;
  scheduledUntil: Date | null;
  visibleFrom: Date;
  withdrawnAt: Date | null;
  version: number;
}

export interface StatusUpdate {
  id: number;
  code: string;
  eventId: number;
  status: EventStatus;
  body: string;
  createdAt: Date;
  displayAt: Date;
}

/** A component's stored state: set by hand (`manual`) and as shown (`status`), since when. */
export interface ComponentState {
  id: string;
  manual: ComponentStatus | null;
  status: ComponentStatus;
  since: Date;
  createdAt: Date;
}

/** A time a component was not operational (`endedAt` null: still going). */
export interface Period {
  componentId: string;
  status: Exclude<ComponentStatus, 'operational'>;
  startedAt: Date;
  endedAt: Date | null;
}

export interface StatusMessage {
  platform: import('../platform.js').Platform;
  channelId: string;
  messageId: string;
}

/** Worst first is last: how bad each status is, for "the worst of". Maintenance is no outage. */
const OUTAGE_RANK: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 0,
  degraded_performance: 1,
  partial_outage: 2,
  major_outage: 3,
};

export const worse = (a: ComponentStatus, b: ComponentStatus): ComponentStatus =>
  OUTAGE_RANK[b] > OUTAGE_RANK[a] ? b : a;

/** The status that colours a day or a group: outages by rank, then maintenance, then operational. */
export function worstOf(statuses: Iterable<ComponentStatus>): ComponentStatus {
  let out: ComponentStatus = 'operational';
  let maintenance = false;
  for (const s of statuses) {
    if (s === 'under_maintenance') maintenance = true;
    else out = worse(out, s);
  }
  return out === 'operational' && maintenance ? 'under_maintenance' : out;
}

export const isIncidentActive = (e: Pick<StatusEvent, 'kind' | 'status'>) =>
  e.kind === 'incident' && e.status !== 'resolved' && e.status !== 'postmortem';
export const isMaintenanceActive = (e: Pick<StatusEvent, 'kind' | 'status' | 'withdrawnAt'>) =>
  e.kind === 'maintenance' && e.status === 'in_progress' && !e.withdrawnAt;

/**
 * What a component shows: the worst outage of the unresolved incidents affecting it and of what was
 * set by hand; without one, under_maintenance while a maintenance of it is in progress (or when set
 * so by hand); otherwise operational.
 */
export function componentStatus(
  id: string,
  manual: ComponentStatus | null,
  active: readonly Pick<StatusEvent, 'kind' | 'status' | 'withdrawnAt' | 'components'>[],
): ComponentStatus {
  let outage: ComponentStatus = manual && manual !== 'under_maintenance' ? manual : 'operational';
  let maintenance = manual === 'under_maintenance';
  for (const e of active) {
    const s = e.components[id];
    if (!s) continue;
    if (isIncidentActive(e)) outage = worse(outage, s);
    else if (isMaintenanceActive(e)) maintenance = true;
  }
  return outage === 'operational' && maintenance ? 'under_maintenance' : outage;
}

/** An incident's impact from the statuses it gives its components (Statuspage's mapping). */
export function impactOf(components: Record<string, ComponentStatus>): Impact {
  const w = worstOf(Object.values(components));
  return w === 'major_outage'
    ? 'critical'
    : w === 'partial_outage'
      ? 'major'
      : w === 'degraded_performance'
        ? 'minor'
        : 'none';
}

const IMPACT_RANK: Record<Impact, number> = { none: 0, minor: 1, major: 2, critical: 3 };
const INDICATOR_OF: Record<ComponentStatus, Indicator> = {
  operational: 'none',
  under_maintenance: 'none',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
};

/** The page's overall state: the worst of its components and of its unresolved incidents' impacts. */
export function pageIndicator(
  components: readonly ComponentStatus[],
  incidents: readonly Pick<StatusEvent, 'impact'>[],
): { indicator: Indicator; description: string } {
  let indicator: Indicator = 'none';
  for (const c of components) if (IMPACT_RANK[INDICATOR_OF[c]] > IMPACT_RANK[indicator]) indicator = INDICATOR_OF[c];
  for (const i of incidents) if (IMPACT_RANK[i.impact] > IMPACT_RANK[indicator]) indicator = i.impact;
  const maintenance = components.includes('under_maintenance');
  const description =
    indicator === 'critical'
      ? 'Major System Outage'
      : indicator === 'major'
        ? 'Partial System Outage'
        : indicator === 'minor'
          ? 'Minor Service Outage'
          : maintenance
            ? 'Service Under Maintenance'
            : 'All Systems Operational';
  return { indicator, description };
}

export const STATUS_LABEL: Record<ComponentStatus, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};

export const EVENT_STATUS_LABEL: Record<EventStatus, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  postmortem: 'Postmortem',
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  verifying: 'Verifying',
  completed: 'Completed',
};

/** The message a status change posts when nobody wrote one (Statuspage's own wording). */
export const DEFAULT_MESSAGE: Record<EventStatus, string> = {
  investigating: 'We are currently investigating this issue.',
  identified: 'The issue has been identified and a fix is being implemented.',
  monitoring: 'A fix has been implemented and we are monitoring the results.',
  resolved: 'This incident has been resolved.',
  postmortem: 'A postmortem of this incident has been published.',
  scheduled: 'Scheduled maintenance.',
  in_progress: 'Scheduled maintenance is currently in progress. We will provide updates as necessary.',
  verifying: 'Verification is currently underway for the maintenance items.',
  completed: 'The scheduled maintenance has been completed.',
};

/** Reads a status as typed: any case, `-` or space for `_` (`Partial-Outage`). */
export function readStatus(typed: string): ComponentStatus | undefined {
  const v = typed
    .trim()
    .toLowerCase()
    .replace(/[-\s]+/g, '_');
  return (COMPONENT_STATUSES as readonly string[]).includes(v) ? (v as ComponentStatus) : undefined;
}

/** "A", "A and B", "A, B and C". */
export function listing(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
