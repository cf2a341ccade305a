// What alerts need from other domains and offer them, declared here and provided under these keys
// (see Kernel.link): paging opens, acknowledges and resolves the page of a group and tells alerts
// when a person acts on it; changes say which change is in progress on a service; incidents list
// the change events recorded on a service under "what changed?".
import { linkKey } from '../module.js';
import type { ActorRef, Tx } from '../ports.js';
import type { AlertActions } from './actions.js';
import type { Heartbeats } from './heartbeats.js';
import type { AlertService } from './service.js';

/** The alert use cases (operations tooling, benchmarks and tests reach them). */
export const ALERTS_SERVICE = linkKey<AlertService>('alerts.service');
/** Acknowledge, resolve, silence; the periodic re-check of silenced groups. */
export const ALERTS_ACTIONS = linkKey<AlertActions>('alerts.actions');
/** The heartbeats (the periodic check is driven by tests and benchmarks too). */
export const ALERTS_HEARTBEATS = linkKey<Heartbeats>('alerts.heartbeats');

/** Provided by paging. */
export const ALERT_PAGING = linkKey<AlertPaging>('alerts.paging');

export interface AlertPaging {
  /** Why the service cannot be paged (no escalation path …), or null. */
  cannotPage(serviceId: string): string | null;
  /** Opens the page with `key` (once per key) inside the caller's transaction. */
  open(
    tx: Tx,
    o: { key: string; serviceId: string; message: string },
    at: Date,
  ): Promise<{ ok: true; number: number; ref: string } | { ok: false; reason: string }>;
  /** Whether `personId` may acknowledge or resolve the page (the paging policy's rules). */
  mayAct(tx: Tx, pageNumber: number, personId: string): Promise<boolean>;
  /** Acknowledges the open page (escalation stops); false when it was not open. */
  acknowledge(
    tx: Tx,
    pageNumber: number,
    by: { id: string; name: string; platform: string },
    actor: ActorRef,
    at: Date,
  ): Promise<boolean>;
  /** Resolves the page unless it is resolved; false when it was. */
  resolve(
    tx: Tx,
    pageNumber: number,
    by: { id: string; name: string } | null,
    actor: ActorRef,
    at: Date,
  ): Promise<boolean>;
  /** Edits every copy of the page (its alert group changed). */
  refresh(tx: Tx, pageNumber: number, at: Date): Promise<void>;
  /** A page was opened: its first step is due now. */
  wake(): void;
}

/** Provided by alerts: paging tells of a page a person acknowledged or resolved from chat. */
export const PAGING_ALERTS = linkKey<PagingAlerts>('paging.alerts');

export interface PagingAlerts {
  acknowledged(
    tx: Tx,
    page: { key: string; number: number },
    who: { id: string; name: string },
    at: Date,
  ): Promise<void>;
  resolved(
    tx: Tx,
    page: { key: string; number: number },
    who: { id: string; name: string } | null,
    at: Date,
  ): Promise<void>;
  /** A line about the page's alert group for the page card ("ALR-4 · 3 of 5 resolved"), or null. */
  detail(tx: Tx, page: { key: string; number: number }): Promise<string | null>;
}

/** Provided by changes: the approved change in progress on a service at an instant. */
export const ALERT_CHANGES = linkKey<AlertChanges>('alerts.changes');

export interface AlertChanges {
  inProgress(tx: Tx, serviceId: string, at: Date): Promise<{ ref: string; until: Date } | null>;
}
