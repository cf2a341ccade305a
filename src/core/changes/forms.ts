// Change forms: the five-field request (the same on every platform), the reason asked by Reject (approvals/forms.ts),
// and the outcome asked by /change complete — each reopened with the values typed so far.
import { z } from 'zod';
import { reasonForm, rejectFormOf } from '../approvals/forms.js';
import { type Initial, newNonce } from '../forms/values.js';
import type { Form } from '../card.js';
import type { Directory } from '../directory.js';
import { form } from '../module.js';
import { requestFields } from './request.js';

const KINDS = [
  { value: 'standard', label: 'Standard (pre-approved)' },
  { value: 'normal-low', label: 'Normal, low risk' },
  { value: 'normal-medium', label: 'Normal, medium risk' },
  { value: 'normal-high', label: 'Normal, high risk' },
  { value: 'emergency', label: 'Emergency (name the incident)' },
];

export const RequestForm = form('change.request', false, () => requestFields);
export const RejectForm = rejectFormOf('change.reject');
export const CompleteForm = form('change.complete', true, () =>
  z.object({
    outcome: z.enum(['successful', 'with_issues', 'failed'], { error: 'Choose how it went' }),
    notes: z.string().max(2000, 'Keep it under 2000 characters').optional(),
  }),
);

export function requestForm(dir: Directory, initial: Initial, nonce = newNonce()): Form {
  return {
    target: { kind: RequestForm.kind, nonce },
    title: 'Request a change',
    submitLabel: 'Request',
    fields: [
      {
        id: 'title',
        label: 'Title',
        kind: 'text',
        required: true,
        maxLength: 100,
        initial: initial.title,
        placeholder: 'Rotate the payments TLS certificate',
      },
      {
        id: 'service',
        label: 'Service',
        kind: 'select',
        required: true,
        initial: initial.service,
        options: dir
          .allServices()
          .slice(0, 25)
          .map((s) => ({ value: s.id, label: s.name, description: `${s.id} · tier ${s.tier}` })),
      },
      { id: 'kind', label: 'Kind', kind: 'select', required: true, initial: initial.kind, options: KINDS },
      {
        id: 'window',
        label: 'Planned window',
        kind: 'text',
        required: true,
        maxLength: 60,
        initial: initial.window,
        placeholder: 'YYYY-MM-DD HH:MM +2h, or now +30m (your time zone)',
      },
      {
        id: 'details',
        label: 'Details',
        kind: 'paragraph',
        required: true,
        maxLength: 2000,
        initial: initial.details,
        placeholder: 'What changes, how to roll it back, links; an emergency change names its incident (INC-7)',
      },
    ],
  };
}

export function rejectForm(n: number, initial: Initial, nonce = newNonce()): Form {
  return reasonForm(RejectForm.kind, (x) => `CHG-${x}`, n, initial, nonce);
}

export function completeForm(n: number, initial: Initial, nonce = newNonce()): Form {
  return {
    target: { kind: CompleteForm.kind, number: n, nonce },
    title: `Complete CHG-${n}`,
    submitLabel: 'Complete',
    fields: [
      {
        id: 'outcome',
        label: 'How did it go?',
        kind: 'select',
        required: true,
        initial: initial.outcome,
        options: [
          { value: 'successful', label: 'Successful' },
          { value: 'with_issues', label: 'Done, with issues' },
          { value: 'failed', label: 'Failed' },
        ],
      },
      { id: 'notes', label: 'Notes', kind: 'paragraph', required: false, maxLength: 2000, initial: initial.notes },
    ],
  };
}
