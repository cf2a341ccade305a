// Neutral cards for incidents: the war-room summary, the announcement, updates, lists, timeline.
import { type Card, type Rich, br, code, join, strong, time, txt } from '../card.js';
import type { Directory } from '../directory.js';
import { formatDuration } from '../shared/duration.js';
import { personSpan } from '../people/spans.js';
import { type Incident, type IncidentStatus, type TimelineEntry, durations, isOpen, ref } from './model.js';
import { call } from '../module.js';
import { IncidentOps } from './ops.js';

const STATUS_LABEL: Record<IncidentStatus, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  declined: 'Declined',
  cancelled: 'Cancelled',
};
export const statusLabel = (s: IncidentStatus) => STATUS_LABEL[s];

const tone = (i: Incident): Card['tone'] => (!isOpen(i.status) ? 'good' : i.severity === 'SEV1' ? 'danger' : 'warning');

function rolesRich(dir: Directory, i: Incident): Rich {
  const roles = dir.policy.incidents.roles;
  return join(
    roles.map((r) => [txt(`${r}: `), ...(i.roles[r] ? personSpan(dir, i.roles[r]) : [txt('unassigned')])]),
    br,
  );
}

function serviceRich(dir: Directory, i: Incident): Rich {
  if (!i.serviceId) return [txt('not specified')];
  const s = dir.service(i.serviceId);
  return s ? [txt(s.name), txt(' '), code(s.id)] : [code(i.serviceId)];
}

/** The card pinned in the war room (and shown in announcements): edited in place on every change. */
/** Changes on the incident's service that started in the 24 hours before it was declared, or since. */
export const RECENT_CHANGES_MS = 24 * 3_600_000;

export function summaryCard(
  dir: Directory,
  i: Incident,
  opts: {
    buttons: boolean;
    warRoomLink?: string | null;
    changes?: readonly { ref: string; title: string; startedAt: Date }[];
  },
): Card {
  const fields: Card['fields'] = [
    { label: 'Severity', value: [strong(i.severity)] },
    { label: 'Status', value: [txt(statusLabel(i.status))] },
    { label: 'Service', value: serviceRich(dir, i) },
    { label: 'Declared', value: [time(i.declaredAt, 'relative'), txt(' by '), ...personSpan(dir, i.declaredBy)] },
    { label: 'Roles', value: rolesRich(dir, i) },
  ];
  if (i.warRoom.channelId)
    fields.push({
      label: 'War room',
      value: [{ t: 'channel', name: i.warRoom.name ?? undefined, [i.warRoom.platform]: i.warRoom.channelId }],
    });
  else if (i.warRoom.state === 'failed')
    fields.push({ label: 'War room', value: [txt(`not created: ${i.warRoom.error ?? 'unknown error'}`)] });
  if (i.resolvedAt)
    fields.push({
      label: 'Resolved',
      value: [time(i.resolvedAt), txt(` after ${formatDuration(i.resolvedAt.getTime() - i.declaredAt.getTime())}`)],
    });
  if (opts.changes?.length)
    fields.push({
      label: 'What changed?',
      value: join(
        opts.changes.map((c) => [strong(c.ref), txt(` ${c.title} · started `), time(c.startedAt)]),
        br,
      ),
    });
  const open = isOpen(i.status);
  return {
    title: `${ref(i)} · ${i.title}`,
    tone: tone(i),
    body: i.summary ? [txt(i.summary)] : undefined,
    fields,
    buttons:
      opts.buttons && open
        ? [
            {
              label: 'Update status',
              command: call(IncidentOps.form, { incident: i.number, form: 'status' }),
              style: 'primary',
            },
            { label: 'Change severity', command: call(IncidentOps.form, { incident: i.number, form: 'severity' }) },
            { label: 'Assign role', command: call(IncidentOps.form, { incident: i.number, form: 'role' }) },
            {
              label: 'Resolve',
              command: call(IncidentOps.form, { incident: i.number, form: 'resolve' }),
              style: 'danger',
            },
          ]
        : undefined,
    context: [
      txt(`${ref(i)} · ${open ? 'open' : statusLabel(i.status).toLowerCase()} · updated `),
      time(i.updatedAt, 'relative'),
    ],
  };
}

export function announcementCard(dir: Directory, i: Incident): Card {
  return {
    ...summaryCard(dir, i, { buttons: false }),
    title: `${isOpen(i.status) ? '🚨' : '✅'} ${ref(i)} · ${i.title}`,
  };
}

export function updateCard(dir: Directory, i: Incident, e: TimelineEntry): Card {
  return {
    title: `${ref(i)} update`,
    tone: 'info',
    body: [txt(e.text)],
    context: [
      ...personSpan(dir, e.actorPerson, e.actorName ?? undefined),
      txt(' · '),
      time(e.at),
      txt(` · ${statusLabel(i.status)} · ${i.severity}`),
    ],
  };
}

export function timelineCard(dir: Directory, i: Incident, entries: TimelineEntry[]): Card {
  const lines = entries.map((e) => [
    time(e.at),
    txt(' · '),
    ...(e.actorPerson || e.actorName ? [...personSpan(dir, e.actorPerson, e.actorName ?? undefined), txt(': ')] : []),
    txt(e.kind === 'pinned' ? `📌 ${e.text}` : e.text),
  ]);
  return {
    title: `${ref(i)} timeline`,
    tone: 'info',
    body: lines.length ? join(lines, br) : [txt('Nothing recorded yet.')],
    context: [txt(`${entries.length} entries`)],
  };
}

