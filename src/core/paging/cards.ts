// Neutral cards for paging: the page message (edited in place as it escalates or is acknowledged)
// and the on-call view.
import { type Card, type Rich, br, code, join, strong, time, txt } from '../card.js';
import type { Directory } from '../directory.js';
import { personSpan } from '../people/spans.js';
import { formatDuration } from '../shared/duration.js';
import { type Page, notifySteps, pageRef, progressText, stepAt } from './model.js';
import type { StepRecord } from './ports.js';
import { call } from '../module.js';
import { PageOps } from './ops.js';

/** A step set aside after failing to fire (see Escalator), as the page card shows it. */
export type StuckStep = Pick<StepRecord, 'seq' | 'attempts' | 'lastError' | 'firedAt'>;

/** Most characters of a step's last error shown on a card. */
export const STUCK_ERROR_SHOWN = 200;

/** "level 2 of 3" for a notify step, or the closing notice. */
export const stepText = (p: Page, seq: number) =>
  stepAt(p.path, seq).kind === 'exhausted' ? 'the "nobody acknowledged" notice' : progressText(p.path, seq);

export function pageSubject(dir: Directory, p: Page): string {
  if (p.serviceId) return dir.service(p.serviceId)?.name ?? p.serviceId;
  return p.personId ? `paging ${dir.person(p.personId)?.name ?? p.personId}` : 'page';
}

export function pageTitle(dir: Directory, p: Page, stuck?: StuckStep | null): string {
  const subject = pageSubject(dir, p);
  if (p.status === 'acknowledged')
    return `✅ ${pageRef(p)} acknowledged by ${dir.person(p.ackBy ?? '')?.name ?? p.ackBy ?? 'someone'} · ${subject}`;
  if (p.status === 'resolved') return `☑️ ${pageRef(p)} resolved · ${subject}`;
  if (stuck) return `⚠️ ${pageRef(p)} could not escalate · ${subject}`;
  if (p.exhaustedAt) return `⚠️ ${pageRef(p)} · nobody acknowledged · ${subject}`;
  return `🔔 ${pageRef(p)} · ${subject}`;
}

/**
 * The message every target gets; all copies, on every platform, are edited to match the page.
 * `stuck`: the step that was set aside, when the page could not escalate. `detail`: the progress
 * of the alert group the page belongs to.
 */
export function pageCard(dir: Directory, p: Page, stuck?: StuckStep | null, detail?: string | null): Card {
  if (p.status !== 'open') stuck = null;
  const fields: Card['fields'] = [];
  if (p.serviceId)
    fields.push({
      label: 'Service',
      value: [txt(dir.service(p.serviceId)?.name ?? p.serviceId), txt(' '), code(p.serviceId)],
    });
  if (detail) fields.push({ label: 'Alerts', value: [txt(detail)] });
  fields.push({ label: 'Paged by', value: p.createdBy ? personSpan(dir, p.createdBy) : [txt('Steward')] });
  if (p.incidentNumber !== null) fields.push({ label: 'Incident', value: [code(`INC-${p.incidentNumber}`)] });
  const path = p.path.policy ? [txt(' · '), code(p.path.policy)] : [];
  fields.push({ label: 'Escalation', value: [txt(progressText(p.path, p.stepSeq)), ...path] });
  if (p.notified.length) fields.push({ label: 'Notified', value: join(p.notified.map((id) => personSpan(dir, id))) });
  if (p.ackAt)
    fields.push({
      label: 'Acknowledged',
      value: [
        ...personSpan(dir, p.ackBy),
        txt(' at '),
        time(p.ackAt),
        txt(` (after ${formatDuration(p.ackAt.getTime() - p.createdAt.getTime())})`),
      ],
    });
  if (p.resolvedAt)
    fields.push({ label: 'Resolved', value: [...personSpan(dir, p.resolvedBy), txt(' at '), time(p.resolvedAt)] });
  if (p.exhaustedAt && p.status === 'open')
    fields.push({
      label: 'Nobody acknowledged',
      value: [txt(`every level was tried ${p.path.repeat + 1}× (last at `), time(p.exhaustedAt), txt(')')],
    });
  if (stuck) {
    const error =
      stuck.lastError && stuck.lastError.length > STUCK_ERROR_SHOWN
        ? `${stuck.lastError.slice(0, STUCK_ERROR_SHOWN - 1)}…`
        : stuck.lastError;
    fields.push({
      label: 'Could not escalate',
      value: [
        txt(`${stepText(p, stuck.seq)} failed ${stuck.attempts} times; Steward gave up`),
        ...(stuck.firedAt ? [txt(' at '), time(stuck.firedAt)] : []),
        txt(`: reach the on-call another way.${error ? ` Last error: ${error}` : ''}`),
      ],
    });
  }
  const buttons: Card['buttons'] =
    p.status === 'open'
      ? [
          { label: 'Acknowledge', command: call(PageOps.ack, { page: p.number }), style: 'primary' },
          ...(!stuck && p.stepSeq + 1 < notifySteps(p.path)
            ? [
                {
                  label: 'Escalate now',
                  command: call(PageOps.escalate, { page: p.number, step: Math.max(0, p.stepSeq) }),
                },
              ]
            : []),
        ]
      : p.status === 'acknowledged'
        ? [{ label: 'Resolve', command: call(PageOps.resolve, { page: p.number }) }]
        : undefined;
  return {
    title: pageTitle(dir, p, stuck),
    tone: p.status === 'open' ? 'danger' : p.status === 'acknowledged' ? 'good' : 'neutral',
    body: [txt(p.message)],
    fields,
    buttons,
    context: [txt(`${pageRef(p)} · paged `), time(p.createdAt), txt(' · escalation path frozen when the page started')],
  };
}

export function pageListCard(dir: Directory, pages: Page[]): Card {
  const lines: Rich[] = pages.map((p) => [
    strong(pageRef(p)),
    txt(` · ${pageSubject(dir, p)} · ${p.status} · ${progressText(p.path, p.stepSeq)} · `),
    time(p.createdAt, 'relative'),
  ]);
  return {
    title: 'Open pages',
    tone: 'info',
    body: lines.length ? join(lines, br) : [txt('Nobody is being paged right now.')],
    context: [txt(`${pages.length} open`)],
  };
}
