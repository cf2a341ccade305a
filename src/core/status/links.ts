// What the status page needs from incidents (an incident's facts, a line on its timeline),
// declared here and provided by the incidents module under STATUS_INCIDENTS (see Kernel.link);
// and what it offers tests and benchmarks.
import { linkKey } from '../module.js';
import type { Tx } from '../ports.js';
import type { IncidentFacts } from '../incidents/links.js';
import type { StatusPageService } from './service.js';
import type { StatusSite } from './web/site.js';

export type { IncidentFacts } from '../incidents/links.js';

export const STATUS_INCIDENTS = linkKey<StatusIncidents>('status.incidents');

export interface StatusIncidents {
  /** The incident's facts, or null when there is no INC-n. */
  find(tx: Tx, n: number): Promise<IncidentFacts | null>;
  /** A line on the incident's timeline: what was published, by whom. */
  note(tx: Tx, n: number, text: string, at: Date, who: { id: string; name: string } | null): Promise<void>;
}

/** The status page's use cases (tests and benchmarks publish and update through them). */
export const STATUS_SERVICE = linkKey<StatusPageService>('status.service');
/** The public site and its cache (tests and benchmarks serve it directly). */
export const STATUS_SITE = linkKey<StatusSite>('status.site');
