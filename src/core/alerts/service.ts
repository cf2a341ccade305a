// Alert use cases: a notification from monitoring joins (or opens) its group, which pages once;
// acknowledge, resolve and silence from chat or from the source; silences, maintenance windows and
// changes in progress keep groups from paging; a storm past an integration's rate pages nobody more.
// One transaction per notification, under the row lock of its (integration, group key), so
// concurrent deliveries and replicas open one group and page once. The group's page is acknowledged
// or resolved in its own transaction after the group's (AlertPageSync), and a page acknowledged in
// chat reaches the group the same way (AlertFromPage): neither domain locks the other's rows.
import type { Directory } from '../directory.js';
import type { ActorRef, Clock, Platform, Store, Tx } from '../ports.js';
import { enqueue } from '../outbox/effects.js';
import { teamChannelOn } from '../people/addresses.js';
import type { Incoming, IncomingAlert } from './formats.js';
import { AlertPageSync, AlertRefresh, AlertSend, AlertStorm } from './kinds.js';
import type { PagingFindings } from '../paging/links.js';
import type { AlertChanges, AlertPaging } from './links.js';
import {
  type AlertGroup,
  type GroupState,
  type Labels,
  type Suppression,
  alertRef,
  readRate,
  silences,
  windowAt,
  windowStart,
} from './model.js';
import type { NewAlert, ServiceChange } from './ports.js';

export interface AlertDeps {
  store: Store;
  clock: Clock;
  dir: () => Directory;
  kick: () => void;
  platforms: () => Platform[];
  paging: () => AlertPaging | undefined;
  changes: () => AlertChanges | undefined;
  /** Patch SLAs, told when a breach group is acknowledged (absent: not composed). */
  findings?: () => PagingFindings | undefined;
}

/** An integration as the policy declares it (heartbeats and breach pages use pseudo-integrations). */
export interface IntegrationRef {
  id: string;
  service: string;
  routes: readonly { match: Labels; service: string }[];
  rateLimit?: string;
}

export interface GroupSummary {
  id: string;
  state: GroupState;
  firing: number;
  resolved: number;
}

export interface Received {
  groups: GroupSummary[];
  /** Said when nothing changed because no group was open (an acknowledge or resolve for nothing). */
  note?: string;
}

export const summary = (g: AlertGroup): GroupSummary => ({
  id: alertRef(g),
  state: g.state,
  firing: g.firing,
  resolved: g.resolved,
});

/** What a group's labels are matched with: its labels and its service. */
const matchLabels = (labels: Labels, serviceId: string): Labels => ({ ...labels, service: serviceId });

/** "alertname=DiskFull instance=db-1" (at most four labels) or the alert's summary. */
export function alertName(a: Pick<IncomingAlert, 'labels' | 'annotations'>): string {
  const s = a.annotations.summary ?? a.annotations.title;
  if (s) return s;
  const parts = Object.entries(a.labels)
    .filter(([k]) => k !== 'service')
    .slice(0, 4)
    .map(([k, v]) => `${k}=${v}`);
  return parts.join(' ') || 'alert';
}

export class AlertService {
  constructor(private readonly d: AlertDeps) {}

  get dir(): Directory {
    return this.d.dir();
  }

  integration(id: string): IntegrationRef | undefined {
    return this.dir.policy.alerts.integrations.find((i) => i.id === id);
  }

  /** The service a notification pages: the first matching route, a `service` label naming a known service, the integration's. */
  route(integ: IntegrationRef, labels: Labels): string {
    for (const r of integ.routes) if (Object.entries(r.match).every(([k, v]) => labels[k] === v)) return r.service;
    if (labels.service && this.dir.service(labels.service)) return labels.service;
    return integ.service;
  }

  /** Applies one notification; the groups it touched, as the HTTP answer lists them. */
  async receive(integ: IntegrationRef, inc: Incoming, actor: ActorRef, at: Date): Promise<Received> {
    const r = await this.d.store.transaction((tx) => this.apply(tx, integ, inc, actor, at));
    if (r.changed) {
      this.d.kick();
      this.d.paging()?.wake();
    }
    return r.received;
  }

  /** Applies a notification inside the caller's transaction (heartbeats and breach pages use it too). */
  async apply(
    tx: Tx,
    integ: IntegrationRef,
    inc: Incoming | HeartbeatIncoming,
    actor: ActorRef,
    at: Date,
  ): Promise<{ received: Received; changed: boolean }> {
    const openId = await tx.alerts.lockKey(integ.id, inc.groupKey, at);
    const open = openId !== null ? await tx.alerts.group(openId) : null;
    if (!open) {
      const firing = inc.alerts.filter((a) => a.status === 'firing');
      if (inc.action === 'acknowledge' || inc.action === 'resolve' || !firing.length)
        return {
          received: {
            groups: [],
            note: `no open alert group has the key ${JSON.stringify(inc.groupKey)}: nothing changed`,
          },
          changed: false,
        };
      const g = await this.openGroup(tx, integ, inc, actor, at);
      return { received: { groups: [summary(g)] }, changed: true };
    }
    const r = await this.update(tx, open, inc, actor, at);
    return { received: { groups: [summary(r.group)] }, changed: r.changed };
  }

