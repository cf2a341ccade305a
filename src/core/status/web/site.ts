// The public status site: the page, each incident's page, the feeds, the Statuspage API and the
// assets, rendered from a cache. The cache holds one picture of the page (see page.ts) under the
// page's version from the database; every request within CHECK_MS of the last version check is
// answered from it without touching the database. A public change committed on this replica makes
// the next request check the version; one made on another replica is seen at the next check. So a
// replica serves a page at most CHECK_MS (plus one read) older than the database. The picture is also redrawn when time moves it
// on (a new day, a maintenance coming into view, uptime while something is down). Each
// representation is rendered once per picture, with a strong ETag; conditional requests get 304.
import { createHash } from 'node:crypto';
import type { Directory } from '../../directory.js';
import type { Clock, Store } from '../../ports.js';
import type { SiteAnswer, SiteRequest, SiteRuntime } from '../../site.js';
import { type PageSnapshot, readSnapshot } from '../page.js';
import { apiBody } from './api.js';
import { ASSETS } from './assets.js';
import { feedOf } from './feeds.js';
import { eventHtml, historyHtml, notFoundHtml, pageHtml } from './html.js';

/** How long the cached page is served before the database's version is read again. */
export const CHECK_MS = 1_000;

const CSP_PAGE =
  "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const CSP_DATA = "default-src 'none'; frame-ancestors 'none'";
const REVALIDATE = 'public, max-age=0, must-revalidate';
const COMMON = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

interface Rendered {
  status: number;
  body: Buffer;
  etag: string;
  lastModified?: Date;
  /** Every header of the answer (computed once: most requests get exactly this). */
  headers: Record<string, string>;
  /** The headers of a 304 answer to it. */
  notModified: Record<string, string>;
}

interface Entry {
  version: number;
  policy: string;
  snapshot: PageSnapshot;
  rendered: Map<string, Rendered>;
}

const etagOf = (body: Buffer) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;

/** A representation with its headers worked out once. */
function rendered(status: number, body: Buffer, headers: Record<string, string>, lastModified?: Date): Rendered {
  const etag = etagOf(body);
  const all: Record<string, string> = { ...COMMON, ...headers, etag };
  if (lastModified) all['last-modified'] = lastModified.toUTCString();
  const { 'content-type': _type, ...notModified } = all;
  return {
    status,
    body,
    etag,
    lastModified,
    headers: { ...all, 'content-length': String(body.length) },
    notModified,
  };
}

const ASSET_ANSWERS = new Map(
  ASSETS.map((a) => [
    `/assets/${a.name}`,
    rendered(200, Buffer.from(a.body), {
      'content-type': a.type,
      'cache-control': 'public, max-age=31536000, immutable',
    }),
  ]),
);

