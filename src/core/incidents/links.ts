// What incidents need from other domains, declared here and provided by their modules (see
// Kernel.link): paging under INCIDENT_PAGING (without it, incidents page nobody), changes and
// change events for "what changed?", and the status page under INCIDENT_STATUS_PAGE (without it,
// /incident publish says there is no status page).
import type { Form, Reply } from '../card.js';
import type { Ctx } from '../context.js';
import type { Outcome } from '../errors.js';
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

/** The status page (provided by its module): publishing an incident, public updates, following its status. */
export const INCIDENT_STATUS_PAGE = linkKey<IncidentStatusPage>('incidents.status_page');

/** An incident as the status page sees it (nothing of the war room but who holds which role). */
export interface IncidentFacts {
  number: number;
  title: string;
  severity: string;
  /** investigating | identified | monitoring | resolved | declined | cancelled */
  status: string;
  serviceId: string | null;
  declaredBy: string;
  /** role → person id */
  roles: Record<string, string>;
}

export interface IncidentStatusPage {
  /** The form that publishes the incident (public title, components and their status, first message). */
  publishForm(ctx: Ctx, i: IncidentFacts): Promise<Outcome<Reply>>;
  /** A public update of the published incident. */
  publicUpdate(ctx: Ctx, i: IncidentFacts, text: string): Promise<Outcome<Reply>>;
  /** In the incident's transaction: its status moved, and its public incident follows (resolving restores its components). */
  moved(tx: Tx, i: IncidentFacts, actor: ActorRef, who: { id: string; name: string } | null, at: Date): Promise<void>;
}
