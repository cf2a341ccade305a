// The operations /incident commands and the summary-card buttons run, with their typed arguments.
import { z } from 'zod';
import { id, numberRef, personRef, text } from '../args.js';
import { operation } from '../module.js';
import { SETTABLE_STATUSES } from './model.js';

const incident = numberRef('INC').optional();
const incidentRequired = numberRef('INC');

export const IncidentOps = {
  declare: operation('incident.declare', z.object({ title: z.string().trim().max(100).optional() }), 'member'),
  /** `--public`: a public update on the status page instead of an update in the war room. */
  update: operation(
    'incident.update',
    z.object({ incident, text: text(2000), public: z.boolean().default(false) }),
    'member',
  ),
  /** Opens the status page's publish form. */
  publish: operation('incident.publish', z.object({ incident }), 'member'),
  status: operation(
    'incident.status',
    z.object({ incident, status: z.enum(SETTABLE_STATUSES), text: text(2000).optional() }),
    'member',
  ),
  severity: operation(
    'incident.severity',
    z.object({ incident, severity: z.string().regex(/^[A-Z][A-Z0-9-]{0,15}$/, 'must be a severity such as SEV2') }),
    'member',
  ),
  role: operation('incident.role', z.object({ incident, role: id, user: personRef }), 'member'),
  resolve: operation('incident.resolve', z.object({ incident, summary: text(2000).optional() }), 'member'),
  list: operation('incident.list', z.object({}), 'read'),
  stats: operation('incident.stats', z.object({ window: z.enum(['7d', '30d', '90d', '365d']).default('30d') }), 'read'),
  timeline: operation('incident.timeline', z.object({ incident }), 'read'),
  postmortem: operation('incident.postmortem', z.object({ incident }), 'read'),
  help: operation('incident.help', z.object({}), 'read'),
  /** Buttons on the incident summary card: open the matching form. */
  form: operation(
    'incident.form',
    z.object({ incident: incidentRequired, form: z.enum(['status', 'severity', 'role', 'resolve']) }),
    'member',
  ),
  retryWarRoom: operation('incident.retry_war_room', z.object({ incident: incidentRequired }), 'member'),
};
