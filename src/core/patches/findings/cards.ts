// The cards of /patch list and /patch show, from findings (no storage, no policy lookups here).
import { type Button, type Card, type Rich, br, code, link, strong, time, txt } from '../../card.js';
import type { Command } from '../../card.js';
import { formatDuration } from '../../shared/duration.js';
import { type Finding, findingRef } from './model.js';
import type { FindingEvent, ImportRecord } from './ports.js';

export const PAGE_SIZE = 10;

const SEVERITY_LABEL: Record<string, string> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
  none: 'NONE',
  unknown: 'UNKNOWN',
};
const days = (ms: number) => (ms >= 86_400_000 ? `${Math.floor(ms / 86_400_000)}d` : formatDuration(ms));

/** `lodash 4.17.20 → 4.17.21` or `lodash 4.17.20 → no fix yet`. */
export function versions(f: Finding): string {
  const installed = f.installedVersion || '(version not reported)';
  return `${f.packageName} ${installed} → ${f.fixedVersions.length ? f.fixedVersions.join(', ') : 'no fix yet'}`;
}

/** Due, overdue or no deadline, with the instant in the viewer's time zone. */
export function due(f: Finding, now: Date): Rich {
  if (f.exceptedUntil && f.exceptedUntil > now) return [txt('risk exception until '), time(f.exceptedUntil)];
  if (!f.deadline) return [txt('no deadline')];
  const left = f.deadline.getTime() - now.getTime();
  return left < 0
    ? [strong(`overdue by ${days(-left)}`), txt(' (was due '), time(f.deadline), txt(')')]
    : [txt('due '), time(f.deadline), txt(` (in ${days(left)})`)];
}

function line(f: Finding, now: Date): { heading: string; body: Rich } {
  const flags = [
    f.knownExploited ? 'known exploited' : '',
    f.exceptedUntil && f.exceptedUntil > now ? 'excepted' : '',
  ].filter(Boolean);
  return {
    heading: `${findingRef(f.id)} · ${SEVERITY_LABEL[f.severity]} · ${f.vulnId}${flags.length ? ` · ${flags.join(', ')}` : ''}`,
    body: [
      txt(`${f.serviceId}: ${versions(f)}`),
      br,
      ...due(f, now),
      txt(` · age ${days(now.getTime() - f.firstSeenAt.getTime())}`),
    ],
  };
}

export interface ListView {
  title: string;
  findings: Finding[];
  total: number;
  offset: number;
  now: Date;
  /** What the list holds, for the empty answer ("overdue findings"; default "open findings"). */
  what?: string;
  /** The list command at another offset (Next / Previous). */
  at: (offset: number) => Command;
  show: (id: number) => Command;
}

export function listCard(v: ListView): Card {
  if (v.total === 0) return { title: v.title, tone: 'good', body: [txt(`No ${v.what ?? 'open findings'}.`)] };
  const from = v.offset + 1;
  const to = v.offset + v.findings.length;
  const buttons: Button[] = [];
  if (v.offset > 0) buttons.push({ label: 'Previous', command: v.at(Math.max(0, v.offset - PAGE_SIZE)) });
  if (to < v.total) buttons.push({ label: 'Next', command: v.at(to), style: 'primary' });
  const overdue = v.findings.some(
    (f) => f.deadline && f.deadline < v.now && !(f.exceptedUntil && f.exceptedUntil > v.now),
  );
  return {
    title: v.title,
    tone: overdue ? 'danger' : 'warning',
    body: [
      txt(
        v.findings.length
          ? `Showing ${from}–${to} of ${v.total}, worst first.`
          : `Nothing at ${from}: there are ${v.total}.`,
      ),
    ],
    sections: v.findings.map((f) => line(f, v.now)),
    buttons,
    context: [txt('Details: '), code('/patch show F-n')],
  };
}

