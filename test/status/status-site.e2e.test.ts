// The status site on the wire: Steward started as `npm start` starts it (its HTTP server on PORT,
// and STATUS_PORT), the page and its assets, HEAD, the security and cache headers, ETag and
// Last-Modified with 304 answers, and the STATUS_PORT listener serving the status page and nothing
// else (no API, metrics, health or Slack endpoint there).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSteward, type RunningSteward } from '../../src/app.js';
import { loadSettings } from '../../src/config/env.js';
import { createSqliteDatabase, type TestDatabase } from '../support/databases.js';
import { chatOf } from '../support/dispatch.js';
import { LogCapture } from '../support/steward-slack.js';
import { SLACK, STATUS_POLICY } from './support.js';

describe('the status site over HTTP', () => {
  let running: RunningSteward;
  let db: TestDatabase;
  let main: string;
  let pub: string;
  const logs = new LogCapture();

  beforeAll(async () => {
    db = createSqliteDatabase();
    running = await startSteward(
      loadSettings({
        NODE_ENV: 'test',
        DATABASE_URL: db.url,
        PORT: '0',
        STATUS_PORT: '0',
        HOST: '127.0.0.1',
        STEWARD_CONSOLE: 'off',
        STEWARD_CONFIG: STATUS_POLICY,
        LOG_LEVEL: 'info',
      }),
      { logDestination: logs },
    );
    main = `http://127.0.0.1:${running.port}`;
    pub = `http://127.0.0.1:${running.statusPort}`;
  });
  afterAll(async () => {
    await running?.shutdown('test');
    await db?.drop();
  });

  const chat = () => chatOf(running.steward);

  it('serves the page at /status on PORT and at / on STATUS_PORT, with its own stylesheet and strict headers', async () => {
    for (const [url, base] of [
      [`${main}/status`, '/status'],
      [`${main}/status/`, '/status'],
      [`${pub}/`, ''],
    ] as const) {
      const res = await fetch(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toMatch(/script-src/);
      expect(res.headers.get('cache-control')).toBe('public, max-age=0, must-revalidate');
      expect(res.headers.get('etag')).toMatch(/^"[\w-]{22}"$/);
      const html = await res.text();
      expect(html).not.toMatch(/<script|style="|\son[a-z]+=/i);
      expect(html).not.toMatch(/https?:\/\/(?!status\.acme\.example)/);
      const css = /<link rel="stylesheet" href="([^"]+)">/.exec(html)![1]!;
      expect(css.startsWith(`${base}/assets/status-`)).toBe(true);
      const sheet = await fetch(new URL(css, url));
      expect(sheet.status).toBe(200);
      expect(sheet.headers.get('content-type')).toBe('text/css; charset=utf-8');
      expect(sheet.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await sheet.text()).toContain('prefers-color-scheme: dark');
    }
    const head = await fetch(`${pub}/api/v2/summary.json`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('access-control-allow-origin')).toBe('*');
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(100);
    expect(await head.text()).toBe('');
  });

  it('answers 304 to ETag and Last-Modified revalidation, and 200 once something changes', async () => {
    const page = await fetch(`${pub}/`);
    const etag = page.headers.get('etag')!;
    const unchanged = await fetch(`${pub}/`, { headers: { 'if-none-match': etag } });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');
    const rss = await fetch(`${pub}/history.rss`);
    expect(rss.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    const lastModified = rss.headers.get('last-modified')!;
    expect(new Date(lastModified).toUTCString()).toBe(lastModified);
    expect((await fetch(`${pub}/history.rss`, { headers: { 'if-modified-since': lastModified } })).status).toBe(304);
    expect((await fetch(`${pub}/history.atom`)).headers.get('content-type')).toBe(
      'application/atom+xml; charset=utf-8',
    );

    await chat().command('slack', SLACK.carol, 'status', 'set edge partial_outage');
    const changed = await fetch(`${pub}/`, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toContain('Partial System Outage');
    const summary = await (await fetch(`${main}/status/api/v2/summary.json`)).json();
    expect(summary.status).toEqual({ indicator: 'major', description: 'Partial System Outage' });
  });

  it('STATUS_PORT serves the status page and nothing else', async () => {
    for (const [method, path] of [
      ['GET', '/healthz'],
      ['GET', '/readyz'],
      ['GET', '/metrics'],
      ['POST', '/slack/events'],
      ['GET', '/slack/events'],
      ['GET', '/api/v1/changes/CHG-1'],
      ['POST', '/api/v1/changes'],
      ['POST', '/api/v1/policy/reload'],
      ['GET', '/status'],
      ['GET', '/api/v2/nothing.json'],
      ['GET', '/incidents/zzzzzzzzzzzz'],
      ['POST', '/'],
      ['DELETE', '/api/v2/summary.json'],
    ] as const) {
      const res = await fetch(`${pub}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get('x-content-type-options'), `${method} ${path}`).toBeOneOf(['nosniff', null]);
    }
    // The main port still has them.
    expect((await fetch(`${main}/healthz`)).status).toBe(200);
    expect((await fetch(`${main}/metrics`)).status).toBe(200);
    for (const path of [
      'summary.json',
      'status.json',
      'components.json',
      'incidents.json',
      'incidents/unresolved.json',
      'scheduled-maintenances.json',
      'scheduled-maintenances/upcoming.json',
      'scheduled-maintenances/active.json',
    ])
      expect((await fetch(`${pub}/api/v2/${path}`)).status, path).toBe(200);
    expect(logs.text).toContain('"msg":"status page listening"');
  });
});