  private async openGroup(
    tx: Tx,
    integ: IntegrationRef,
    inc: Incoming | HeartbeatIncoming,
    actor: ActorRef,
    at: Date,
  ): Promise<AlertGroup> {
    const serviceId = this.route(integ, inc.labels);
    const labels = matchLabels(inc.labels, serviceId);
    const alerts = distinct(inc.alerts);
    const firing = alerts.filter((a) => a.status === 'firing').length;
    let suppressed = await this.suppression(tx, serviceId, labels, at);
    let stormStart: Date | null = null;
    if (!suppressed && integ.rateLimit) {
      const { limit, windowMs } = readRate(integ.rateLimit);
      const start = windowStart(at, windowMs);
      const count = await tx.alerts.bumpRate(integ.id, start, firing);
      if (count > limit) {
        suppressed = { kind: 'storm', ref: integ.id, until: new Date(start.getTime() + windowMs) };
        if (count - firing <= limit) stormStart = start;
      }
    }
    let g = await tx.alerts.createGroup(
      {
        integration: integ.id,
        groupKey: inc.groupKey,
        source: inc.source,
        serviceId,
        title: inc.title,
        labels,
        links: inc.links,
        state: suppressed && suppressed.kind !== 'storm' ? 'silenced' : 'firing',
        suppressed,
        firing,
        resolved: alerts.length - firing,
        pageNumber: null,
        pageError: null,
        ackBy: null,
        ackAt: null,
        resolvedBy: null,
        resolvedAt: null,
        createdAt: at,
      },
      at,
    );
    await tx.alerts.addAlerts(g.id, alerts.map(newAlert), at);
    await tx.alerts.setOpen(integ.id, inc.groupKey, g.id, at);
    await tx.alerts.addEvent(
      g.id,
      `Opened by ${integ.id.startsWith('heartbeat:') ? 'the heartbeat' : integ.id} (${inc.source}): ${firing} firing${
        inc.truncated ? `, ${inc.truncated} more not sent` : ''
      }`,
      at,
    );
    if (suppressed) await tx.alerts.addEvent(g.id, `Pages nobody: ${suppressionText(suppressed)}`, at);
    if (stormStart) await this.stormNotice(tx, integ, stormStart, at);
    if (!suppressed) g = await this.page(tx, g, at);
    // The audit entry last: the audit head is the last row lock this transaction takes.
    await tx.audit.append(
      {
        actor,
        action: 'alert.opened',
        subject: `alert:${alertRef(g)}`,
        after: { integration: integ.id, service: serviceId, firing, suppressed: suppressed?.kind ?? null },
      },
      at,
    );
    return g;
  }

  /** Pages the group's service and posts its card in the service team's channels. */
  private async page(tx: Tx, g: AlertGroup, at: Date): Promise<AlertGroup> {
    const paging = this.d.paging();
    const opened = paging
      ? await paging.open(
          tx,
          { key: `alert:${g.number}`, serviceId: g.serviceId, message: `${alertRef(g)}: ${g.title}` },
          at,
        )
      : ({ ok: false, reason: 'paging is not part of this Steward' } as const);
    if (opened.ok) {
      g = await tx.alerts.updateGroup(g.id, { pageNumber: opened.number, pageError: null }, at);
      await tx.alerts.addEvent(g.id, `Paged the on-call of ${g.serviceId}: ${opened.ref}`, at);
    } else {
      g = await tx.alerts.updateGroup(g.id, { pageError: opened.reason }, at);
      await tx.alerts.addEvent(g.id, `Not paged: ${opened.reason}`, at);
    }
    await this.announce(tx, g, at);
    return g;
  }

  /** The card in the service team's channel on every connected platform (once per group and channel). */
  private async announce(tx: Tx, g: AlertGroup, at: Date) {
    const dir = this.dir;
    const team = dir.service(g.serviceId)?.team ?? '';
    for (const platform of this.d.platforms()) {
      const to = teamChannelOn(dir, platform, team);
      if (to)
        await enqueue(
          tx.outbox,
          AlertSend,
          `alert_send:${g.number}:${platform}`,
          { group: g.number, platform, to },
          at,
        );
    }
  }

