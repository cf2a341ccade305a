// What incidents need from paging, declared here and provided by the paging module under
// INCIDENT_PAGING (see Kernel.link): without paging composed, incidents page nobody.
import type { Form } from '../card.js';
import { linkKey } from '../module.js';
import { IncidentOps } from './ops.js';
import type { ActorRef, Platform, Tx } from '../ports.js';

export const INCIDENT_PAGING = linkKey<IncidentPaging>('incidents.paging');

export interface IncidentPage {
  key: string;
  serviceId: string;
  incidentNumber: number;
  message: string;
  createdBy: string;
  createdPlatform: Platform;
  createdUserId: string;
}

export interface IncidentPaging {
  /** Why a page of this service cannot start (e.g. no escalation path), or null when it can. */
  cannotPage(serviceId: string): string | null;
  /** Opens the incident's page inside the incident's transaction; its reference (PAGE-n). */
  open(
    tx: Tx,
    page: IncidentPage,
    actor: ActorRef,
    at: Date,
  ): Promise<{ ok: true; ref: string } | { ok: false; reason: string }>;
  /** The reference of the page the incident opened, if any. */
  pageOf(tx: Tx, incidentNumber: number): Promise<string | null>;
  /**
   * Resolving (or declining, cancelling) an incident resolves its pages in the same transaction,
   * those `who` may resolve by the paging rules; returns the references of the pages left open.
   */
  closeForIncident(
    tx: Tx,
    incidentNumber: number,
    actor: ActorRef,
    who: { id: string; name: string } | null,
    at: Date,
  ): Promise<string[]>;
  /** A page was opened: its first step is due now. */
  wake(): void;
}

export const INCIDENT_CHANGES = linkKey<IncidentChanges>('incidents.changes');
/** Changes recorded by monitoring and deploy tools (PagerDuty change events), listed beside Steward's own. */
export const INCIDENT_CHANGE_EVENTS = linkKey<IncidentChanges>('incidents.change_events');

/** What incidents ask of change approvals: "what changed?" on the incident's service. */
export interface IncidentChanges {
  /** Changes of the service started at or after `since`, newest first. */
  startedSince(serviceId: string, since: Date): Promise<{ ref: string; title: string; startedAt: Date }[]>;
}

/** The operation another domain's button may offer to declare an incident (e.g. after a rollback); it opens the declare form. */
export const DECLARE_INCIDENT = IncidentOps.declare;

/** The declare form, opened filled by another domain's button (an alert group's title and service). */
export const INCIDENT_DECLARE_FORM =
  linkKey<(initial: { title?: string; service?: string }) => Form>('incidents.declare_form');
