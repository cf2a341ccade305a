// The page is served from a cache keyed by the page's version in the database, on both databases:
// two Stewards (replicas) on one database and one clock. The replica that makes a public change
// serves it at once; the other serves its cached page until its next version check, CHECK_MS
// later, and never longer. The page is also redrawn when time moves it on (midnight in the page's
// time zone) with no change at all. ETags follow the content; conditional requests get 304.
import { afterEach, expect, it } from 'vitest';
import { loadPolicyFile } from '../../src/config/policy.js';
import { STATUS_SERVICE } from '../../src/core/status/links.js';
import { CHECK_MS, StatusSite } from '../../src/core/status/web/site.js';
import { Steward } from '../../src/core/steward.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { openStore } from '../../src/store/index.js';
import { ManualClock } from '../support/clock.js';
import { forEachDialect } from '../support/databases.js';
import { chatOf } from '../support/dispatch.js';
import { SLACK, STATUS_POLICY } from './support.js';

await forEachDialect('status page cache', ({ createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('a replica serves its cached page at most CHECK_MS after another replica’s change; the changing one at once', async () => {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const clock = new ManualClock('2025-03-03T09:00:00Z');
    const replica = async () => {
      const store = await openStore({ url: db.url, migrate: true });
      cleanup.push(() => store.close());
      const steward = new Steward({ store, clock, policy: loadPolicyFile(STATUS_POLICY), modules: STANDARD_MODULES });
      cleanup.push(() => steward.outbox.stop());
      const site = steward.site('status')!;
      const get = async (path: string, headers: Record<string, string> = {}) => {
        const a = await site.serve({ method: 'GET', path, base: '/status', header: (n) => headers[n.toLowerCase()] });
        return { ...a, text: Buffer.from(a.body).toString('utf8') };
      };
      const edge = async () =>
        JSON.parse((await get('/api/v2/components.json')).text).components.find((c: any) => c.id === 'edge')
          .status as string;
      return { steward, chat: chatOf(steward), get, edge };
    };
    const a = await replica();
    const b = await replica();
    await a.steward.part(STATUS_SERVICE).ensureComponents();
    // Both have drawn the page.
    expect(await a.edge()).toBe('operational');
    await clock.advance(CHECK_MS);
    expect(await b.edge()).toBe('operational');
    const before = await b.get('/');
    expect(before.status).toBe(200);
    expect((await b.get('/', { 'if-none-match': before.headers.etag! })).status).toBe(304);

    await a.chat.command('slack', SLACK.carol, 'status', 'set edge major_outage');
    // The replica that changed it serves the change at once.
    expect(await a.edge()).toBe('major_outage');
    // The other still serves its picture: it read the version less than CHECK_MS ago.
    expect(await b.edge()).toBe('operational');
    await clock.advance(CHECK_MS - 1);
    expect(await b.edge()).toBe('operational');
    expect((await b.get('/', { 'if-none-match': before.headers.etag! })).status).toBe(304);
    await clock.advance(1);
    expect(await b.edge()).toBe('major_outage');
    const after = await b.get('/', { 'if-none-match': before.headers.etag! });
    expect(after.status).toBe(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(after.text).toContain('Major System Outage');
    // The same picture: the same ETag; If-None-Match lists and weak tags are understood.
    expect((await b.get('/', { 'if-none-match': `"x", W/${after.headers.etag}` })).status).toBe(304);
  });

  it('the page is redrawn at midnight in its time zone with no change at all', async () => {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    // 23:59:30 in Berlin.
    const clock = new ManualClock('2025-03-03T22:59:30Z');
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    const steward = new Steward({ store, clock, policy: loadPolicyFile(STATUS_POLICY), modules: STANDARD_MODULES });
    cleanup.push(() => steward.outbox.stop());
    await steward.part(STATUS_SERVICE).ensureComponents();
    const site = steward.site('status')!;
    const page = async () =>
      Buffer.from((await site.serve({ method: 'GET', path: '/', base: '', header: () => undefined })).body).toString();
    const first = await page();
    expect(first).toContain('<h3><time datetime="2025-03-03T00:00:00.000+01:00">Mar 3, 2025</time></h3>');
    await clock.advance(29_000);
    expect(await page()).toBe(first);
    await clock.advance(1_000);
    const next = await page();
    expect(next).toContain('<h3><time datetime="2025-03-04T00:00:00.000+01:00">Mar 4, 2025</time></h3>');
  });
  it('paths that do not exist are answered 404 and not kept: the cache holds the site’s own pages, whatever is asked', async () => {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const clock = new ManualClock('2025-03-03T09:00:00Z');
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    const steward = new Steward({ store, clock, policy: loadPolicyFile(STATUS_POLICY), modules: STANDARD_MODULES });
    cleanup.push(() => steward.outbox.stop());
    const site = steward.site('status') as StatusSite;
    const get = (path: string) => site.serve({ method: 'GET', path, base: '/status', header: () => undefined });
    expect((await get('/')).status).toBe(200);
    expect((await get('/api/v2/summary.json')).status).toBe(200);
    const kept = site.cachedAnswers;
    expect(kept).toBe(2);
    for (let i = 0; i < 300; i++) {
      expect((await get(`/incidents/${String(i).padStart(12, '0')}`)).status).toBe(404);
      expect((await get(`/x${i}`)).status).toBe(404);
    }
    expect(site.cachedAnswers).toBe(kept);
  });
});
