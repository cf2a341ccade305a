// What monitoring sends, read into one shape: Alertmanager webhooks (version 4, and older bodies
// without fingerprint, status or truncatedAlerts), Grafana alerting webhooks (version 1),
// PagerDuty Events v2 and change events, and the generic formatted webhook (alert_uid, title,
// state, message, link_to_upstream_details). The format is told from the content. A body that
// cannot be read is refused whole with every reason, as PagerDuty lists them in `errors[]`.
import { createHash } from 'node:crypto';
import type { AlertSource, Labels, Link } from './model.js';

export interface IncomingAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Labels;
  annotations: Labels;
  startsAt: Date | null;
  endsAt: Date | null;
  url: string | null;
}

export interface Incoming {
  source: Exclude<AlertSource, 'heartbeat' | 'findings'>;
  /** `notify`: the alerts carry their own states (Alertmanager, Grafana, webhook); else a PagerDuty action. */
  action: 'notify' | 'trigger' | 'acknowledge' | 'resolve';
  groupKey: string;
  title: string;
  /** Labels every alert shares (routing reads them). */
  labels: Labels;
  alerts: IncomingAlert[];
  links: Link[];
  /** Alerts the sender left out (Alertmanager's truncatedAlerts). */
  truncated: number;
  /** PagerDuty's routing_key, when the body carries one. */
  routingKey?: string;
}

export interface ChangeEventIn {
  routingKey: string;
  summary: string;
  source: string | null;
  at: Date | null;
  links: Link[];
  details: Record<string, unknown>;
}

export type Read<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** Longest label value, annotation and title kept (longer ones are cut, never refused). */
const MAX_LABEL = 1024;
const MAX_ANNOTATION = 8192;
const MAX_TITLE = 300;
const MAX_LABELS = 64;
const MAX_LINKS = 10;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** A string map with at most MAX_LABELS entries (numbers and booleans as text; the rest dropped). */
function stringMap(v: unknown, max: number): Labels {
  const out: Labels = {};
  if (!isObj(v)) return out;
  let n = 0;
  for (const [k, x] of Object.entries(v)) {
    if (n >= MAX_LABELS) break;
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    const s = typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : undefined;
    if (s === undefined) continue;
    out[cut(k, 128)] = cut(s, max);
    n++;
  }
  return out;
}

