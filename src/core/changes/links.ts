// What changes need from incidents (an emergency change names its incident and shows on its
// timeline), declared here and provided by the incidents module under CHANGE_INCIDENTS.
import { linkKey } from '../module.js';
import type { Reply } from '../card.js';
import type { Ctx } from '../context.js';
import type { Outcome } from '../errors.js';
import type { Tx } from '../ports.js';
import type { Change } from './model.js';
import type { ChangeService } from './service.js';

/** The kinds and risks of a change, for other domains' policy (e.g. which changes the status page shows). */
export { changeKind, changeRisk } from './policy-section.js';

export const CHANGE_INCIDENTS = linkKey<ChangeIncidents>('changes.incidents');
/** The change use cases (the HTTP API and tests reach them through Steward.part). */
export const CHANGE_SERVICE = linkKey<ChangeService>('changes.service');

export interface ChangeIncidents {
  /** The incident, if there is one: whether it is still open, its status and its service. */
  find(tx: Tx, incidentNumber: number): Promise<{ open: boolean; status: string; serviceId: string | null } | null>;
  /** A timeline entry on the incident. */
  note(
    tx: Tx,
    incidentNumber: number,
    text: string,
    at: Date,
    actor: { id: string; name: string } | null,
    dedupe: string,
  ): Promise<void>;
}

export type { Change } from './model.js';

/** The status page (provided by its module): approved changes become scheduled maintenance. */
export const CHANGE_STATUS_PAGE = linkKey<ChangeStatusPage>('changes.status_page');

export interface ChangeStatusPage {
  /**
   * In the change's transaction, after every transition: a change the policy selects appears once
   * approved, moves to in progress and completed with it, and is withdrawn when cancelled or rejected.
   */
  moved(tx: Tx, c: Change, at: Date): Promise<void>;
  /** `/change publish CHG-n`: the change as scheduled maintenance, whatever the policy selects. */
  publish(ctx: Ctx, c: Change): Promise<Outcome<Reply>>;
}
