// Neutral cards for alerts: the alert card (edited in place as alerts join, resolve or are
// acknowledged), the list, the detail with labels, links and history, the storm notice and the
// heartbeats. Everything a sender wrote travels in text spans, which renderers escape.
import { type Button, type Card, type Rich, br, code, join, link, plain, strong, time, txt } from '../card.js';
import type { Directory } from '../directory.js';
import { call } from '../module.js';
import { personSpan } from '../people/spans.js';
import type { HeartbeatView } from './heartbeats.js';
import { type Alert, type AlertEvent, type AlertGroup, type Labels, alertRef, progress } from './model.js';
import { AlertOps } from './ops.js';
import { alertName, suppressionText } from './service.js';

/** Alerts listed on a card at most (the detail view lists more). */
const CARD_ALERTS = 5;
/** Longest group title in a card's title (chat headers are short: Slack's hold 150 characters). */
const TITLE_SHOWN = 80;
/** Longest alert line and label shown on a card. */
const LINE_SHOWN = 200;
const LABEL_SHOWN = 60;
/** Links longer than this are not shown (a card holds a few kB; a sender's URL may be 2 kB). */
const LINK_SHOWN = 300;
/** Characters one card section holds at most, with room for the renderers’ escaping (a Discord field: 1,024). */
const SECTION_BUDGET = 1_000;
const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** The length a line takes once rendered, roughly: its text and its links' addresses. */
const size = (r: Rich) =>
  r.reduce((n, x) => n + (x.t === 'link' ? x.url.length + x.label.length : plain([x]).length), 0);

/** As many lines as fit in one section, then "… and N more". */
function fit(lines: Rich[], more: (n: number) => string): Rich {
  const out: Rich[] = [];
  let used = 0;
  for (const l of lines) {
    if (used + size(l) + 1 > SECTION_BUDGET - 60) break;
    out.push(l);
    used += size(l) + 1;
  }
  const rest = lines.length - out.length;
  return rest > 0 ? [...join(out, br), ...(out.length ? [br] : []), txt(more(rest))] : join(out, br);
}
const SHOW_ALERTS = 20;
const LABELS_SHOWN = 8;

const ICON: Record<AlertGroup['state'], string> = {
  firing: '🔥',
  acknowledged: '✅',
  resolved: '☑️',
  silenced: '🔕',
};

function serviceName(dir: Directory, id: string) {
  return dir.service(id)?.name ?? id;
}

export function groupTitle(dir: Directory, g: AlertGroup): string {
  const subject = `${alertRef(g)} · ${cut(serviceName(dir, g.serviceId), 40)} · ${cut(g.title, TITLE_SHOWN)}`;
  switch (g.state) {
    case 'acknowledged':
      return `${ICON.acknowledged} ${subject} · acknowledged`;
    case 'resolved':
      return `${ICON.resolved} ${subject} · resolved`;
    case 'silenced':
      return `${ICON.silenced} ${subject} · silenced`;
    default:
      return `${ICON.firing} ${subject}`;
  }
}

const labelSpans = (labels: Labels): Rich =>
  join(
    Object.entries(labels)
      .slice(0, LABELS_SHOWN)
      .map(([k, v]) => [code(cut(`${k}=${v}`, LABEL_SHOWN))]),
    txt(' '),
  );

function alertLine(a: Alert): Rich {
  const line: Rich = [txt(`${a.status === 'firing' ? '🔥' : '☑️'} ${cut(alertName(a), LINE_SHOWN)}`)];
  if (a.url && a.url.length <= LINK_SHOWN) line.push(txt(' · '), link(a.url, 'source'));
  return line;
}

export function alertButtons(g: AlertGroup): Button[] {
  if (g.state === 'resolved') return [];
  const buttons: Button[] = [];
  if (g.state !== 'acknowledged')
    buttons.push({ label: 'Acknowledge', style: 'primary', command: call(AlertOps.ack, { alert: g.number }) });
  buttons.push({ label: 'Resolve', command: call(AlertOps.resolve, { alert: g.number }) });
  if (g.state !== 'silenced')
    buttons.push({ label: 'Silence 1h', command: call(AlertOps.silenceGroup, { alert: g.number }) });
  buttons.push({ label: 'Declare incident', style: 'danger', command: call(AlertOps.declare, { alert: g.number }) });
  return buttons;
}

function groupFields(dir: Directory, g: AlertGroup): Card['fields'] {
  const fields: NonNullable<Card['fields']> = [
    { label: 'Service', value: [txt(serviceName(dir, g.serviceId)), txt(' '), code(g.serviceId)] },
    { label: 'Alerts', value: [txt(`${progress(g)} (${g.firing} firing)`)] },
  ];
  if (g.pageNumber !== null) fields.push({ label: 'Page', value: [code(`PAGE-${g.pageNumber}`)] });
  else if (g.pageError) fields.push({ label: 'Not paged', value: [txt(g.pageError)] });
  if (g.suppressed) fields.push({ label: 'Pages nobody', value: [txt(suppressionText(g.suppressed))] });
  if (g.ackAt)
    fields.push({
      label: 'Acknowledged',
      value: [...(g.ackBy ? personSpan(dir, g.ackBy) : [txt(g.integration)]), txt(' at '), time(g.ackAt)],
    });
  if (g.resolvedAt)
    fields.push({
      label: 'Resolved',
      value: [
        ...(g.resolvedBy ? personSpan(dir, g.resolvedBy) : [txt('at the source')]),
        txt(' at '),
        time(g.resolvedAt),
      ],
    });
  fields.push({ label: 'Source', value: [code(g.integration), txt(` · ${g.source} · since `), time(g.createdAt)] });
  return fields;
}

