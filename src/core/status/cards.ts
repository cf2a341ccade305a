// Neutral cards of the status page in chat: `/status` (the page's state now) and the message each
// public incident or maintenance gets in the public announce channels, edited in place with every
// update. They carry only public text: what was published, the components and their statuses.
import { type Card, type Field, type Rich, type Tone, br, link, strong, time, txt } from '../card.js';
import {
  type ComponentStatus,
  EVENT_STATUS_LABEL,
  type Indicator,
  STATUS_LABEL,
  type StatusEvent,
  type StatusUpdate,
} from './model.js';
import type { EventView, PageSnapshot } from './page.js';

/** Earlier updates an announcement shows under the latest (the page has them all). */
const EARLIER_SHOWN = 3;
/** How much of each earlier update an announcement shows (platform size limits). */
const EARLIER_CHARS = 280;

const INDICATOR_TONE: Record<Indicator, Tone> = {
  none: 'good',
  minor: 'warning',
  major: 'warning',
  critical: 'danger',
};
const STATUS_ICON: Record<ComponentStatus, string> = {
  operational: '🟢',
  degraded_performance: '🟡',
  partial_outage: '🟠',
  major_outage: '🔴',
  under_maintenance: '🔵',
};

export const eventUrl = (pageUrl: string, e: Pick<StatusEvent, 'code'>) => `${pageUrl}/incidents/${e.code}`;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function tone(e: StatusEvent): Tone {
  if (e.withdrawnAt) return 'neutral';
  if (e.kind === 'maintenance') return e.status === 'completed' ? 'good' : 'info';
  if (e.status === 'resolved' || e.status === 'postmortem') return 'good';
  return e.impact === 'critical' ? 'danger' : 'warning';
}

const componentLine = (c: { name: string; status: ComponentStatus }): Rich => [
  txt(`${STATUS_ICON[c.status]} ${c.name}: ${STATUS_LABEL[c.status]}`),
];

const updateLine = (u: StatusUpdate, max?: number): Rich => [
  strong(EVENT_STATUS_LABEL[u.status]),
  txt(' · '),
  time(u.displayAt),
  br,
  txt(max ? clip(u.body, max) : u.body),
];

/** The message of a public incident or maintenance in an announce channel. */
export function announceCard(pageUrl: string, v: EventView): Card {
  const e = v.e;
  const [latest, ...earlier] = v.updates;
  const maintenance = e.kind === 'maintenance';
  const fields: Field[] = [
    { label: 'Status', value: [txt(e.withdrawnAt ? 'Cancelled' : EVENT_STATUS_LABEL[e.status])] },
  ];
  if (maintenance && e.scheduledFor && e.scheduledUntil)
    fields.push({ label: 'Window', value: [time(e.scheduledFor), txt(' → '), time(e.scheduledUntil)] });
  if (v.components.length)
    fields.push({
      label: maintenance ? 'Components' : 'Affected',
      value: v.components.flatMap((c, i) => [...(i ? [br] : []), ...componentLine(c)]),
    });
  const shown = earlier.slice(0, EARLIER_SHOWN);
  return {
    title: e.withdrawnAt ? `Cancelled: ${e.name}` : e.name,
    tone: tone(e),
    body: e.withdrawnAt
      ? [txt('This maintenance has been cancelled and will not take place.')]
      : latest
        ? updateLine(latest)
        : [],
    fields,
    sections: shown.length
      ? [
          {
            heading: 'Earlier updates',
            body: shown.flatMap((u, i) => [...(i ? [br, br] : []), ...updateLine(u, EARLIER_CHARS)]),
          },
        ]
      : undefined,
    context: [
      link(eventUrl(pageUrl, e), maintenance ? 'Maintenance on the status page' : 'Incident on the status page'),
      ...(earlier.length > shown.length ? [txt(` · ${earlier.length - shown.length} earlier updates there`)] : []),
    ],
  };
}

/** `/status`: the page's state now, as the public sees it. */
export function statusCard(s: PageSnapshot): Card {
  const fields: Field[] = s.layout.map((item) =>
    'group' in item
      ? {
          label: `${STATUS_ICON[item.group.status]} ${item.group.name}`,
          value: item.group.components.flatMap((c, i) => [...(i ? [br] : []), ...componentLine(c)]),
        }
      : { label: item.component.name, value: componentLine(item.component) },
  );
  const sections: Card['sections'] = [];
  const events = (title: string, list: EventView[], when: (v: EventView) => Rich) => {
    if (!list.length) return;
    sections.push({
      heading: title,
      body: list
        .slice(0, 5)
        .flatMap((v, i) => [...(i ? [br] : []), link(eventUrl(s.page.url, v.e), v.e.name), txt(' · '), ...when(v)]),
    });
  };
  events('Active incidents', s.unresolved, (v) => [
    txt(EVENT_STATUS_LABEL[v.e.status]),
    ...(v.updates[0] ? [txt(`: ${clip(v.updates[0].body, EARLIER_CHARS)}`)] : []),
  ]);
  events('Maintenance in progress', s.inProgress, (v) => [txt('until '), time(v.e.scheduledUntil ?? v.e.updatedAt)]);
  events('Upcoming maintenance', s.upcoming, (v) => [
    time(v.e.scheduledFor ?? v.e.createdAt),
    txt(' → '),
    time(v.e.scheduledUntil ?? v.e.createdAt),
  ]);
  return {
    title: `${s.page.title}: ${s.status.description}`,
    tone: INDICATOR_TONE[s.status.indicator],
    fields,
    sections: sections.length ? sections : undefined,
    context: [link(s.page.url, s.page.url), txt(' · /status set <component> <status>')],
  };
}