/** JSON with `<`, `>`, `&` and line separators escaped too (safe wherever it is pasted). */
const json = (v: unknown) =>
  JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export class StatusSite implements SiteRuntime {
  private cache: Entry | undefined;
  private checkedAt = -Infinity;
  private stale = false;
  private checking: Promise<number> | undefined;
  private building: Promise<Entry> | undefined;

  constructor(private readonly d: { store: Store; clock: Clock; dir: () => Directory; timezone: () => string }) {}

  /** A public change committed on this replica: the next request reads the version. */
  changed(): void {
    this.stale = true;
  }

  serve(req: SiteRequest): Promise<SiteAnswer> {
    const path = req.path === '' ? '/' : req.path;
    const asset = ASSET_ANSWERS.get(path);
    if (asset) return Promise.resolve(this.conditional(req, asset));
    if (!this.d.dir().policy.statusPage) return Promise.resolve(this.plain(404, 'There is no status page here.'));
    // Most requests: the cached picture holds, and the answer is ready without waiting on anything.
    const entry = this.fresh();
    if (entry) return Promise.resolve(this.answer(entry, req, path));
    return this.current().then((e) => this.answer(e, req, path));
  }

  private answer(entry: Entry, req: SiteRequest, path: string): SiteAnswer {
    const key = `${req.base} ${path}`;
    let r = entry.rendered.get(key);
    if (!r) {
      r = this.render(entry.snapshot, path, req.base);
      // Anyone may ask for any path: only what exists is kept (a miss is drawn again), so the cache
      // holds at most the site's own pages, whatever is asked.
      if (r.status === 200) entry.rendered.set(key, r);
    }
    return this.conditional(req, r);
  }

  /** How many answers the current picture holds (for tests and metrics). */
  get cachedAnswers(): number {
    return this.cache?.rendered.size ?? 0;
  }

  /** The cached picture when it may be served without reading the version, else undefined. */
  private fresh(): Entry | undefined {
    const entry = this.cache;
    if (!entry || this.stale) return undefined;
    const now = this.d.clock.now().getTime();
    if (now - this.checkedAt >= CHECK_MS || now >= entry.snapshot.validUntil.getTime()) return undefined;
    return entry.policy === this.d.dir().version ? entry : undefined;
  }

  /** The picture to answer from: the cached one while its version and time hold, else a new one. */
  private async current(): Promise<Entry> {
    const now = this.d.clock.now().getTime();
    let entry = this.cache;
    if (!entry || this.stale || now - this.checkedAt >= CHECK_MS) {
      this.stale = false;
      const version = await this.version();
      if (entry && version !== entry.version) entry = undefined;
    }
    if (entry && (now >= entry.snapshot.validUntil.getTime() || entry.policy !== this.d.dir().version))
      entry = undefined;
    return entry ?? this.build();
  }

  /** The database's version, read by one request at a time (the others wait for that read). */
  private version(): Promise<number> {
    this.checking ??= this.d.store
      .transaction((tx) => tx.status.version())
      .then((v) => {
        this.checkedAt = this.d.clock.now().getTime();
        return v.version;
      })
      .finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** A new picture, built by one request at a time. */
  private build(): Promise<Entry> {
    this.building ??= (async () => {
      const dir = this.d.dir();
      const sp = dir.policy.statusPage!;
      const snapshot = await readSnapshot(this.d.store, sp, this.d.timezone(), this.d.clock.now());
      const entry: Entry = { version: snapshot.version, policy: dir.version, snapshot, rendered: new Map() };
      this.cache = entry;
      this.checkedAt = snapshot.now.getTime();
      return entry;
    })().finally(() => (this.building = undefined));
    return this.building;
  }

  private render(s: PageSnapshot, path: string, base: string): Rendered {
    const page = (status: number, html: string) =>
      rendered(status, Buffer.from(html), {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': CSP_PAGE,
        'x-frame-options': 'DENY',
        'cache-control': REVALIDATE,
      });
    if (path === '/') return page(200, pageHtml(s, base));
    if (path === '/history') return page(200, historyHtml(s, base));
    const event = /^\/incidents\/([a-z0-9]{12})$/.exec(path);
    if (event) {
      const v = [...s.incidents, ...s.maintenances].find((x) => x.e.code === event[1]);
      return v ? page(200, eventHtml(s, v, base)) : page(404, notFoundHtml(s, base));
    }
    if (path === '/history.rss' || path === '/history.atom') {
      const feed = feedOf(s);
      const rss = path.endsWith('rss');
      return rendered(
        200,
        Buffer.from(rss ? feed.rss2() : feed.atom1()),
        {
          'content-type': rss ? 'application/rss+xml; charset=utf-8' : 'application/atom+xml; charset=utf-8',
          'content-security-policy': CSP_DATA,
          'cache-control': REVALIDATE,
        },
        s.lastModified ?? undefined,
      );
    }
    const api = path.startsWith('/api/v2/') ? apiBody(s, path.slice('/api/v2/'.length)) : undefined;
    if (api)
      return rendered(200, Buffer.from(json(api)), {
        'content-type': 'application/json; charset=utf-8',
        'content-security-policy': CSP_DATA,
        'access-control-allow-origin': '*',
        'cache-control': REVALIDATE,
      });
    return page(404, notFoundHtml(s, base));
  }

  /** 304 when the client holds this representation (If-None-Match, else If-Modified-Since). */
  private conditional(req: SiteRequest, r: Rendered): SiteAnswer {
    if (r.status === 200) {
      const inm = req.header('if-none-match');
      const ims = inm === undefined ? req.header('if-modified-since') : undefined;
      const fresh =
        inm !== undefined
          ? inm.split(',').some((t) => {
              const tag = t.trim().replace(/^W\//, '');
              return tag === r.etag || tag === '*';
            })
          : !!ims && !!r.lastModified && Math.floor(r.lastModified.getTime() / 1000) * 1000 <= Date.parse(ims);
      if (fresh) return { status: 304, headers: r.notModified, body: '' };
    }
    return { status: r.status, headers: r.headers, body: r.body };
  }

  private plain(status: number, text: string): SiteAnswer {
    return {
      status,
      headers: { ...COMMON, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
      body: text,
    };
  }
}
