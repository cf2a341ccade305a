// Every command and button action Steward understands, as one zod-typed union.
// Adapters parse slash-command text, Discord options and button ids into this; only then does the core run.
import { z } from 'zod';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be an id such as payments-api');
/** INC-7 → 7; absent: the incident of the war room the command is typed in. */
const toNumber = (v: unknown) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v);
const incident = z.preprocess(toNumber, z.number().int().positive().optional());
const incidentRequired = z.preprocess(toNumber, z.number().int().positive());
/** PAGE-12 or 12 → 12 */
const pageNumber = z.preprocess((v) => (typeof v === 'string' ? toNumber(v.replace(/^PAGE-/i, '')) : v), z.number().int().positive());
const text = (max: number) => z.string().trim().min(1, 'is empty').max(max, `is longer than ${max} characters`);

export const commandSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('service.list'), team: id.optional() }),
  z.object({ kind: z.literal('service.show'), id }),
  z.object({ kind: z.literal('service.escalation'), id }),
  z.object({ kind: z.literal('steward.help') }),
  z.object({ kind: z.literal('incident.declare'), title: z.string().trim().max(100).optional() }),
  z.object({ kind: z.literal('incident.update'), incident, text: text(2000) }),
  z.object({ kind: z.literal('incident.status'), incident, status: z.enum(['investigating', 'identified', 'monitoring', 'declined', 'cancelled']), text: text(2000).optional() }),
  z.object({ kind: z.literal('incident.severity'), incident, severity: z.string().regex(/^[A-Z][A-Z0-9-]{0,15}$/, 'must be a severity such as SEV2') }),
  z.object({ kind: z.literal('incident.role'), incident, role: id, user: z.string().min(1).max(120) }),
  z.object({ kind: z.literal('incident.resolve'), incident, summary: text(2000).optional() }),
  z.object({ kind: z.literal('incident.list') }),
  z.object({ kind: z.literal('incident.stats'), window: z.enum(['7d', '30d', '90d', '365d']).default('30d') }),
  z.object({ kind: z.literal('incident.timeline'), incident }),
  z.object({ kind: z.literal('incident.postmortem'), incident }),
  z.object({ kind: z.literal('incident.help') }),
  // Buttons on the incident summary card: open the matching form.
  z.object({ kind: z.literal('incident.form'), incident: incidentRequired, form: z.enum(['status', 'severity', 'role', 'resolve']) }),
  z.object({ kind: z.literal('incident.retry_war_room'), incident: incidentRequired }),
  // Paging: /page <service|@person> <message>; buttons on page messages.
  z.object({ kind: z.literal('page.create'), target: z.string().min(1).max(120), message: text(1000) }),
  z.object({ kind: z.literal('page.list') }),
  z.object({ kind: z.literal('page.ack'), page: pageNumber }),
  z.object({ kind: z.literal('page.escalate'), page: pageNumber, step: z.preprocess(toNumber, z.number().int().min(0)) }),
  z.object({ kind: z.literal('page.resolve'), page: pageNumber }),
  // On call: /oncall [service|schedule] · /oncall override <@user> <duration> [schedule]
  z.object({ kind: z.literal('oncall.show'), target: id.optional() }),
  z.object({ kind: z.literal('oncall.override'), user: z.string().min(1).max(120), duration: z.string().regex(/^[1-9]\d*(m|h|d|w)$/, 'must be a duration such as 30m, 4h, 2d or 1w'), schedule: id.optional() }),
]);

export type Command = z.infer<typeof commandSchema>;
export type CommandKind = Command['kind'];
export type CommandOf<K extends CommandKind> = Extract<Command, { kind: K }>;

/** Positional arguments of each kind, in the order used by compact button encodings. */
export const COMMAND_ARGS: { [K in CommandKind]: readonly (keyof Omit<CommandOf<K>, 'kind'> & string)[] } = {
  'service.list': ['team'],
  'service.show': ['id'],
  'service.escalation': ['id'],
  'steward.help': [],
  'incident.declare': ['title'],
  'incident.update': ['incident', 'text'],
  'incident.status': ['incident', 'status', 'text'],
  'incident.severity': ['incident', 'severity'],
  'incident.role': ['incident', 'role', 'user'],
  'incident.resolve': ['incident', 'summary'],
  'incident.list': [],
  'incident.stats': ['window'],
  'incident.timeline': ['incident'],
  'incident.postmortem': ['incident'],
  'incident.help': [],
  'incident.form': ['incident', 'form'],
  'incident.retry_war_room': ['incident'],
  'page.create': ['target', 'message'],
  'page.list': [],
  'page.ack': ['page'],
  'page.escalate': ['page', 'step'],
  'page.resolve': ['page'],
  'oncall.show': ['target'],
  'oncall.override': ['user', 'duration', 'schedule'],
};
