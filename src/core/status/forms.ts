// The form that publishes an incident on the status page: its public title, the components it
// affects with their status (one `component: status` per line), its public status and its first
// public message. Nothing is filled from the war room but the title, for the publisher to edit.
import { z } from 'zod';
import type { Form } from '../card.js';
import type { Directory } from '../directory.js';
import { type Initial, newNonce } from '../forms/values.js';
import { form } from '../module.js';
import type { IncidentFacts } from './links.js';
import { DEFAULT_MESSAGE, EVENT_STATUS_LABEL, OPEN_INCIDENT_STATUSES, readStatus } from './model.js';
import type { StatusPagePolicy } from './policy-section.js';

/** The statuses an incident may give a component in the form. */
const FORM_STATUSES = ['operational', 'degraded_performance', 'partial_outage', 'major_outage'] as const;
type FormStatus = (typeof FORM_STATUSES)[number];

/** The component status an incident of `severity` is published with (statusPage.impact, else by severity order). */
export function impactOf(dir: Directory, sp: StatusPagePolicy, severity: string): FormStatus {
  const set = sp.impact?.[severity];
  if (set) return set;
  const order: FormStatus[] = ['major_outage', 'partial_outage', 'degraded_performance'];
  const i = dir.policy.incidents.severities.findIndex((s) => s.id === severity);
  return order[i] ?? 'operational';
}

/** The components that stand for a service. */
export const componentsOf = (sp: StatusPagePolicy, serviceId: string | null) =>
  serviceId ? sp.components.filter((c) => c.services.includes(serviceId)) : [];

export function publishForm(
  dir: Directory,
  sp: StatusPagePolicy,
  i: IncidentFacts,
  initial: Initial = {},
  nonce = newNonce(),
): Form {
  const status = impactOf(dir, sp, i.severity);
  const suggested = componentsOf(sp, i.serviceId)
    .map((c) => `${c.id}: ${status === 'operational' ? 'degraded_performance' : status}`)
    .join('\n');
  const open = OPEN_INCIDENT_STATUSES.find((s) => s === i.status) ?? 'investigating';
  return {
    target: { kind: 'status.publish', number: i.number, nonce },
    title: `Publish INC-${i.number}`,
    submitLabel: 'Publish',
    fields: [
      {
        id: 'title',
        label: 'Public title',
        kind: 'text',
        required: true,
        maxLength: 100,
        initial: initial.title ?? i.title.slice(0, 100),
        placeholder: 'Payments are failing for some customers',
      },
      {
        id: 'components',
        label: 'Affected components and their status',
        kind: 'paragraph',
        required: true,
        maxLength: 1000,
        initial: initial.components ?? (suggested || undefined),
        placeholder: `${sp.components[0]!.id}: partial_outage (one per line: ${FORM_STATUSES.slice(1).join(', ')})`,
      },
      {
        id: 'status',
        label: 'Public status',
        kind: 'select',
        required: true,
        initial: initial.status ?? open,
        options: OPEN_INCIDENT_STATUSES.map((s) => ({ value: s, label: EVENT_STATUS_LABEL[s] })),
      },
      {
        id: 'message',
        label: 'First public message',
        kind: 'paragraph',
        required: true,
        maxLength: 2000,
        initial: initial.message ?? DEFAULT_MESSAGE[open],
      },
    ],
  };
}

/**
 * `payments: partial_outage` per line (or separated by commas; `=` works as well as `:`); each
 * component once. Problems name the component or status typed and list what exists.
 */
export function readComponents(
  sp: StatusPagePolicy,
  text: string,
): { ok: true; value: Record<string, FormStatus> } | { ok: false; problem: string } {
  const known = sp.components.map((c) => c.id);
  const out: Record<string, FormStatus> = {};
  const entries = text
    .split(/[\n,;]+/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (!entries.length) return { ok: false, problem: `Name at least one component (${known.join(', ')})` };
  for (const entry of entries) {
    const m = /^([^:=\s]+)\s*(?:[:=]\s*|\s+)?(.*)$/.exec(entry)!;
    const id = m[1]!.toLowerCase();
    if (!known.includes(id))
      return { ok: false, problem: `Unknown component "${m[1]}" (components: ${known.join(', ')})` };
    if (id in out) return { ok: false, problem: `${id} is listed twice` };
    const typed = m[2]!.trim();
    const status = typed ? readStatus(typed) : undefined;
    if (!status || status === 'under_maintenance')
      return {
        ok: false,
        problem: typed
          ? `"${typed}" is not a status for ${id} (statuses: ${FORM_STATUSES.join(', ')})`
          : `Give ${id} a status (${FORM_STATUSES.join(', ')})`,
      };
    out[id] = status;
  }
  return { ok: true, value: out };
}

export const PublishForm = form('status.publish', true, (dir) =>
  z.object({
    title: z
      .string({ error: 'Give the public incident a title' })
      .trim()
      .min(3, 'Use at least 3 characters')
      .max(100, 'Keep it under 100 characters'),
    components: z.string({ error: 'Name at least one component and its status' }).transform((v, ctx) => {
      const sp = dir.policy.statusPage;
      if (!sp) {
        ctx.addIssue({ code: 'custom', message: 'There is no status page in the policy' });
        return z.NEVER;
      }
      const r = readComponents(sp, v);
      if (!r.ok) {
        ctx.addIssue({ code: 'custom', message: r.problem });
        return z.NEVER;
      }
      return r.value;
    }),
    status: z.enum(OPEN_INCIDENT_STATUSES, { error: `Choose one of ${OPEN_INCIDENT_STATUSES.join(', ')}` }),
    message: z
      .string({ error: 'Write the first public message' })
      .trim()
      .min(3, 'Use at least 3 characters')
      .max(2000, 'Keep it under 2000 characters'),
  }),
);
export type PublishValues = z.infer<ReturnType<typeof PublishForm.values>>;
