// Neutral cards of risk exceptions: the approver's request (kept current with the tally and the
// outcome, buttons only while it waits), the owners' notice when it expires, and the summary
// /patch show gives.
import { REASON_INLINE, decisionLines } from '../../approvals/cards.js';
import { type Button, type Card, type Field, type Rich, br, code, strong, time, txt } from '../../card.js';
import type { Directory } from '../../directory.js';
import { personSpan } from '../../people/spans.js';
import { type ExceptionState, STATE_LABEL, exceptionRef } from './model.js';
import type { ExceptionView } from './service.js';
import { type Finding, findingRef } from '../findings/model.js';
import { call } from '../../module.js';
import { PatchOps } from '../ops.js';

const TONE: Record<ExceptionState, Card['tone']> = {
  pending: 'warning',
  accepted: 'good',
  rejected: 'danger',
  expired: 'neutral',
};

/** The finding in one line: `F-3 · CVE-2024-1 in lodash (payments-api)`. */
const findingLine = (f: Finding) => `${findingRef(f.id)} · ${f.vulnId} in ${f.packageName} (${f.serviceId})`;

/** Who asked, until when, the tally with each decision, and the state: the fields of every exception card. */
export function exceptionFields(dir: Directory, v: ExceptionView): Field[] {
  const { e, quorum } = v;
  const approvedBy = v.decisions.filter(
    (d) => d.decision === 'approve' && quorum.entries.some((x) => x.counted.includes(d.personId)),
  );
  return [
    { label: 'Requested by', value: [...personSpan(dir, e.requestedBy), txt(' '), time(e.requestedAt)] },
    { label: 'Until', value: [time(e.until)] },
    {
      label: 'Approvals',
      value: [txt(quorum.tally), ...(v.decisions.length ? [br, ...decisionLines(dir, v.decisions)] : [])],
    },
    ...(e.state === 'accepted' || (e.state === 'expired' && approvedBy.length)
      ? [
          {
            label: 'Approved by',
            value: approvedBy.flatMap((d, i): Rich => [...(i ? [txt(', ')] : []), ...personSpan(dir, d.personId)]),
          },
        ]
      : []),
    { label: 'State', value: [strong(STATE_LABEL[e.state])] },
  ];
}

/** The card each approver gets; every copy is edited as decisions come in. */
export function exceptionCard(dir: Directory, v: ExceptionView, f: Finding): Card {
  const { e } = v;
  const buttons: Button[] =
    e.state === 'pending'
      ? [
          {
            label: 'Approve',
            style: 'primary',
            command: call(PatchOps.approve, { exception: e.number }),
            confirm: {
              title: `Approve ${exceptionRef(e)}?`,
              text: `${findingLine(f)} waits until ${e.until.toISOString().slice(0, 10)}`.slice(0, 300),
              yes: 'Approve',
              no: 'Not yet',
            },
          },
          { label: 'Reject', style: 'danger', command: call(PatchOps.reject, { exception: e.number }) },
        ]
      : [];
  return {
    title: `${exceptionRef(e)} · risk exception for ${findingRef(f.id)}`,
    tone: TONE[e.state],
    body: [strong(findingLine(f)), ...(f.title ? [br, txt(f.title)] : [])],
    fields: exceptionFields(dir, v),
    sections: [
      { heading: 'Justification', body: [txt(e.justification)] },
      ...v.decisions
        .filter((d) => d.reason && d.reason.length > REASON_INLINE)
        .map((d) => ({
          heading: `Why ${dir.person(d.personId)?.name ?? d.personId} rejected it`,
          body: [txt(d.reason!)],
        })),
    ],
    buttons: buttons.length ? buttons : undefined,
    context: [code(exceptionRef(e)), txt(` · ${STATE_LABEL[e.state]}`)],
  };
}

/** What a service owner hears when an accepted exception expires. */
export function expiredCard(dir: Directory, v: ExceptionView, f: Finding): Card {
  return {
    title: `${exceptionRef(v.e)} expired: ${findingRef(f.id)} is active again`,
    tone: 'warning',
    body: [
      strong(findingLine(f)),
      br,
      txt('Its deadline counts again: it shows in overdue lists and digests. See '),
      code(`/patch show ${findingRef(f.id)}`),
      txt('.'),
    ],
    fields: exceptionFields(dir, v),
  };
}
