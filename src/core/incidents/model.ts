// Incident entities and their pure rules: lifecycle, war-room names, response durations.
import type { Platform } from '../ports.js';

export const STATUSES = ['investigating', 'identified', 'monitoring', 'resolved', 'declined', 'cancelled'] as const;
export type IncidentStatus = (typeof STATUSES)[number];
export const OPEN_STATUSES: readonly IncidentStatus[] = ['investigating', 'identified', 'monitoring'];
export const CLOSED_STATUSES: readonly IncidentStatus[] = ['resolved', 'declined', 'cancelled'];
export const isOpen = (s: IncidentStatus) => OPEN_STATUSES.includes(s);
/** The statuses a person sets (`/incident status`, the status form); `resolved` comes from resolving. */
export const SETTABLE_STATUSES = [
  'investigating',
  'identified',
  'monitoring',
  'declined',
  'cancelled',
] as const satisfies readonly IncidentStatus[];

export type WarRoomState = 'pending' | 'ready' | 'failed' | 'none';

export interface Incident {
  id: number;
  number: number;
  declareKey: string;
  title: string;
  severity: string;
  status: IncidentStatus;
  serviceId: string | null;
  summary: string;
  declaredBy: string;
  declaredPlatform: Platform;
  declaredUserId: string;
  declaredChannel: string | null;
  pageOncall: boolean;
  declaredAt: Date;
  acknowledgedAt: Date | null;
  mitigatedAt: Date | null;
  resolvedAt: Date | null;
  resolution: string | null;
  postmortem: string | null;
  /** role → person id */
  roles: Record<string, string>;
  warRoom: {
    platform: Platform;
    channelId: string | null;
    name: string | null;
    state: WarRoomState;
    error: string | null;
  };
  version: number;
  updatedAt: Date;
}

export type TimelineKind =
  | 'declared'
  | 'status'
  | 'severity'
  | 'role'
  | 'update'
  | 'pinned'
  | 'resolved'
  | 'war_room'
  | 'page'
  | 'change'
  /** What was published on the status page. */
  | 'public';

export interface TimelineEntry {
  id: number;
  incidentId: number;
  at: Date;
  kind: TimelineKind;
  actorPerson: string | null;
  actorName: string | null;
  text: string;
  data: Record<string, unknown> | null;
  dedupeKey: string | null;
}

export type MessageKind = 'summary' | 'announcement';
export interface IncidentMessage {
  platform: Platform;
  channelId: string;
  messageId: string;
  kind: MessageKind;
  threadId: string | null;
}

export const ref = (i: { number: number }) => `INC-${i.number}`;

/** What the status page may know of an incident (see links.ts). */
export const facts = (i: Incident): import('./links.js').IncidentFacts => ({
  number: i.number,
  title: i.title,
  severity: i.severity,
  status: i.status,
  serviceId: i.serviceId,
  declaredBy: i.declaredBy,
  roles: i.roles,
});

/** Lowercase, ASCII letters/digits/dashes, no leading/trailing/double dashes. */
export function slugify(s: string, max = 40): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '');
}

/** Max length of a channel name on Slack (80) and Discord (100): the stricter one. */
export const CHANNEL_NAME_MAX = 80;

/** War-room channel name from the policy template, e.g. "inc-{number}-{slug}" → "inc-7-db-down". */
export function warRoomName(
  template: string,
  i: { number: number; title: string; severity: string; serviceId: string | null },
  attempt = 1,
): string {
  const suffix = attempt > 1 ? `-${attempt}` : '';
  const fill = (slugMax: number) =>
    template
      .replace(/\{number\}/g, String(i.number))
      .replace(/\{severity\}/g, i.severity)
      .replace(/\{service\}/g, i.serviceId ?? 'none')
      .replace(/\{slug\}/g, slugify(i.title, slugMax));
  let name = slugify(fill(CHANNEL_NAME_MAX), CHANNEL_NAME_MAX);
  if (name.length + suffix.length > CHANNEL_NAME_MAX) {
    const over = name.length + suffix.length - CHANNEL_NAME_MAX;
    name = slugify(fill(Math.max(1, slugify(i.title, CHANNEL_NAME_MAX).length - over)), CHANNEL_NAME_MAX).slice(
      0,
      CHANNEL_NAME_MAX - suffix.length,
    );
  }
  return (name || `inc-${i.number}`) + suffix;
}

export interface Durations {
  toAcknowledgeMs: number | null;
  toMitigateMs: number | null;
  toResolveMs: number | null;
}

export function durations(
  i: Pick<Incident, 'declaredAt' | 'acknowledgedAt' | 'mitigatedAt' | 'resolvedAt'>,
): Durations {
  const since = (d: Date | null) => (d ? d.getTime() - i.declaredAt.getTime() : null);
  return {
    toAcknowledgeMs: since(i.acknowledgedAt),
    toMitigateMs: since(i.mitigatedAt),
    toResolveMs: since(i.resolvedAt),
  };
}

/** Role instructions sent by direct message to whoever takes a role. */
export const ROLE_GUIDE: Record<string, string> = {
  commander:
    'You lead the response: keep the severity and status current, assign roles, decide on escalation, and resolve the incident when customers are no longer affected.',
  communications:
    'You keep stakeholders informed: post status updates at a steady cadence and answer questions outside the war room.',
  scribe:
    'You keep the record: pin key messages with 📌 so they land on the timeline, and note decisions and their times.',
};
export const roleGuide = (role: string) => ROLE_GUIDE[role] ?? `You hold the ${role} role for this incident.`;
