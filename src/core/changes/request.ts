// A change request checked before it exists: the fields (from the form or the API, one schema),
// the window in the requester's time zone, the incident an emergency change names, freezes, the
// approval rule and whether it can ever be met, and overlapping changes on the same service.
import { z } from 'zod';
import type { ChangeKind, ChangeRisk } from '../policy/schema.js';
import { evaluateQuorum } from '../approvals/quorum.js';
import { matchRule } from '../approvals/rules.js';
import type { Directory } from '../directory.js';
import { cronTime } from '../jobs/cron.js';
import type { Tx } from '../ports.js';
import { type FreezeOccurrence, freezesOverlapping } from './freeze.js';
import type { ChangeIncidents } from './links.js';
import type { Change } from './model.js';
import type { ChangeVia } from './policy-section.js';
import { parseWindow } from './window.js';
import { DateTime } from 'luxon';

/** "Mon 2027-01-04 00:00 America/New_York" (plain text: form errors cannot carry a time span). */
export const localTime = (at: Date, zone: string) =>
  `${DateTime.fromJSDate(at, { zone }).setLocale('en-GB').toFormat('ccc yyyy-MM-dd HH:mm')} ${zone}`;

/** The five form fields (and the API's JSON body: `kind` and `risk` apart there). */
export const requestFields = z.object({
  title: z
    .string({ error: 'Give the change a title' })
    .trim()
    .min(3, 'Use at least 3 characters')
    .max(100, 'Keep it under 100 characters'),
  service: z.string({ error: 'Choose a service' }),
  /** `standard`, `normal-low|medium|high`, `emergency` (the form's one select). */
  kind: z
    .string({ error: 'Choose the kind of change' })
    .regex(
      /^(standard|normal-(low|medium|high)|emergency)$/,
      'Choose standard, normal (low, medium or high risk) or emergency',
    ),
  window: z.string({ error: 'Say when: YYYY-MM-DD HH:MM +2h or now +30m' }),
  details: z
    .string({ error: 'Say what changes and how to roll it back' })
    .trim()
    .min(10, 'Say what changes and how to roll it back (at least 10 characters)')
    .max(2000, 'Keep it under 2000 characters'),
});
export type RequestFields = z.output<typeof requestFields>;

/**
 * The API body: the same fields, with `kind` and `risk` apart and the incident named on its own, and
 * the person the change is for (`requester`: a person id, or their Slack or Discord user id).
 */
export const apiRequest = z
  .object({
    title: z.string(),
    service: z.string(),
    kind: z.enum(['standard', 'normal', 'emergency']),
    risk: z.enum(['low', 'medium', 'high']).optional(),
    window: z.string(),
    details: z.string(),
    incident: z
      .string()
      .regex(/^INC-\d+$/i, 'must name an incident such as INC-7')
      .optional(),
    requester: z
      .string()
      .trim()
      .min(1, 'name a person (their id in the policy, or their Slack or Discord user id)')
      .max(64)
      .optional(),
  })
  .strict();

/** What a checked request becomes: the change's own fields. */
export type CheckedRequest = Pick<
  Change,
  | 'title'
  | 'serviceId'
  | 'kind'
  | 'risk'
  | 'windowStart'
  | 'windowEnd'
  | 'details'
  | 'incidentNumber'
  | 'rule'
  | 'flags'
>;

/** `note`: the start time happens twice that day, and which one was taken (for the requester's reply). */
export type Checked =
  { ok: true; value: CheckedRequest; note?: string } | { ok: false; fields: Record<string, string> };

/**
 * When changes on the service may start again after `first`: its end, or the end of a freeze still
 * running then (the year-end freeze ending on a Monday inside the weekend one), followed on.
 */
function frozenUntil(
  all: Parameters<typeof freezesOverlapping>[0],
  serviceId: string,
  first: FreezeOccurrence,
): { at: Date; ids: string[] } {
  let at = first.to;
  const ids = [first.freeze.id];
  for (let i = 0; i < 10; i++) {
    const next = freezesOverlapping(all, serviceId, at, new Date(at.getTime() + 1), cronTime)
      .filter((o) => o.to > at)
      .sort((a, b) => b.to.getTime() - a.to.getTime())[0];
    if (!next) break;
    at = next.to;
    if (!ids.includes(next.freeze.id)) ids.push(next.freeze.id);
  }
  return { at, ids };
}

