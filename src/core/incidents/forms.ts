// Incident forms: what each one asks, and the validation of what comes back.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Form, FormTarget } from '../card.js';
import type { Directory } from '../catalog/directory.js';
import { statusLabel } from './cards.js';
import { type Incident, ref } from './model.js';

export const newNonce = () => randomBytes(9).toString('base64url');

const NO_SERVICE = '-';

export function declareForm(dir: Directory, title: string | undefined): Form {
  const sev = dir.policy.incidents.severities;
  return {
    target: { kind: 'incident.declare', nonce: newNonce() },
    title: 'Declare an incident',
    submitLabel: 'Declare',
    fields: [
      { id: 'title', label: 'Title', kind: 'text', initial: title?.slice(0, 100), required: true, maxLength: 100, placeholder: 'Checkout fails with 502' },
      { id: 'severity', label: 'Severity', kind: 'select', required: true, options: sev.map((s) => ({ value: s.id, label: s.id, description: s.description })) },
      {
        id: 'service',
        label: 'Affected service',
        kind: 'select',
        required: false,
        options: [...dir.allServices().slice(0, 24).map((s) => ({ value: s.id, label: s.name, description: `${s.id} · tier ${s.tier}` })), { value: NO_SERVICE, label: 'Not sure yet' }],
      },
      { id: 'summary', label: 'Summary', kind: 'paragraph', required: false, maxLength: 1000, placeholder: 'What is happening, who is affected' },
      { id: 'page', label: 'Page the on-call now?', kind: 'boolean', required: false, options: [{ value: 'yes', label: 'Page the on-call now' }] },
    ],
  };
}

export function statusForm(i: Incident): Form {
  return {
    target: { kind: 'incident.status', number: i.number, nonce: newNonce() },
    title: `${ref(i)} status`,
    submitLabel: 'Update',
    fields: [
      {
        id: 'status',
        label: 'Status',
        kind: 'select',
        required: true,
        initial: i.status,
        options: (['investigating', 'identified', 'monitoring', 'declined', 'cancelled'] as const).map((s) => ({ value: s, label: statusLabel(s) })),
      },
      { id: 'text', label: 'What changed', kind: 'paragraph', required: false, maxLength: 2000 },
    ],
  };
}

export function severityForm(dir: Directory, i: Incident): Form {
  return {
    target: { kind: 'incident.severity', number: i.number, nonce: newNonce() },
    title: `${ref(i)} severity`,
    submitLabel: 'Change',
    fields: [
      { id: 'severity', label: 'Severity', kind: 'select', required: true, initial: i.severity, options: dir.policy.incidents.severities.map((s) => ({ value: s.id, label: s.id, description: s.description })) },
    ],
  };
}

export function roleForm(dir: Directory, i: Incident): Form {
  return {
    target: { kind: 'incident.role', number: i.number, nonce: newNonce() },
    title: `${ref(i)} roles`,
    submitLabel: 'Assign',
    fields: [
      { id: 'role', label: 'Role', kind: 'select', required: true, options: dir.policy.incidents.roles.map((r) => ({ value: r, label: r })) },
      { id: 'person', label: 'Person', kind: 'select', required: true, options: dir.policy.people.slice(0, 25).map((p) => ({ value: p.id, label: p.name, description: p.id })) },
    ],
  };
}

export function resolveForm(i: Incident): Form {
  return {
    target: { kind: 'incident.resolve', number: i.number, nonce: newNonce() },
    title: `Resolve ${ref(i)}`,
    submitLabel: 'Resolve',
    fields: [{ id: 'summary', label: 'Resolution summary', kind: 'paragraph', required: true, maxLength: 2000, placeholder: 'What fixed it' }],
  };
}

export type FieldErrors = Record<string, string>;
type Parsed<T> = { ok: true; value: T } | { ok: false; fields: FieldErrors };

function parse<T>(schema: z.ZodType<T>, values: Record<string, string | undefined>): Parsed<T> {
  const r = schema.safeParse(values);
  if (r.success) return { ok: true, value: r.data };
  const fields: FieldErrors = {};
  for (const i of r.error.issues) fields[String(i.path[0] ?? 'form')] ??= i.message;
  return { ok: false, fields };
}

const optText = (max: number) =>
  z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined)
    .pipe(z.string().max(max, `Keep it under ${max} characters`).optional());

export function parseDeclare(dir: Directory, values: Record<string, string | undefined>) {
  const sev = dir.policy.incidents.severities.map((s) => s.id);
  return parse(
    z.object({
      title: z.string({ error: 'Give the incident a title' }).trim().min(3, 'Use at least 3 characters').max(100, 'Keep it under 100 characters'),
      severity: z.string({ error: 'Choose a severity' }).refine((v) => sev.includes(v), { message: `Choose one of ${sev.join(', ')}` }),
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
    }),
    values,
  );
}

export const targetKey = (t: FormTarget) => `form:${t.kind}:${t.nonce}`;
