// The reason Reject asks for, the same for every kind of approval: one field, required, reopened
// with what was typed so far.
import { z } from 'zod';
import type { Form } from '../card.js';
import { type Initial, newNonce } from '../forms/values.js';
import { form } from '../module.js';

export const rejectValues = z.object({
  reason: z
    .string({ error: 'Say why, so the requester knows what to change' })
    .trim()
    .min(3, 'Say why (at least 3 characters)')
    .max(1000, 'Keep it under 1000 characters'),
});

/** Declares a kind's reject form (`change.reject`, `exception.reject`), numbered by the subject. */
export const rejectFormOf = (kind: string) => form(kind, true, () => rejectValues);

/** "Reject CHG-4": the reason form for subject `n`, whose reference `ref` gives. */
export function reasonForm(
  kind: string,
  ref: (n: number) => string,
  n: number,
  initial: Initial,
  nonce = newNonce(),
): Form {
  return {
    target: { kind, number: n, nonce },
    title: `Reject ${ref(n)}`,
    submitLabel: 'Reject',
    fields: [
      {
        id: 'reason',
        label: 'Why',
        kind: 'paragraph',
        required: true,
        maxLength: 1000,
        initial: initial.reason,
        placeholder: 'What would make it acceptable',
      },
    ],
  };
}