/** An instant, or null for empty, Go's zero time (0001-01-01) and anything unreadable. */
function instant(v: unknown): Date | null {
  if (typeof v !== 'string' || !v || v.startsWith('0001-01-01')) return null;
  const d = new Date(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Alertmanager's fingerprint when the sender omitted it: a hash of the sorted label set. */
export function labelFingerprint(labels: Labels): string {
  const h = createHash('sha256');
  for (const k of Object.keys(labels).sort()) h.update(`${k}\u0000${labels[k]}\u0001`);
  return h.digest('hex').slice(0, 16);
}

const httpUrl = (v: unknown): string | null => {
  const s = str(v);
  return s && /^https?:\/\//i.test(s) ? cut(s, 2048) : null;
};

function links(v: unknown): Link[] {
  if (!Array.isArray(v)) return [];
  const out: Link[] = [];
  for (const l of v.slice(0, MAX_LINKS)) {
    const href = isObj(l) ? httpUrl(l.href) : null;
    if (href) out.push({ href, text: cut(str(isObj(l) ? l.text : undefined) || href, 200) });
  }
  return out;
}

function firstOf(...xs: (string | undefined)[]): string | undefined {
  return xs.find((x) => x !== undefined && x.trim() !== '');
}

/** Alertmanager v4 and Grafana v1 webhooks (and Alertmanager bodies older than v4). */
function readAlertmanager(b: Obj, now: Date): Read<Incoming> {
  const errors: string[] = [];
  if (!Array.isArray(b.alerts)) errors.push("'alerts' must be a list");
  const groupKey = str(b.groupKey);
  if (!groupKey) errors.push("'groupKey' is missing or blank");
  if (errors.length) return { ok: false, errors };
  const bodyStatus = str(b.status);
  const alerts: IncomingAlert[] = [];
  (b.alerts as unknown[]).forEach((a, i) => {
    if (!isObj(a)) {
      errors.push(`'alerts[${i}]' must be an object`);
      return;
    }
    const labels = stringMap(a.labels, MAX_LABEL);
    const endsAt = instant(a.endsAt);
    const own = str(a.status);
    if (own !== undefined && own !== 'firing' && own !== 'resolved') {
      errors.push(`'alerts[${i}].status' must be firing or resolved`);
      return;
    }
    const status = own ?? (endsAt && endsAt <= now ? 'resolved' : bodyStatus === 'resolved' ? 'resolved' : 'firing');
    alerts.push({
      fingerprint: cut(str(a.fingerprint) || labelFingerprint(labels), 128),
      status,
      labels,
      annotations: stringMap(a.annotations, MAX_ANNOTATION),
      startsAt: instant(a.startsAt),
      endsAt,
      url: httpUrl(a.generatorURL) ?? httpUrl(a.panelURL) ?? httpUrl(a.dashboardURL),
    });
  });
  if (errors.length) return { ok: false, errors };
  const common = isObj(b.commonLabels) ? stringMap(b.commonLabels, MAX_LABEL) : {};
  const annotations = stringMap(b.commonAnnotations, MAX_ANNOTATION);
  const groupLabels = stringMap(b.groupLabels, MAX_LABEL);
  const first = alerts[0];
  const grafana = str(b.version) === '1' && ('orgId' in b || 'state' in b);
  const title = firstOf(
    annotations.summary,
    annotations.title,
    first?.annotations.summary,
    first?.annotations.title,
    groupLabels.alertname,
    common.alertname,
    first?.labels.alertname,
    grafana ? str(b.title) : undefined,
  );
  const external = httpUrl(b.externalURL);
  return {
    ok: true,
    value: {
      source: grafana ? 'grafana' : 'alertmanager',
      action: 'notify',
      groupKey: cut(groupKey!, 1024),
      title: cut(title ?? 'Alert', MAX_TITLE),
      labels: Object.keys(common).length ? common : groupLabels,
      alerts,
      links: external ? [{ href: external, text: grafana ? 'Grafana' : 'Alertmanager' }] : [],
      truncated: typeof b.truncatedAlerts === 'number' ? b.truncatedAlerts : 0,
    },
  };
}

const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const ACTIONS = ['trigger', 'acknowledge', 'resolve'];

/** A dedup key for a trigger that has none: the hash of the event, so a resent event is the same alert. */
const eventKey = (b: Obj) => createHash('sha256').update(JSON.stringify(b)).digest('hex').slice(0, 32);

/** PagerDuty Events v2 (`/v2/enqueue`). */
export function readPagerDuty(b: Obj): Read<Incoming> {
  const errors: string[] = [];
  const action = str(b.event_action);
  if (!action) errors.push("'event_action' is missing or blank");
  else if (!ACTIONS.includes(action)) errors.push(`'event_action' must be one of ${ACTIONS.join(', ')}`);
  const dedup = str(b.dedup_key);
  if (dedup !== undefined && dedup.length > 255) errors.push("'dedup_key' is longer than 255 characters");
  if (action && action !== 'trigger' && !dedup) errors.push("'dedup_key' is missing or blank");
  const p = isObj(b.payload) ? b.payload : undefined;
  if (action === 'trigger') {
    if (!p) errors.push("'payload' is missing or blank");
    else {
      const summary = str(p.summary);
      if (!summary?.trim()) errors.push("'payload.summary' is missing or blank");
      else if (summary.length > 1024) errors.push("'payload.summary' is longer than 1024 characters");
      if (!str(p.source)?.trim()) errors.push("'payload.source' is missing or blank");
      const sev = str(p.severity);
      if (!sev) errors.push("'payload.severity' is missing or blank");
      else if (!SEVERITIES.includes(sev)) errors.push(`'payload.severity' must be one of ${SEVERITIES.join(', ')}`);
      if (p.timestamp !== undefined && !instant(p.timestamp))
        errors.push("'payload.timestamp' must be an ISO 8601 timestamp");
    }
  }
  if (errors.length) return { ok: false, errors };
  const key = dedup || eventKey(b);
  const labels: Labels = {};
  if (p)
    for (const k of ['severity', 'source', 'component', 'group', 'class'] as const) {
      const v = str(p[k]);
      if (v) labels[k] = cut(v, MAX_LABEL);
    }
  const details = p && isObj(p.custom_details) ? p.custom_details : undefined;
  const annotations: Labels = details
    ? Object.fromEntries(
        Object.entries(details)
          .slice(0, MAX_LABELS)
          .map(([k, v]) => [cut(k, 128), cut(typeof v === 'string' ? v : JSON.stringify(v), MAX_ANNOTATION)]),
      )
    : {};
  if (p && str(p.summary)) annotations.summary = cut(str(p.summary)!, 1024);
  const summary = p ? str(p.summary) : undefined;
  return {
    ok: true,
    value: {
      source: 'pagerduty',
      action: action as Incoming['action'],
      groupKey: key,
      title: cut(summary ?? key, MAX_TITLE),
      labels,
      alerts: [
        {
          fingerprint: key,
          status: action === 'resolve' ? 'resolved' : 'firing',
          labels,
          annotations,
          startsAt: p ? instant(p.timestamp) : null,
          endsAt: null,
          url: null,
        },
      ],
      links: links(b.links),
      truncated: 0,
      routingKey: str(b.routing_key),
    },
  };
}

/** The generic formatted webhook: alert_uid, title, state (alerting | ok), message, link_to_upstream_details. */
function readFormatted(b: Obj): Read<Incoming> {
  const errors: string[] = [];
  const uid = str(b.alert_uid);
  if (!uid?.trim()) errors.push("'alert_uid' is missing or blank");
  const state = str(b.state) ?? 'alerting';
  if (!['alerting', 'ok', 'firing', 'resolved'].includes(state)) errors.push("'state' must be alerting or ok");
  if (errors.length) return { ok: false, errors };
  const title = cut(str(b.title)?.trim() || uid!, MAX_TITLE);
  const message = str(b.message);
  const link = httpUrl(b.link_to_upstream_details);
  return {
    ok: true,
    value: {
      source: 'webhook',
      action: 'notify',
      groupKey: cut(uid!, 1024),
      title,
      labels: {},
      alerts: [
        {
          fingerprint: cut(uid!, 128),
          status: state === 'ok' || state === 'resolved' ? 'resolved' : 'firing',
          labels: {},
          annotations: { title, ...(message ? { description: cut(message, MAX_ANNOTATION) } : {}) },
          startsAt: null,
          endsAt: null,
          url: link,
        },
      ],
      links: link ? [{ href: link, text: 'Details' }] : [],
      truncated: 0,
    },
  };
}

/** Any of the four alert formats, told from the content. */
export function readAlerts(body: unknown, now: Date): Read<Incoming> {
  if (!isObj(body)) return { ok: false, errors: ['the body must be a JSON object'] };
  if ('alerts' in body || 'groupKey' in body) return readAlertmanager(body, now);
  if ('event_action' in body || ('routing_key' in body && 'payload' in body)) return readPagerDuty(body);
  if ('alert_uid' in body) return readFormatted(body);
  return {
    ok: false,
    errors: [
      'unrecognised alert format: send an Alertmanager or Grafana webhook, a PagerDuty Events v2 event or a formatted webhook (alert_uid, title, state)',
    ],
  };
}

/** A PagerDuty change event (`/v2/change/enqueue`). */
export function readChangeEvent(body: unknown): Read<ChangeEventIn> {
  if (!isObj(body)) return { ok: false, errors: ['the body must be a JSON object'] };
  const errors: string[] = [];
  const routingKey = str(body.routing_key) ?? '';
  const p = isObj(body.payload) ? body.payload : undefined;
  if (!p) errors.push("'payload' is missing or blank");
  const summary = p ? str(p.summary) : undefined;
  if (p && !summary?.trim()) errors.push("'payload.summary' is missing or blank");
  else if (summary && summary.length > 1024) errors.push("'payload.summary' is longer than 1024 characters");
  if (p && p.timestamp !== undefined && !instant(p.timestamp))
    errors.push("'payload.timestamp' must be an ISO 8601 timestamp");
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      routingKey,
      summary: summary!,
      source: p && str(p.source) ? cut(str(p.source)!, 255) : null,
      at: p ? instant(p.timestamp) : null,
      links: links(body.links),
      details: p && isObj(p.custom_details) ? p.custom_details : {},
    },
  };
}