/** Checks a request against the policy and the database (inside the creating transaction). */
export async function checkRequest(
  tx: Tx,
  dir: Directory,
  incidents: ChangeIncidents | undefined,
  input: RequestFields,
  requester: { personId: string; timezone: string; via: ChangeVia },
  now: Date,
): Promise<Checked> {
  const fields: Record<string, string> = {};
  const service = dir.service(input.service);
  if (!service) fields.service = 'Choose a service from the catalog';
  const [kind, risk] = input.kind.split('-') as [ChangeKind, ChangeRisk | undefined];
  const window = parseWindow(input.window, { timezone: requester.timezone, now });
  if (!window.ok) fields.window = window.error;
  const inc = /\bINC-(\d+)\b/i.exec(input.details);
  const incidentNumber = inc ? Number(inc[1]) : null;
  if (kind === 'emergency') {
    if (incidentNumber === null) fields.details = 'An emergency change names its incident, e.g. INC-7';
    else if (!incidents) fields.details = 'Incidents are not available to check INC-' + incidentNumber;
    else {
      // An emergency change answers an open incident on its own service: a closed or unrelated incident is no reason
      // to skip approval and freezes. An incident declared without a service does not rule the service out.
      const incident = await incidents.find(tx, incidentNumber);
      if (!incident) fields.details = `There is no incident INC-${incidentNumber}`;
      else if (!incident.open)
        fields.details = `INC-${incidentNumber} is ${incident.status}: an emergency change answers an open incident`;
      else if (incident.serviceId && incident.serviceId !== input.service) {
        fields.details = `INC-${incidentNumber} is on ${incident.serviceId}, not ${input.service}: an emergency change answers an open incident on the same service`;
      }
    }
  }
  if (!service || !window.ok || Object.keys(fields).length) return { ok: false, fields };

  const freezes = freezesOverlapping(dir.policy.changes.freezes, service.id, window.start, window.end, cronTime);
  const freeze = freezes[0];
  if (freeze && kind !== 'emergency') {
    const free = frozenUntil(dir.policy.changes.freezes, service.id, freeze);
    const until = localTime(free.at, requester.timezone);
    return {
      ok: false,
      fields: {
        window: `${freeze.freeze.reason}: ${service.name} is frozen until ${until} (freeze ${free.ids.join(', then ')}); plan it after that, or make it an emergency change`,
      },
    };
  }
  const rules = dir.policy.changes.rules;
  const subject = { kind, risk, service: service.id, team: service.team, tier: service.tier, via: requester.via };
  const rule = matchRule(rules, subject);
  if (!rule) return { ok: false, fields: { kind: 'No approval rule of the policy applies to this change' } };
  const quorum = evaluateQuorum({
    requirements: rule.approve,
    directory: dir,
    requester: requester.personId,
    service: service.id,
    team: service.team,
    decisions: [],
  });
  if (quorum.unmeetable.length)
    return { ok: false, fields: { kind: `This change could never be approved: ${quorum.unmeetable.join('; ')}` } };
  const overlapping = await tx.changes.overlapping({
    serviceId: service.id,
    from: window.start,
    to: window.end,
    active: true,
  });
  return {
    ok: true,
    ...(window.note ? { note: window.note } : {}),
    value: {
      title: input.title,
      serviceId: service.id,
      kind,
      risk: kind === 'normal' ? (risk ?? 'medium') : null,
      windowStart: window.start,
      windowEnd: window.end,
      details: input.details,
      incidentNumber,
      rule: { approve: rule.approve, retrospective: !!rule.retrospective, index: rules.indexOf(rule) },
      flags: {
        ...(freeze
          ? { freeze: { id: freeze.freeze.id, reason: freeze.freeze.reason, until: freeze.to.toISOString() } }
          : {}),
        conflicts: overlapping.map((c) => c.number),
      },
    },
  };
}
