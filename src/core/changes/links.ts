// What changes need from incidents (an emergency change names its incident and shows on its
// timeline), declared here and provided by the incidents module under CHANGE_INCIDENTS.
import { linkKey } from '../module.js';
import type { Tx } from '../ports.js';
import type { ChangeService } from './service.js';

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
