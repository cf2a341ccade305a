// What changes need from incidents (an emergency change names its incident and shows on its
// timeline), declared here and provided by the incidents module under CHANGE_INCIDENTS.
import type { Tx } from '../ports.js';

export const CHANGE_INCIDENTS = 'changes.incidents';
/** The change use cases (the HTTP API and tests reach them through Steward.part). */
export const CHANGE_SERVICE = 'changes.service';

export interface ChangeIncidents {
  /** The incident, if there is one: whether it is still open, its status and its service. */
  find(tx: Tx, incidentNumber: number): Promise<{ open: boolean; status: string; serviceId: string | null } | null>;
  /** A timeline entry on the incident. */
  note(tx: Tx, incidentNumber: number, text: string, at: Date, actor: { id: string; name: string } | null, dedupe: string): Promise<void>;
}
