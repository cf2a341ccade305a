// history.rss and history.atom: one entry per public update (so a feed reader hears of each), linked
// to the incident's or maintenance's page. Feed readers read titles and content as HTML: published
// text is escaped before the feed library wraps it.
import { Feed } from 'feed';
import { EVENT_STATUS_LABEL } from '../model.js';
import { eventUrl } from '../cards.js';
import type { PageSnapshot } from '../page.js';
import { esc, escLines, when } from './format.js';

/** Entries a feed carries (the newest). */
export const FEED_ENTRIES = 100;

export function feedOf(s: PageSnapshot): Feed {
  const url = s.page.url;
  const feed = new Feed({
    id: `${url}/`,
    title: `${s.page.title} history`,
    description: `Incidents and maintenance of ${s.page.title}`,
    link: `${url}/`,
    updated: s.lastModified ?? s.now,
    generator: false,
    language: 'en',
    feedLinks: { rss: `${url}/history.rss`, atom: `${url}/history.atom` },
  });
  const entries = [...s.incidents, ...s.maintenances]
    .flatMap((v) => v.updates.map((u) => ({ v, u })))
    .sort((a, b) => b.u.displayAt.getTime() - a.u.displayAt.getTime() || b.u.id - a.u.id)
    .slice(0, FEED_ENTRIES);
  for (const { v, u } of entries) {
    const link = `${eventUrl(url, v.e)}#u-${u.code}`;
    const affected = v.components.map((c) => c.name).join(', ');
    feed.addItem({
      title: esc(`${v.e.name}: ${EVENT_STATUS_LABEL[u.status]}`),
      id: link,
      link,
      date: u.displayAt,
      description: `<p>${escLines(u.body)}</p>`,
      content:
        `<p><strong>${esc(EVENT_STATUS_LABEL[u.status])}</strong> – ${escLines(u.body)}</p>` +
        `<p><small>${esc(when(u.displayAt, s.page.timezone))}${affected ? ` · ${esc(affected)}` : ''}</small></p>`,
    });
  }
  return feed;
}
