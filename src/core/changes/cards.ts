// Neutral cards for change requests: the change card (team channels and approvers' messages, kept
// current with the tally and the outcome), lists, the detail view and the 7-day calendar.
import { REASON_INLINE, decisionLines } from '../approvals/cards.js';
import type { Quorum } from '../approvals/quorum.js';
import { type Button, type Card, type Field, type Rich, br, code, join, strong, time, txt } from '../card.js';
import type { Directory } from '../directory.js';
import { call } from '../module.js';
import { personSpan } from '../people/spans.js';
import { formatDuration } from '../shared/duration.js';
import type { FreezeOccurrence } from './freeze.js';
import { ChangeOps } from './ops.js';
import {
  type Change,
  type ChangeDecisionRow,
  KIND_LABEL,
  OUTCOME_LABEL,
  STATE_LABEL,
  changeRef,
  closedForDecisions,
  requesterOf,
  stateOf,
} from './model.js';

export interface ChangeView {
  c: Change;
  decisions: ChangeDecisionRow[];
  quorum: Quorum;
}

const TONE = {
  pending: 'warning',
  approved: 'good',
  rejected: 'danger',
  expired: 'danger',
  in_progress: 'info',
  completed: 'good',
  rolled_back: 'danger',
  cancelled: 'neutral',
} as const;

export function kindText(c: Change): string {
  if (c.kind === 'normal') return `Normal · ${c.risk ?? 'medium'} risk`;
  if (c.kind === 'emergency')
    return `Emergency${c.rule.retrospective ? ' (may start now, approved afterwards)' : ''}${c.incidentNumber ? ` · INC-${c.incidentNumber}` : ''}`;
  return `${KIND_LABEL[c.kind]}${c.rule.approve.length ? '' : ' (pre-approved)'}`;
}

export const windowRich = (c: Pick<Change, 'windowStart' | 'windowEnd'>): Rich => [
  time(c.windowStart),
  txt(' → '),
  time(c.windowEnd),
  txt(` (${formatDuration(c.windowEnd.getTime() - c.windowStart.getTime())})`),
];

/**
 * Long text (details up to 2000 characters, a reason up to 1000) goes in sections of at most this
 * many characters, split at a line break or space: a Discord embed field holds 1024, and escaping
 * Markdown adds a little.
 */
export const SECTION_CHUNK = 900;
export { REASON_INLINE };

function chunks(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > SECTION_CHUNK) {
    const cut = Math.max(rest.lastIndexOf('\n', SECTION_CHUNK), rest.lastIndexOf(' ', SECTION_CHUNK));
    const at = cut > SECTION_CHUNK / 2 ? cut : SECTION_CHUNK;
    out.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^[\n ]/, '');
  }
  return [...out, rest];
}

/** `heading` over the first part of `text`, the rest in sections without a heading. */
const longSections = (heading: string, text: string) =>
  chunks(text).map((c, i) => (i === 0 ? { heading, body: [txt(c)] } : { body: [txt(c)] }));

function flagsRich(c: Change): Rich | null {
  const parts: Rich[] = [];
  if (c.flags.freeze)
    parts.push([
      txt(`⚠ inside the freeze ${c.flags.freeze.id} (${c.flags.freeze.reason}) until `),
      time(new Date(c.flags.freeze.until)),
    ]);
  if (c.flags.conflicts.length)
    parts.push([txt(`⚠ overlaps ${c.flags.conflicts.map((n) => `CHG-${n}`).join(', ')} on the same service`)]);
  if (c.kind === 'emergency' && c.approval === 'rejected') parts.push([txt('⚠ emergency change rejected afterwards')]);
  return parts.length ? join(parts, br) : null;
}

/** "Alice Example through the API (token ci-payments)", "API token ci-payments", or the person who used the form. */
export function requestedBy(dir: Directory, c: Change): Rich {
  const r = requesterOf(c);
  if (r.via === 'chat') return personSpan(dir, r.person);
  return r.person
    ? [...personSpan(dir, r.person), txt(' through the API (token '), code(r.token), txt(')')]
    : [txt('API token '), code(r.token)];
}