/** The card in the team channel; every copy is edited to match the group. */
export function alertCard(dir: Directory, g: AlertGroup, alerts: readonly Alert[]): Card {
  const firing = alerts.filter((a) => a.status === 'firing');
  const shown = [...firing, ...alerts.filter((a) => a.status !== 'firing')].slice(0, CARD_ALERTS);
  const body = fit(shown.map(alertLine), () => '');
  const more = alerts.length - shown.length;
  if (more > 0) body.push(br, txt(`… and ${more} more (/alert show ${alertRef(g)})`));
  const links = g.links
    .filter((l) => l.href.length <= LINK_SHOWN)
    .slice(0, 3)
    .map((l) => link(l.href, cut(l.text, 60)));
  return {
    title: groupTitle(dir, g),
    tone:
      g.state === 'firing'
        ? 'danger'
        : g.state === 'resolved'
          ? 'good'
          : g.state === 'silenced'
            ? 'neutral'
            : 'warning',
    body,
    fields: groupFields(dir, g),
    buttons: alertButtons(g),
    context: [
      ...labelSpans(g.labels),
      ...(links.length
        ? [
            txt(' · '),
            ...join(
              links.map((l) => [l]),
              txt(' · '),
            ),
          ]
        : []),
    ],
  };
}

/** `/alert show ALR-n`: alerts with labels and links, and the history. */
export function alertDetail(
  dir: Directory,
  g: AlertGroup,
  alerts: readonly Alert[],
  events: readonly AlertEvent[],
): Card {
  const shown = alerts.slice(0, SHOW_ALERTS);
  return {
    ...alertCard(dir, g, alerts),
    body: undefined,
    sections: [
      {
        heading: `Alerts (${alerts.length})`,
        body: fit(
          shown.map((a) => [
            ...alertLine(a),
            txt(' '),
            ...labelSpans(Object.fromEntries(Object.entries(a.labels).slice(0, 4))),
            ...(a.startsAt ? [txt(' · since '), time(a.startsAt)] : []),
          ]),
          (n) => `… and ${n + alerts.length - shown.length} more`,
        ),
      },
      {
        heading: 'History',
        body: fit(
          events.map((e) => [time(e.at), txt(` ${cut(e.text, LINE_SHOWN)}`)]),
          (n) => `… ${n} more`,
        ),
      },
    ],
  };
}

export function listCard(dir: Directory, title: string, groups: readonly AlertGroup[]): Card {
  if (!groups.length) return { title, tone: 'good', body: [txt('None.')] };
  return {
    title: `${title} (${groups.length})`,
    tone: 'info',
    body: join(
      groups.map((g) => [
        txt(`${ICON[g.state]} `),
        strong(alertRef(g)),
        txt(` ${serviceName(dir, g.serviceId)} · ${cut(g.title, TITLE_SHOWN)} · ${progress(g)}`),
        ...(g.suppressed ? [txt(` · ${suppressionText(g.suppressed)}`)] : []),
        txt(' · '),
        time(g.createdAt, 'relative'),
      ]),
      br,
    ),
  };
}

/** The storm notice: alerts are stored, not paged, until the window ends. */
export function stormCard(dir: Directory, integration: string, until: Date, groups: readonly AlertGroup[]): Card {
  return {
    ...listCard(dir, `⛈️ Alert storm on ${integration}: new groups page nobody until the window ends`, groups),
    tone: 'warning',
    context: [txt('Every alert is stored and listed (/alert list). Paging resumes at '), time(until), txt('.')],
  };
}

export function heartbeatsCard(dir: Directory, hs: readonly HeartbeatView[]): Card {
  if (!hs.length) return { title: 'Heartbeats', tone: 'info', body: [txt('None are declared (alerts.heartbeats).')] };
  const icon = { new: '⚪', up: '🟢', late: '🟡', down: '🔴', paused: '⏸️' } as const;
  return {
    title: `Heartbeats (${hs.length})`,
    tone: hs.some((h) => h.state === 'down') ? 'danger' : 'info',
    body: join(
      hs.map((h) => [
        txt(`${icon[h.state]} `),
        strong(h.id),
        txt(` ${h.state} · ${serviceName(dir, h.service)} · ${h.schedule} · last ping `),
        ...(h.lastPingAt ? [time(h.lastPingAt)] : [txt('never')]),
        ...(h.next && h.state !== 'paused' ? [txt(' · next by '), time(h.next)] : []),
      ]),
      br,
    ),
    buttons: hs
      .slice(0, 5)
      .map((h) =>
        h.state === 'paused'
          ? { label: `Resume ${h.id}`, command: call(AlertOps.resume, { heartbeat: h.id }) }
          : { label: `Pause ${h.id}`, command: call(AlertOps.pause, { heartbeat: h.id }) },
      ),
  };
}