export interface ShowView {
  finding: Finding;
  serviceName: string;
  now: Date;
  events: FindingEvent[];
  imports: Map<number, ImportRecord>;
  firstImport?: ImportRecord;
  lastSeenAt: Date;
  audit: { at: Date; action: string; by: string }[];
  exception: Command;
}

export function showCard(v: ShowView): Card {
  const f = v.finding;
  const where = [
    f.location.image && `image ${f.location.image}`,
    f.location.target && `target ${f.location.target}`,
    f.location.file && `file ${f.location.file}${f.location.line ? `:${f.location.line}` : ''}`,
  ]
    .filter(Boolean)
    .join(' · ');
  const fields: Card['fields'] = [
    {
      label: 'Service',
      value: [txt(v.serviceName === f.serviceId ? f.serviceId : `${v.serviceName} (${f.serviceId})`)],
    },
    {
      label: 'State',
      value: [txt(f.state === 'suppressed' ? `suppressed${f.justification ? ` (${f.justification})` : ''}` : f.state)],
    },
    {
      label: 'Severity',
      value: [
        txt(
          `${SEVERITY_LABEL[f.severity]}${f.cvss !== null ? ` · CVSS ${f.cvss}` : ''}${f.epss !== null ? ` · EPSS ${(f.epss * 100).toFixed(1)}%` : ''}`,
        ),
      ],
    },
    { label: 'Package', value: [txt(`${versions(f)} (${f.ecosystem})`)] },
    { label: 'Deadline', value: f.state === 'fixed' ? [txt('fixed '), time(f.fixedAt ?? f.updatedAt)] : due(f, v.now) },
    {
      label: 'Known exploited',
      value: [
        txt(f.knownExploited ? `yes${f.kevDueDate ? ', in the KEV catalog, due ' : ''}` : 'no'),
        ...(f.kevDueDate ? [time(f.kevDueDate)] : []),
      ],
    },
    {
      label: 'First seen',
      value: [time(f.firstSeenAt), txt(` (age ${days(v.now.getTime() - f.firstSeenAt.getTime())})`)],
    },
    { label: 'Last seen', value: [time(v.lastSeenAt)] },
    {
      label: 'Scanners',
      value: [
        txt(
          Object.entries(f.scanners)
            .map(([s, w]) => (w === 'open' ? s : `${s} (suppressed)`))
            .join(', ') || 'none lists it now',
        ),
      ],
    },
  ];
  if (f.aliases.length) fields.push({ label: 'Also known as', value: [txt(f.aliases.join(', '))] });
  if (where) fields.push({ label: 'Where', value: [txt(where)] });
  if (f.exceptedUntil) fields.push({ label: 'Excepted until', value: [time(f.exceptedUntil)] });
  const history: Rich = [];
  const add = (at: Date, what: string) => history.push(...(history.length ? [br] : []), time(at), txt(` ${what}`));
  add(
    f.firstSeenAt,
    `first seen${v.firstImport ? ` (${v.firstImport.format} report, imported by ${v.firstImport.importedBy})` : ''}`,
  );
  for (const e of v.events) {
    const imp = e.importId !== null ? v.imports.get(e.importId) : undefined;
    add(
      e.at,
      `${e.kind}${e.detail ? `: ${e.detail}` : ''}${imp ? ` (${imp.format} report, imported by ${imp.importedBy})` : ''}`,
    );
  }
  for (const a of v.audit) add(a.at, `${a.action} by ${a.by}`);
  const body: Rich = [strong(f.title ?? f.vulnId)];
  if (f.url) body.push(br, link(f.url, f.url));
  if (f.remediation) body.push(br, txt(f.remediation));
  return {
    title: `${findingRef(f.id)} · ${f.vulnId} in ${f.packageName}`,
    tone: f.state !== 'open' ? 'neutral' : f.deadline && f.deadline < v.now ? 'danger' : 'warning',
    body,
    fields,
    sections: [{ heading: 'History', body: history }],
    buttons: f.state === 'open' ? [{ label: 'Request exception', command: v.exception }] : [],
  };
}