export function roleDmCard(dir: Directory, i: Incident, role: string, guide: string, by: string | null): Card {
  return {
    title: `You are ${role} for ${ref(i)}`,
    tone: 'info',
    body: [strong(i.title), br, txt(guide)],
    fields: [
      { label: 'Severity', value: [txt(i.severity)] },
      { label: 'Assigned by', value: personSpan(dir, by) },
      ...(i.warRoom.channelId
        ? [
            {
              label: 'War room',
              value: [
                {
                  t: 'channel',
                  name: i.warRoom.name ?? undefined,
                  [i.warRoom.platform]: i.warRoom.channelId,
                } as Rich[number],
              ],
            },
          ]
        : []),
    ],
  };
}

export function durationText(ms: number | null): string {
  return ms === null ? 'not recorded' : formatDuration(ms);
}

/** The postmortem draft, in Markdown (stored with the incident and posted in the war room). */
export function postmortemMarkdown(dir: Directory, i: Incident, entries: TimelineEntry[], tz: string): string {
  const d = durations(i);
  const fmt = (at: Date) =>
    at.toLocaleString('en-GB', { timeZone: tz, dateStyle: 'medium', timeStyle: 'short' }) + ` (${tz})`;
  const name = (pid: string | null, fallback: string | null) =>
    pid ? (dir.person(pid)?.name ?? pid) : (fallback ?? 'Steward');
  const service = i.serviceId ? (dir.service(i.serviceId)?.name ?? i.serviceId) : 'not specified';
  const sevHistory = entries.filter((e) => e.kind === 'severity' || e.kind === 'declared');
  const md = (s: string) => s.replace(/([\\`*_[\]<>#|])/g, '\\$1').replace(/@(channel|here|everyone)/gi, '@\u200b$1');
  return [
    `# Postmortem: ${ref(i)} — ${md(i.title)}`,
    '',
    `*Draft written by Steward when the incident was resolved. Edit it, then review it with the team.*`,
    '',
    '## Summary',
    md(i.resolution ?? i.summary ?? '') || '_To be written._',
    '',
    '## Impact',
    `- Service: ${md(service)}`,
    `- Severity: ${i.severity}`,
    `- Declared: ${fmt(i.declaredAt)} by ${md(name(i.declaredBy, null))}`,
    `- Resolved: ${i.resolvedAt ? fmt(i.resolvedAt) : 'not resolved'}`,
    '- Customer impact: _to be written_',
    '',
    '## Response times',
    `| measure | duration |`,
    `|---|---|`,
    `| time to acknowledge | ${durationText(d.toAcknowledgeMs)} |`,
    `| time to mitigate (first "monitoring") | ${durationText(d.toMitigateMs)} |`,
    `| time to resolve | ${durationText(d.toResolveMs)} |`,
    '',
    '## Severity history',
    ...sevHistory.map((e) => `- ${fmt(e.at)}: ${md(e.text)}`),
    '',
    '## Roles',
    ...dir.policy.incidents.roles.map((r) => `- ${r}: ${i.roles[r] ? md(name(i.roles[r], null)) : 'unassigned'}`),
    '',
    '## Timeline',
    ...entries.map(
      (e) =>
        `- ${fmt(e.at)} — ${md(name(e.actorPerson, e.actorName))}: ${e.kind === 'pinned' ? '📌 ' : ''}${md(e.text)}`,
    ),
    '',
    '## What went well',
    '- ',
    '',
    '## What went wrong',
    '- ',
    '',
    '## Action items',
    '| action | owner | due | ticket |',
    '|---|---|---|---|',
    '|  |  |  |  |',
    '',
  ].join('\n');
}

/** Room for the draft in one message on every platform: sections of ≤1000 characters, five at most. */
export const POSTMORTEM_CHUNK = 1000;
export const POSTMORTEM_CHUNKS = 5;

export function postmortemCard(i: Incident): Card {
  const text = i.postmortem ?? '';
  const lines = text.split('\n');
  const chunks: string[] = [];
  let cur = '';
  for (const line of lines) {
    const piece = line.length > POSTMORTEM_CHUNK ? line.slice(0, POSTMORTEM_CHUNK - 1) + '…' : line;
    if (cur.length + piece.length + 1 > POSTMORTEM_CHUNK) {
      chunks.push(cur);
      cur = '';
    }
    cur += (cur ? '\n' : '') + piece;
  }
  if (cur) chunks.push(cur);
  const shown = chunks.slice(0, POSTMORTEM_CHUNKS);
  return {
    title: `Postmortem draft: ${ref(i)}`,
    tone: 'info',
    sections: shown.map((c) => ({ body: [txt(c)] })),
    context: [
      txt(`${ref(i)} · Markdown · ${text.length} characters`),
      ...(chunks.length > shown.length
        ? [txt(` · ${chunks.length - shown.length} more part(s) kept with the incident`)]
        : []),
    ],
  };
}
