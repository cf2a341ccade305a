// The patch SLA digest card: counts first (readable at a glance), then the top items under each
// heading with how many more there are, never a list cut without saying so.
import { type Button, type Card, type Command, type Rich, br, strong, time, txt } from '../../card.js';
import { findingRef } from '../findings/model.js';
import type { Severity } from '../findings/model.js';
import { type DigestData, type DigestItem, DUE_SOON_DAYS, EXPIRING_DAYS } from './model.js';
import { exceptionRef } from '../exceptions/model.js';

const ORDER: Severity[] = ['critical', 'high', 'medium', 'low', 'unknown', 'none'];
const DAY = 86_400_000;

const bySeverity = (counts: Partial<Record<Severity, number>>) =>
  ORDER.filter((s) => counts[s])
    .map((s) => `${counts[s]} ${s}`)
    .join(' · ');

function overdueBy(ms: number): string {
  if (ms >= DAY) return `${Math.floor(ms / DAY)}d overdue`;
  const h = Math.floor(ms / 3_600_000);
  return h >= 1 ? `${h}h overdue` : `${Math.max(1, Math.floor(ms / 60_000))}m overdue`;
}

function item(i: DigestItem, tail: Rich): Rich {
  return [
    strong(findingRef(i.id)),
    txt(` ${i.severity} ${i.vulnId} · ${i.packageName} ${i.installedVersion || ''}`.trimEnd() + ` · ${i.serviceId} · `),
    ...tail,
  ];
}

const lines = (items: Rich[]): Rich => items.flatMap((r, n) => (n ? [br, ...r] : r));

function more(shown: number, total: number, what: string): Rich {
  return total > shown ? [br, txt(`… and ${total - shown} more ${what}`)] : [];
}

export interface DigestActions {
  showOverdue: Command;
  requestException: Command;
}

export function digestCard(d: DigestData, actions: DigestActions): Card {
  const now = new Date(d.at);
  const title = `Patch SLA digest · ${d.teamName}`;
  const context: Rich = [];
  if (d.late && d.occurrence)
    context.push(
      txt('Posted late: the digest of '),
      time(new Date(d.occurrence)),
      txt(' was missed while Steward was down. '),
    );
  if (d.since) context.push(txt('Compared with the digest of '), time(new Date(d.since)), txt('.'));
  else context.push(txt('First digest for this team: nothing earlier to compare with.'));
  const sinceLast: Rich = d.since ? [txt(` · ${d.fresh} new, ${d.fixed} fixed since the last digest`)] : [];
  const expired: Rich = d.expired
    ? [
        br,
        txt(
          `${d.expired} risk exception${d.expired === 1 ? '' : 's'} expired since the last digest: ${d.expired === 1 ? 'its finding counts' : 'their findings count'} again.`,
        ),
      ]
    : [];
  if (d.open === 0) {
    return {
      title,
      tone: 'good',
      body: [strong('All clear:'), txt(' no open findings.'), ...sinceLast, ...expired],
      context,
    };
  }
  let trend = '';
  if (d.previousOverdue !== null) {
    const delta = d.overdue.total - d.previousOverdue;
    trend =
      delta > 0
        ? ` (▲ ${delta} since the last digest)`
        : delta < 0
          ? ` (▼ ${-delta} since the last digest)`
          : ' (unchanged since the last digest)';
  }
  const body: Rich = [
    strong(`${d.overdue.total} overdue`),
    txt(`${trend} · ${d.dueSoon.total} due within ${DUE_SOON_DAYS} days · ${d.open} open`),
    ...sinceLast,
    ...(d.excepted ? [txt(` · ${d.excepted} under a risk exception`)] : []),
    ...expired,
  ];
  const sections: { heading: string; body: Rich }[] = [];
  if (d.overdue.total) {
    sections.push({
      heading: `Overdue: ${bySeverity(d.overdue.bySeverity)}`,
      body: [
        ...lines(d.overdue.worst.map((i) => item(i, [txt(overdueBy(now.getTime() - Date.parse(i.deadline)))]))),
        ...more(d.overdue.worst.length, d.overdue.total, 'overdue (Show all overdue)'),
      ],
    });
  }
  if (d.dueSoon.total) {
    sections.push({
      heading: `Due within ${DUE_SOON_DAYS} days: ${bySeverity(d.dueSoon.bySeverity)}`,
      body: [
        ...lines(d.dueSoon.next.map((i) => item(i, [txt('due '), time(new Date(i.deadline))]))),
        ...more(d.dueSoon.next.length, d.dueSoon.total, `due within ${DUE_SOON_DAYS} days`),
      ],
    });
  }
  if (d.expiring.total) {
    sections.push({
      heading: `Risk exceptions ending within ${EXPIRING_DAYS} days: ${d.expiring.total}`,
      body: [
        ...lines(
          d.expiring.items.map((x) => [
            strong(exceptionRef({ number: x.exception })),
            txt(` on ${findingRef(x.findingId)} · ${x.serviceId} · ends `),
            time(new Date(x.until)),
          ]),
        ),
        ...more(d.expiring.items.length, d.expiring.total, 'ending'),
      ],
    });
  }
  const buttons: Button[] = [];
  if (d.overdue.total) buttons.push({ label: 'Show all overdue', command: actions.showOverdue, style: 'primary' });
  if (d.overdue.total || d.dueSoon.total)
    buttons.push({ label: 'Request exception', command: actions.requestException });
  return {
    title,
    tone: d.overdue.total ? 'danger' : d.dueSoon.total ? 'warning' : 'good',
    body,
    sections,
    buttons,
    context,
  };
}