  private async stormNotice(tx: Tx, integ: IntegrationRef, start: Date, at: Date) {
    const dir = this.dir;
    const team = dir.service(integ.service)?.team ?? '';
    for (const platform of this.d.platforms()) {
      const to = teamChannelOn(dir, platform, team);
      if (to)
        await enqueue(
          tx.outbox,
          AlertStorm,
          `alert_storm:${integ.id}:${start.toISOString()}:${platform}`,
          { integration: integ.id, window: start.toISOString(), platform, to },
          at,
          // A moment later, so the notice lists the storm's first groups.
          new Date(at.getTime() + 5_000),
        );
    }
  }

  /** Why alerts with `labels` on `serviceId` page nobody at `at`: a silence, a maintenance window, a change in progress. */
  async suppression(tx: Tx, serviceId: string, labels: Labels, at: Date): Promise<Suppression | null> {
    for (const s of await tx.alerts.activeSilences(at))
      if (silences(s, labels)) return { kind: 'silence', ref: `SIL-${s.number}`, until: s.endsAt };
    const policy = this.dir.policy.alerts;
    for (const w of policy.maintenance) {
      if (!w.services.includes(serviceId)) continue;
      const until = windowAt(w, at);
      if (until) return { kind: 'maintenance', ref: w.id, until };
    }
    if (policy.changesSilence) {
      const c = await this.d.changes()?.inProgress(tx, serviceId, at);
      if (c) return { kind: 'change', ref: c.ref, until: c.until };
    }
    return null;
  }

  /** A notification for an open group: alerts join, resolve or fire again; the group follows. */
  private async update(
    tx: Tx,
    g: AlertGroup,
    inc: Incoming | HeartbeatIncoming,
    actor: ActorRef,
    at: Date,
  ): Promise<{ group: AlertGroup; changed: boolean }> {
    const known = new Map((await tx.alerts.alerts(g.id)).map((a) => [a.fingerprint, a]));
    const added: NewAlert[] = [];
    const events: string[] = [];
    if (inc.action === 'acknowledge') {
      if (g.state !== 'firing' && g.state !== 'silenced') return { group: g, changed: false };
      const by = { id: g.integration, name: `${g.integration} (${inc.source})`, platform: 'api' };
      const acked = await tx.alerts.updateGroup(g.id, { state: 'acknowledged', ackBy: null, ackAt: at }, at);
      await tx.alerts.addEvent(g.id, `Acknowledged by ${by.name}`, at);
      await tx.audit.append(
        { actor, action: 'alert.acknowledged', subject: `alert:${alertRef(g)}`, after: { by: g.integration } },
        at,
      );
      await this.syncPage(tx, acked, 'acknowledge', by, at);
      await this.refresh(tx, acked, at);
      return { group: acked, changed: true };
    }
    if (inc.action === 'resolve') {
      const n = await tx.alerts.resolveAll(g.id, at);
      events.push(`Resolved by ${g.integration} (${inc.source})${n > 1 ? `: ${n} alerts` : ''}`);
    } else {
      for (const a of distinct(inc.alerts)) {
        const had = known.get(a.fingerprint);
        if (!had) {
          added.push(newAlert(a));
          if (a.status === 'firing') events.push(`Joined: ${alertName(a)}`);
        } else if (had.status !== a.status) {
          await tx.alerts.updateAlert(had.id, { status: a.status, endsAt: a.endsAt, startsAt: a.startsAt }, at);
          events.push(`${a.status === 'resolved' ? 'Resolved' : 'Firing again'}: ${alertName(a)}`);
        }
      }
      await tx.alerts.addAlerts(g.id, added, at);
    }
    if (!events.length && !added.length) return { group: await this.recheck(tx, g, at), changed: false };
    await tx.alerts.addEvents(g.id, events, at);
    // The group's counts from what it held and what changed, without reading it again.
    const status = new Map([...known].map(([fp, a]) => [fp, a.status]));
    if (inc.action === 'resolve') for (const fp of status.keys()) status.set(fp, 'resolved');
    else for (const a of distinct(inc.alerts)) status.set(a.fingerprint, a.status);
    const firing = [...status.values()].filter((x) => x === 'firing').length;
    let next = await tx.alerts.updateGroup(g.id, { firing, resolved: status.size - firing }, at);
    if (firing === 0) next = await this.close(tx, next, null, actor, at);
    else next = await this.recheck(tx, next, at);
    await this.refresh(tx, next, at);
    return { group: next, changed: true };
  }

