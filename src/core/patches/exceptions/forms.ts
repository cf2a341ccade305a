// Risk exception forms: the request (justification and expiry) and the reason asked by Reject (approvals/forms.ts),
// each reopened with the values typed so far.
import { DateTime } from 'luxon';
import { z } from 'zod';
import { reasonForm, rejectFormOf } from '../../approvals/forms.js';
import { type Initial, newNonce } from '../../forms/values.js';
import type { Form } from '../../card.js';
import { form } from '../../module.js';
import { parseDuration, readDuration } from '../../shared/duration.js';

const requestValues = z.object({
  justification: z
    .string({ error: 'Say why the finding can wait' })
    .trim()
    .min(10, 'Say why the finding can wait (at least 10 characters)')
    .max(1000, 'Keep it under 1000 characters'),
  until: z
    .string({ error: 'Give an expiry: 30d or a date YYYY-MM-DD' })
    .trim()
    .min(1, 'Give an expiry: 30d or a date YYYY-MM-DD')
    .max(20, 'Give an expiry: 30d or a date YYYY-MM-DD'),
});
export const ExceptionRequestForm = form('patch.exception', true, () => requestValues);
/** The same request with the finding typed in (opened from a team's digest, about any of its findings). */
export const ExceptionPickForm = form('patch.exception_pick', false, () =>
  z
    .object({
      finding: z
        .string({ error: 'Name the finding, such as F-12' })
        .trim()
        .min(1, 'Name the finding, such as F-12')
        .max(16, 'Name the finding, such as F-12'),
    })
    .extend(requestValues.shape),
);
export const ExceptionRejectForm = rejectFormOf('exception.reject');

/**
 * The expiry typed in the form: a duration from now ("30d", "2w") or a date, read as the end of that
 * day in the requester's time zone. Later than now and at most `maxMs` away; otherwise why not.
 */
export function readUntil(
  text: string,
  now: Date,
  zone: string,
  max: string,
): { ok: true; until: Date } | { ok: false; error: string } {
  const t = text.trim();
  const maxMs = parseDuration(max);
  let until: Date;
  const ms = readDuration(t);
  if (ms !== null) {
    if (ms <= 0) return { ok: false, error: 'Give a duration longer than zero, such as 30d' };
    until = new Date(now.getTime() + ms);
  } else if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const day = DateTime.fromISO(t, { zone });
    if (!day.isValid) return { ok: false, error: `${t} is not a date` };
    until = day.plus({ days: 1 }).startOf('day').toJSDate();
    if (until <= now) return { ok: false, error: `${t} has passed; give a later date` };
  } else {
    return { ok: false, error: 'Give a duration such as 30d, or a date YYYY-MM-DD' };
  }
  if (until.getTime() - now.getTime() > maxMs)
    return { ok: false, error: `At most ${max} from now (patches.exceptions.maxDuration)` };
  return { ok: true, until };
}

export function exceptionRequestForm(finding: number, initial: Initial, nonce = newNonce()): Form {
  return {
    target: { kind: ExceptionRequestForm.kind, number: finding, nonce },
    title: `Risk exception for F-${finding}`,
    submitLabel: 'Request',
    fields: [
      {
        id: 'justification',
        label: 'Justification',
        kind: 'paragraph',
        required: true,
        maxLength: 1000,
        initial: initial.justification,
        placeholder: 'Why it can wait, and what limits the risk meanwhile',
      },
      {
        id: 'until',
        label: 'Until',
        kind: 'text',
        required: true,
        maxLength: 20,
        initial: initial.until,
        placeholder: '30d, or a date YYYY-MM-DD (your time zone)',
      },
    ],
  };
}

export function exceptionRejectForm(n: number, initial: Initial, nonce = newNonce()): Form {
  return reasonForm(ExceptionRejectForm.kind, (x) => `EXC-${x}`, n, initial, nonce);
}

/** The request form with a finding field; `example` is a finding the placeholder names (the digest's worst). */
export function exceptionPickForm(initial: Initial, example?: number, nonce = newNonce()): Form {
  const base = exceptionRequestForm(0, initial, nonce);
  return {
    target: { kind: ExceptionPickForm.kind, nonce },
    title: 'Request a risk exception',
    submitLabel: 'Request',
    fields: [
      {
        id: 'finding',
        label: 'Finding',
        kind: 'text',
        required: true,
        maxLength: 16,
        initial: initial.finding,
        placeholder: example ? `F-${example}` : 'F-12',
      },
      ...base.fields,
    ],
  };
}