/** The change card. Buttons only while it waits for decisions: decided and expired copies say so instead. */
export function changeCard(dir: Directory, v: ChangeView): Card {
  const { c, quorum } = v;
  const state = stateOf(c);
  const service = dir.service(c.serviceId);
  const fields: Field[] = [
    { label: 'Service', value: [strong(service?.name ?? c.serviceId), txt(' '), code(c.serviceId)] },
    { label: 'Kind', value: [txt(kindText(c))] },
    { label: 'Window', value: windowRich(c) },
    { label: 'Requested by', value: requestedBy(dir, c) },
    {
      label: 'Approvals',
      value: [txt(quorum.tally), ...(v.decisions.length ? [br, ...decisionLines(dir, v.decisions)] : [])],
    },
    {
      label: 'State',
      value: [strong(STATE_LABEL[state]), ...(c.outcome ? [txt(` (${OUTCOME_LABEL[c.outcome]})`)] : [])],
    },
  ];
  const flags = flagsRich(c);
  if (flags) fields.push({ label: 'Flags', value: flags });
  const buttons: Button[] = closedForDecisions(c)
    ? []
    : [
        {
          label: 'Approve',
          style: 'primary',
          command: call(ChangeOps.approve, { change: c.number }),
          confirm: {
            title: `Approve ${changeRef(c)}?`,
            text: `${c.title} on ${service?.name ?? c.serviceId}`.slice(0, 300),
            yes: 'Approve',
            no: 'Not yet',
          },
        },
        { label: 'Reject', style: 'danger', command: call(ChangeOps.reject, { change: c.number }) },
      ];
  return {
    title: `${changeRef(c)} · ${c.title}`,
    tone: TONE[state],
    fields,
    sections: [
      ...longSections('Details', c.details),
      ...v.decisions
        .filter((d) => d.reason && d.reason.length > REASON_INLINE)
        .flatMap((d) => longSections(`Why ${dir.person(d.personId)?.name ?? d.personId} rejected it`, d.reason!)),
    ],
    buttons: buttons.length ? buttons : undefined,
    context: [code(changeRef(c)), txt(` · ${STATE_LABEL[state]}`)],
  };
}

/** One line per change (lists and the calendar). */
export function changeLine(dir: Directory, c: Change): Rich {
  return [
    strong(changeRef(c)),
    txt(` ${c.title} · ${dir.service(c.serviceId)?.name ?? c.serviceId} · `),
    ...windowRich(c),
    txt(` · ${STATE_LABEL[stateOf(c)]}`),
  ];
}

export function listCard(dir: Directory, title: string, changes: readonly Change[]): Card {
  return changes.length
    ? {
        title: `${title} (${changes.length})`,
        tone: 'info',
        body: join(
          changes.map((c) => changeLine(dir, c)),
          br,
        ),
      }
    : { title, tone: 'good', body: [txt('None.')] };
}

export function calendarCard(
  dir: Directory,
  changes: readonly Change[],
  freezes: readonly FreezeOccurrence[],
  from: Date,
  to: Date,
): Card {
  return {
    title: 'Changes and freezes, the next 7 days',
    tone: 'info',
    sections: [
      {
        heading: `Changes (${changes.length})`,
        body: changes.length
          ? join(
              changes.map((c) => changeLine(dir, c)),
              br,
            )
          : [txt('None planned.')],
      },
      {
        heading: `Freezes (${freezes.length})`,
        body: freezes.length
          ? join(
              freezes.map((f) => [
                strong(f.freeze.id),
                txt(` ${f.freeze.reason}: `),
                time(f.from),
                txt(' → '),
                time(f.to),
                txt(f.freeze.services?.length ? ` (${f.freeze.services.join(', ')})` : ' (every service)'),
              ]),
              br,
            )
          : [txt('None.')],
      },
    ],
    context: [txt('From '), time(from), txt(' to '), time(to), txt(', in your time zone.')],
  };
}
