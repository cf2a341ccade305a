// The public page as server-rendered HTML: it works without JavaScript (there is none), ships its
// own stylesheet, adapts to phones and dark mode, and is accessible (landmarks, headings, a text
// alternative to every uptime bar). Every piece of published text goes through esc().
import { EVENT_STATUS_LABEL, STATUS_LABEL, type ComponentStatus } from '../model.js';
import type { ComponentView, DayView, EventView, PageSnapshot } from '../page.js';
import { FAVICON, STYLES } from './assets.js';
import { day, esc, escLines, percent, span, timeEl, when, zoned } from './format.js';

const pill = (s: ComponentStatus) => `<span class="pill st-${s}">${esc(STATUS_LABEL[s])}</span>`;

function layout(s: PageSnapshot, base: string, title: string, main: string): string {
  const zone = s.page.timezone;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${esc(title)}</title>
<link rel="stylesheet" href="${base}/assets/${STYLES.name}">
<link rel="icon" href="${base}/assets/${FAVICON.name}" type="image/svg+xml">
<link rel="alternate" type="application/rss+xml" title="${esc(s.page.title)} history (RSS)" href="${base}/history.rss">
<link rel="alternate" type="application/atom+xml" title="${esc(s.page.title)} history (Atom)" href="${base}/history.atom">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><div class="wrap">
<h1><a href="${base}/">${esc(s.page.title)}</a></h1>
<nav class="feeds" aria-label="Subscribe"><a href="${base}/history.rss">RSS feed</a><a href="${base}/history.atom">Atom feed</a></nav>
</div></header>
<main id="main" class="wrap">
${main}
</main>
<footer class="wrap">
<p>Times are shown in ${esc(zone)}. Page updated ${timeEl(s.changedAt ?? s.now, zone)}.</p>
<p><a href="${base}/api/v2/summary.json">Status API</a> · <a href="${base}/history.rss">RSS</a> · <a href="${base}/history.atom">Atom</a></p>
</footer>
</body>
</html>
`;
}

function banner(s: PageSnapshot): string {
  const cls = s.status.description === 'Service Under Maintenance' ? 'maintenance' : s.status.indicator;
  return `<section class="banner ind-${cls}" aria-labelledby="overall">
<h2 id="overall">${esc(s.status.description)}</h2>
${s.unresolved.length ? `<p>${s.unresolved.length} active incident${s.unresolved.length > 1 ? 's' : ''}</p>` : ''}
</section>`;
}

const affected = (v: EventView) =>
  v.components.length
    ? `<p class="meta">${v.e.kind === 'maintenance' ? 'Components' : 'Affected'}: ${v.components
        .map((c) => `${esc(c.name)}${v.e.kind === 'incident' ? ` (${esc(STATUS_LABEL[c.status].toLowerCase())})` : ''}`)
        .join(', ')}</p>`
    : '';

function updatesList(v: EventView, zone: string): string {
  return `<ol class="updates" reversed>${v.updates
    .map(
      (u) =>
        `<li id="u-${esc(u.code)}"><p><strong>${esc(EVENT_STATUS_LABEL[u.status])}</strong> – ${escLines(u.body)}</p><p class="meta">${timeEl(u.displayAt, zone)}</p></li>`,
    )
    .join('')}</ol>`;
}

const windowText = (v: EventView, zone: string) =>
  v.e.scheduledFor && v.e.scheduledUntil
    ? `<p class="meta">Scheduled for ${timeEl(v.e.scheduledFor, zone)} until ${timeEl(v.e.scheduledUntil, zone)}</p>`
    : '';

/** One incident or maintenance: name (linked to its own page), what it affects, its updates. */
function eventBlock(v: EventView, s: PageSnapshot, base: string, level: 3 | 4, full = true): string {
  const zone = s.page.timezone;
  const e = v.e;
  const over = e.status === 'resolved' || e.status === 'postmortem' || e.status === 'completed';
  const cls = e.kind === 'maintenance' ? `maintenance${over ? ' done' : ''}` : over ? 'done' : `impact-${e.impact}`;
  return `<article class="event ${cls}" aria-labelledby="e-${esc(e.code)}-${level}">
<h${level} id="e-${esc(e.code)}-${level}"><a href="${base}/incidents/${esc(e.code)}">${esc(e.name)}</a></h${level}>
${affected(v)}${e.kind === 'maintenance' ? windowText(v, zone) : ''}
${full ? updatesList(v, zone) : v.updates[0] ? `<p class="meta">${esc(EVENT_STATUS_LABEL[e.status])} · ${timeEl(v.updates[0].displayAt, zone)}</p>` : ''}
</article>`;
}

function dayTitle(d: DayView, name: string): string {
  if (d.status === 'nodata') return `${d.date}: no data for ${name}`;
  const parts = (Object.entries(d.seconds) as [ComponentStatus, number][])
    .sort((a, b) => b[1] - a[1])
    .map(([st, sec]) => `${STATUS_LABEL[st].toLowerCase()} ${span(sec)}`);
  return `${d.date}: ${parts.length ? parts.join(', ') : 'no outage'}`;
}

function componentBlock(c: ComponentView, zone: string, level: 3 | 4): string {
  const bad = c.days.filter((d) => d.status !== 'operational' && d.status !== 'nodata');
  const uptime = c.uptime === null ? 'no data yet' : `${percent(c.uptime)} uptime`;
  const summary = `${c.name}: ${uptime} over the past 90 days, ${bad.length ? `${bad.length} day${bad.length > 1 ? 's' : ''} with outages or maintenance` : 'no outages'}`;
  const bars = c.days
    .map((d) => `<span class="bar st-${d.status}" title="${esc(dayTitle(d, c.name))}"></span>`)
    .join('');
  const list = bad.length
    ? `<details><summary>Days with outages or maintenance (${bad.length})</summary><ul>${bad
        .slice()
        .reverse()
        .map(
          (d) =>
            `<li>${timeEl(d.start, zone, day(d.start, zone))}: ${esc(dayTitle(d, c.name).slice(d.date.length + 2))}</li>`,
        )
        .join('')}</ul></details>`
    : '';
  return `<div class="component" id="c-${esc(c.id)}">
<div class="component-head"><h${level}>${esc(c.name)}</h${level}>${pill(c.status)}</div>
${c.description ? `<p class="muted">${esc(c.description)}</p>` : ''}
<div class="bars" role="img" aria-label="${esc(summary)}">${bars}</div>
<div class="bars-foot" aria-hidden="true"><span class="ago-90">90 days ago</span><span class="ago-30">30 days ago</span><span>${esc(uptime)}</span><span>Today</span></div>
${list}
</div>`;
}

function componentsSection(s: PageSnapshot): string {
  const zone = s.page.timezone;
  const items = s.layout
    .map((item) =>
      'group' in item
        ? `<section class="group" aria-labelledby="${esc(item.group.id)}"><h3 id="${esc(item.group.id)}"><span>${esc(item.group.name)}</span>${pill(item.group.status)}</h3>
${item.group.components.map((c) => componentBlock(c, zone, 4)).join('\n')}</section>`
        : componentBlock(item.component, zone, 3),
    )
    .join('\n');
  return `<section aria-labelledby="components-h">
<h2 id="components-h">Components</h2>
<p class="muted">Uptime over the past 90 days: each bar is one day, coloured by its worst status. A major outage counts fully against uptime, a partial outage 30 %.</p>
<ul class="legend" aria-label="Colours of the bars">${LEGEND.map(([st, label]) => `<li><span class="swatch st-${st}" aria-hidden="true"></span>${esc(label)}</li>`).join('')}</ul>
<div class="components">
${items}
</div>
</section>`;
}

function historySection(s: PageSnapshot, base: string): string {
  const zone = s.page.timezone;
  const days = s.history
    .map(
      (d) => `<h3>${timeEl(d.start, zone, day(d.start, zone))}</h3>
${d.events.length ? d.events.map((v) => eventBlock(v, s, base, 4, false)).join('\n') : '<p class="none">No incidents reported.</p>'}`,
    )
    .join('\n');
  return `<section class="history" aria-labelledby="history-h">
<h2 id="history-h">Past incidents</h2>
${days}
<p class="more"><a href="${base}/history">Incident history</a></p>
</section>`;
}

const LEGEND: [string, string][] = [
  ['operational', 'Operational'],
  ['degraded_performance', 'Degraded performance'],
  ['partial_outage', 'Partial outage'],
  ['major_outage', 'Major outage'],
  ['under_maintenance', 'Maintenance'],
  ['nodata', 'No data'],
];

/** The page: overall state, active incidents, maintenance, components with uptime, history. */
export function pageHtml(s: PageSnapshot, base: string): string {
  const section = (id: string, title: string, list: EventView[]) =>
    list.length
      ? `<section aria-labelledby="${id}">
<h2 id="${id}">${esc(title)}</h2>
${list.map((v) => eventBlock(v, s, base, 3)).join('\n')}
</section>`
      : '';
  const main = [
    banner(s),
    section('active-h', 'Active incidents', s.unresolved),
    section('maintenance-h', 'Maintenance in progress', s.inProgress),
    section('upcoming-h', 'Upcoming maintenance', s.upcoming),
    componentsSection(s),
    historySection(s, base),
  ]
    .filter(Boolean)
    .join('\n');
  return layout(s, base, s.page.title, main);
}

/** One incident or maintenance with every update (its shortlink). */
export function eventHtml(s: PageSnapshot, v: EventView, base: string): string {
  const zone = s.page.timezone;
  const e = v.e;
  const kind = e.kind === 'maintenance' ? 'Maintenance' : 'Incident';
  const main = `<p><a href="${base}/">← ${esc(s.page.title)}</a></p>
<article class="event ${e.kind === 'maintenance' ? 'maintenance' : `impact-${e.impact}`}" aria-labelledby="event-h">
<h2 id="event-h">${esc(e.name)}</h2>
<p class="meta">${kind} · ${esc(EVENT_STATUS_LABEL[e.status])} · started ${timeEl(e.kind === 'maintenance' ? (e.scheduledFor ?? e.createdAt) : e.createdAt, zone)}${e.resolvedAt ? ` · ${e.kind === 'maintenance' ? 'completed' : 'resolved'} ${timeEl(e.resolvedAt, zone)}` : ''}</p>
${affected(v)}${e.kind === 'maintenance' ? windowText(v, zone) : ''}
${updatesList(v, zone)}
</article>`;
  return layout(s, base, `${e.name} · ${s.page.title}`, main);
}

/** Every incident and maintenance the page keeps (the latest 50 of each), by month. */
export function historyHtml(s: PageSnapshot, base: string): string {
  const zone = s.page.timezone;
  const past = [...s.incidents, ...s.maintenances.filter((v) => v.e.status !== 'scheduled')].sort(
    (a, b) => b.e.createdAt.getTime() - a.e.createdAt.getTime(),
  );
  const months = new Map<string, EventView[]>();
  for (const v of past) {
    const m = zoned(v.e.kind === 'maintenance' ? (v.e.scheduledFor ?? v.e.createdAt) : v.e.createdAt, zone)
      .setLocale('en-US')
      .toFormat('LLLL yyyy');
    months.set(m, [...(months.get(m) ?? []), v]);
  }
  const body = months.size
    ? [...months]
        .map(([m, list]) => `<h3>${esc(m)}</h3>\n${list.map((v) => eventBlock(v, s, base, 4, false)).join('\n')}`)
        .join('\n')
    : '<p class="none">No incidents reported.</p>';
  return layout(
    s,
    base,
    `Incident history · ${s.page.title}`,
    `<p><a href="${base}/">← ${esc(s.page.title)}</a></p>
<section class="history" aria-labelledby="history-h">
<h2 id="history-h">Incident history</h2>
${body}
</section>`,
  );
}

export function notFoundHtml(s: PageSnapshot, base: string): string {
  return layout(
    s,
    base,
    `Not found · ${s.page.title}`,
    `<h2>Not found</h2><p>There is no such page here. <a href="${base}/">Back to ${esc(s.page.title)}</a>, updated ${esc(when(s.now, s.page.timezone))}.</p>`,
  );
}
