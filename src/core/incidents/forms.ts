// Incident forms: what each one asks (opened again with the values typed so far after field
// errors), and the schema of what comes back.
import { z } from 'zod';
import { type Initial, newNonce } from '../forms/values.js';
import type { Form } from '../card.js';
import type { Directory } from '../directory.js';
import { form } from '../module.js';
import { statusLabel } from './cards.js';
import { type Incident, SETTABLE_STATUSES, ref } from './model.js';

const NO_SERVICE = '-';

export function declareForm(dir: Directory, initial: Initial, nonce = newNonce()): Form {
  const sev = dir.policy.incidents.severities;
  return {
    target: { kind: 'incident.declare', nonce },
    title: 'Declare an incident',
    submitLabel: 'Declare',
    fields: [
      {
        id: 'title',
        label: 'Title',
        kind: 'text',
        initial: initial.title?.slice(0, 100),
        required: true,
        maxLength: 100,
        placeholder: 'Checkout fails with 502',
      },
      {
        id: 'severity',
        label: 'Severity',
        kind: 'select',
        required: true,
        initial: initial.severity,
        options: sev.map((s) => ({ value: s.id, label: s.id, description: s.description })),
      },
      {
        id: 'service',
        label: 'Affected service',
        kind: 'select',
        required: false,
        initial: initial.service,
        options: [
          ...dir
            .allServices()
            .slice(0, 24)
            .map((s) => ({ value: s.id, label: s.name, description: `${s.id} · tier ${s.tier}` })),
          { value: NO_SERVICE, label: 'Not sure yet' },
        ],
      },
      {
        id: 'summary',
        label: 'Summary',
        kind: 'paragraph',
        required: false,
        initial: initial.summary,
        maxLength: 1000,
        placeholder: 'What is happening, who is affected',
      },
      {
        id: 'page',
        label: 'Page the on-call now?',
        kind: 'boolean',
        required: false,
        initial: initial.page,
        options: [{ value: 'yes', label: 'Page the on-call now' }],
      },
    ],
  };
}

export function statusForm(i: Incident, initial: Initial = {}, nonce = newNonce()): Form {
  return {
    target: { kind: 'incident.status', number: i.number, nonce },
    title: `${ref(i)} status`,
    submitLabel: 'Update',
    fields: [
      {
        id: 'status',
        label: 'Status',
        kind: 'select',
        required: true,
        initial: initial.status ?? i.status,
        options: SETTABLE_STATUSES.map((s) => ({ value: s, label: statusLabel(s) })),
      },
      { id: 'text', label: 'What changed', kind: 'paragraph', required: false, initial: initial.text, maxLength: 2000 },
    ],
  };
}

export function severityForm(dir: Directory, i: Incident, initial: Initial = {}, nonce = newNonce()): Form {
  return {
    target: { kind: 'incident.severity', number: i.number, nonce },
    title: `${ref(i)} severity`,
    submitLabel: 'Change',
    fields: [
      {
        id: 'severity',
        label: 'Severity',
        kind: 'select',
        required: true,
        initial: initial.severity ?? i.severity,
        options: dir.policy.incidents.severities.map((s) => ({ value: s.id, label: s.id, description: s.description })),
      },
    ],
  };
}

export function roleForm(dir: Directory, i: Incident, initial: Initial = {}, nonce = newNonce()): Form {
  return {
    target: { kind: 'incident.role', number: i.number, nonce },
    title: `${ref(i)} roles`,
    submitLabel: 'Assign',
    fields: [
      {
        id: 'role',
        label: 'Role',
        kind: 'select',
        required: true,
        initial: initial.role,
        options: dir.policy.incidents.roles.map((r) => ({ value: r, label: r })),
      },
      {
        id: 'person',
        label: 'Person',
        kind: 'select',
        required: true,
        initial: initial.person,
        options: dir.policy.people.slice(0, 25).map((p) => ({ value: p.id, label: p.name, description: p.id })),
      },
    ],
  };
}

export function resolveForm(i: Incident, initial: Initial = {}, nonce = newNonce()): Form {
  return {
    target: { kind: 'incident.resolve', number: i.number, nonce },
    title: `Resolve ${ref(i)}`,
    submitLabel: 'Resolve',
    fields: [
      {
        id: 'summary',
        label: 'Resolution summary',
        kind: 'paragraph',
        required: true,
        initial: initial.summary,
        maxLength: 2000,
        placeholder: 'What fixed it',
      },
    ],
  };
}

const optText = (max: number) =>
  z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined)
    .pipe(z.string().max(max, `Keep it under ${max} characters`).optional());

export const DeclareForm = form('incident.declare', false, (dir) => {
  const sev = dir.policy.incidents.severities.map((s) => s.id);
  return z.object({
    title: z
      .string({ error: 'Give the incident a title' })
      .trim()
      .min(3, 'Use at least 3 characters')
      .max(100, 'Keep it under 100 characters'),
    severity: z
      .string({ error: 'Choose a severity' })
      .refine((v) => sev.includes(v), { message: `Choose one of ${sev.join(', ')}` }),
    service: z
      .string()
      .optional()
      .transform((v) => (!v || v === NO_SERVICE ? null : v))
      .refine((v) => v === null || !!dir.service(v), { message: 'Choose a service from the catalog' }),
    summary: optText(1000),
    page: z
      .string()
      .optional()
      .transform((v) => v === 'yes' || v === 'true' || v === 'y'),
  });
});
export type DeclareValues = z.infer<ReturnType<typeof DeclareForm.values>>;

export const StatusForm = form('incident.status', true, () =>
  z.object({ status: z.enum(SETTABLE_STATUSES, { error: 'Choose a status' }), text: optText(2000) }),
);
export const SeverityForm = form('incident.severity', true, () =>
  z.object({ severity: z.string({ error: 'Choose a severity' }) }),
);
export const RoleForm = form('incident.role', true, () =>
  z.object({ role: z.string({ error: 'Choose a role' }), person: z.string({ error: 'Choose a person' }) }),
);
export const ResolveForm = form('incident.resolve', true, () =>
  z.object({ summary: z.string({ error: 'Say briefly what fixed it' }) }),
);
