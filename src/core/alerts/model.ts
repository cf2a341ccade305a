// Alert groups (ALR-n), their alerts, silences and heartbeats, and the pure rules around them:
// routing by labels, silence matching, maintenance windows, rate windows, heartbeat deadlines.
import { cronTime } from '../jobs/cron.js';
import { parseDuration } from '../shared/duration.js';

export type Labels = Record<string, string>;
export type GroupState = 'firing' | 'acknowledged' | 'resolved' | 'silenced';
export type AlertSource = 'alertmanager' | 'grafana' | 'pagerduty' | 'webhook' | 'heartbeat' | 'findings';

/** Why a group pages nobody. */
export interface Suppression {
  kind: 'silence' | 'maintenance' | 'change' | 'storm';
  /** SIL-n, the window id, CHG-n, or the integration (storm). */
  ref: string;
  until?: Date;
}

export interface AlertGroup {
  id: number;
  number: number;
  integration: string;
  groupKey: string;
  source: AlertSource;
  serviceId: string;
  title: string;
  labels: Labels;
  links: Link[];
  state: GroupState;
  suppressed: Suppression | null;
  firing: number;
  resolved: number;
  pageNumber: number | null;
  pageError: string | null;
  ackBy: string | null;
  ackAt: Date | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  createdAt: Date;
  version: number;
  updatedAt: Date;
}

export interface Link {
  href: string;
  text: string;
}

export interface Alert {
  id: number;
  groupId: number;
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Labels;
  annotations: Labels;
  startsAt: Date | null;
  endsAt: Date | null;
  url: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

export interface AlertEvent {
  at: Date;
  text: string;
}

export interface Silence {
  id: number;
  number: number;
  matchers: Labels;
  /** The services it may silence when its matchers name none (its creator's); null: any its matchers reach. */
  services: string[] | null;
  reason: string;
  createdBy: string;
  startsAt: Date;
  endsAt: Date;
  removedBy: string | null;
  removedAt: Date | null;
}

export type HeartbeatState = 'new' | 'up' | 'late' | 'down' | 'paused';

export interface HeartbeatRow {
  id: string;
  state: HeartbeatState;
  lastPingAt: Date | null;
  lastKind: string | null;
  startedAt: Date | null;
  nextAt: Date | null;
  pausedBy: string | null;
  updatedAt: Date;
}

export const alertRef = (g: { number: number }) => `ALR-${g.number}`;
export const silenceRef = (s: { number: number }) => `SIL-${s.number}`;

/** Whether every matcher names a label `labels` has with that value. */
export const matches = (matchers: Labels, labels: Labels) =>
  Object.entries(matchers).every(([k, v]) => labels[k] === v);

/** Whether a silence covers a group's labels (its `service` label included). */
export const silences = (s: Pick<Silence, 'matchers' | 'services'>, labels: Labels) =>
  matches(s.matchers, labels) && (!s.services || s.services.includes(labels.service ?? ''));

/** The labels every alert shares (an empty object for none). */
export function commonLabels(sets: readonly Labels[]): Labels {
  const [first, ...rest] = sets;
  if (!first) return {};
  const out: Labels = {};
  for (const [k, v] of Object.entries(first)) if (rest.every((s) => s[k] === v)) out[k] = v;
  return out;
}

/** A policy window as `{cron, timezone, duration}`: whether `at` falls in one of its occurrences, and until when. */
export function windowAt(w: { cron: string; timezone: string; duration: string }, at: Date): Date | null {
  const start = cronTime(w.cron, w.timezone).atOrBefore(at);
  if (!start) return null;
  const end = new Date(start.getTime() + parseDuration(w.duration));
  return at < end ? end : null;
}

/** `300/5m` → limit and window length. */
export function readRate(rate: string): { limit: number; windowMs: number } {
  const [n = '0', d = '1m'] = rate.split('/');
  return { limit: Number(n), windowMs: parseDuration(d) };
}

/** The start of the rate window `at` falls in (windows are aligned to the epoch). */
export const windowStart = (at: Date, windowMs: number) => new Date(Math.floor(at.getTime() / windowMs) * windowMs);

/** When a heartbeat's next ping is due after a ping at `from` (period, or the next cron occurrence). */
export function nextDue(h: { period?: string; cron?: string; timezone?: string }, from: Date): Date | null {
  if (h.period) return new Date(from.getTime() + parseDuration(h.period));
  if (h.cron && h.timezone) return cronTime(h.cron, h.timezone).after(from);
  return null;
}

/** "3 of 5 resolved" for a card. */
export const progress = (g: Pick<AlertGroup, 'firing' | 'resolved'>) => {
  const total = g.firing + g.resolved;
  return total <= 1 ? (g.firing ? 'firing' : 'resolved') : `${g.resolved} of ${total} resolved`;
};