  /** A silenced group whose silence ended pages now (checked on each notification and by the tick). */
  async recheck(tx: Tx, g: AlertGroup, at: Date): Promise<AlertGroup> {
    if (g.state !== 'silenced' || !g.suppressed) return g;
    const now = await this.suppression(tx, g.serviceId, g.labels, at);
    if (now) {
      if (now.ref === g.suppressed.ref && now.until?.getTime() === g.suppressed.until?.getTime()) return g;
      return tx.alerts.updateGroup(g.id, { suppressed: now }, at);
    }
    let next = await tx.alerts.updateGroup(g.id, { state: 'firing', suppressed: null }, at);
    await tx.alerts.addEvent(g.id, `${suppressionText(g.suppressed)} is over: paging`, at);
    next = await this.page(tx, next, at);
    await this.refresh(tx, next, at);
    return next;
  }

  /** Resolves the group (every alert resolved at the source, or a person resolved it) and its page. */
  async close(
    tx: Tx,
    g: AlertGroup,
    by: { id: string; name: string } | null,
    actor: ActorRef,
    at: Date,
  ): Promise<AlertGroup> {
    const next = await tx.alerts.updateGroup(
      g.id,
      { state: 'resolved', resolvedBy: by?.id ?? null, resolvedAt: at },
      at,
    );
    await tx.alerts.setOpen(g.integration, g.groupKey, null, at);
    await tx.alerts.addEvent(g.id, by ? `Resolved by ${by.name}` : 'Resolved: every alert resolved at the source', at);
    await tx.audit.append(
      {
        actor,
        action: 'alert.resolved',
        subject: `alert:${alertRef(g)}`,
        before: { state: g.state },
        after: { by: by?.id ?? 'source', firing: g.firing, resolved: g.resolved },
      },
      at,
    );
    await this.syncPage(tx, next, 'resolve', by ? { ...by, platform: actor.platform } : null, at);
    return next;
  }

  async syncPage(
    tx: Tx,
    g: AlertGroup,
    action: 'acknowledge' | 'resolve',
    by: { id: string; name: string; platform: string } | null,
    at: Date,
  ) {
    if (g.pageNumber === null) return;
    await enqueue(
      tx.outbox,
      AlertPageSync,
      `alert_page:${g.number}:${action}`,
      { group: g.number, page: g.pageNumber, action, by },
      at,
    );
  }

  /**
   * Edits every copy of the card, and the page's messages, to the group at its version (from the
   * outbox: a transaction of alerts never locks a page row another domain may hold).
   */
  async refresh(tx: Tx, g: AlertGroup, at: Date) {
    await enqueue(
      tx.outbox,
      AlertRefresh,
      `alert_refresh:${g.number}:${g.version}`,
      { group: g.number, version: g.version },
      at,
    );
  }

  /** A change recorded on a service by a deploy or monitoring tool (once per event). */
  async recordChange(c: ServiceChange, at: Date): Promise<boolean> {
    return this.d.store.transaction(async (tx) => {
      const added = await tx.alerts.recordChange(c, at);
      if (added)
        await tx.audit.append(
          {
            actor: { platform: 'api', platformUserId: `routing-key:${c.integration}` },
            action: 'service.change_recorded',
            subject: `service:${c.serviceId}`,
            after: { summary: c.summary, source: c.source, at: c.at.toISOString() },
          },
          at,
        );
      return added;
    });
  }

  /** Change events of a service at or after `since`, newest first (for "what changed?"). */
  async changesSince(serviceId: string, since: Date): Promise<{ ref: string; title: string; startedAt: Date }[]> {
    const rows = await this.d.store.transaction((tx) => tx.alerts.changesSince(serviceId, since, 20));
    return rows.map((c) => ({ ref: c.source ?? c.integration, title: c.summary, startedAt: c.at }));
  }
}

/** A notification Steward makes itself (a heartbeat, a breach page): the Incoming shape without PagerDuty fields. */
export type HeartbeatIncoming = Omit<Incoming, 'source'> & { source: 'heartbeat' | 'findings' };

/** The last of each fingerprint in a body (a body may repeat one). */
function distinct(alerts: readonly IncomingAlert[]): IncomingAlert[] {
  return [...new Map(alerts.map((a) => [a.fingerprint, a])).values()];
}

const newAlert = (a: IncomingAlert): NewAlert => ({
  fingerprint: a.fingerprint,
  status: a.status,
  labels: a.labels,
  annotations: a.annotations,
  startsAt: a.startsAt,
  endsAt: a.endsAt,
  url: a.url,
});

export function suppressionText(s: Suppression): string {
  const until = s.until ? ` until ${s.until.toISOString().replace('.000Z', 'Z')}` : '';
  switch (s.kind) {
    case 'silence':
      return `silenced by ${s.ref}${until}`;
    case 'maintenance':
      return `maintenance window ${s.ref}${until}`;
    case 'change':
      return `change ${s.ref} in progress${until}`;
    case 'storm':
      return `alert storm on ${s.ref} (past its rate limit${until})`;
  }
}
