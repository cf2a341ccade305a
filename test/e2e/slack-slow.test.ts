// Slack over HTTP when things are slow: a reply that misses Slack's 3 s acknowledgement window
// follows at the response_url, and shutdown finishes the requests it is serving.
import http from 'node:http';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { buildSlashCommand, signSlackRequest } from '../fakes/slack.js';
import { forEachDialect } from '../support/databases.js';
import { SERVICE_CATALOG as CATALOG, SIGNING_SECRET, startStewardSlack } from '../support/steward-slack.js';

await forEachDialect('Slack over HTTP: slow requests', ({ dialect, createDatabase }) => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const start = async () => {
    const s = await startStewardSlack({ database: await createDatabase() });
    cleanups.push(() => s.close());
    return s;
  };

  // PostgreSQL only: SQLite's driver waits for a lock on the event loop, so a database held by
  // another process holds every request (SQLite serves one Steward process; see README).
  if (dialect === 'postgresql') it('a reply not ready within the 2.5 s budget is acknowledged empty, then sent to the response_url', async () => {
    const s = await start();
    // Another session holds the audit log: recording a first-time user waits for it.
    const other = new pg.Client({ connectionString: s.db.url });
    await other.connect();
    cleanups.push(() => other.end());
    await other.query('BEGIN');
    await other.query('LOCK TABLE audit_entry IN EXCLUSIVE MODE');
    const acked = await s.sim.slashCommand({ command: '/service', text: 'list', user_id: 'U0LATE', user_name: 'late' });
    expect(acked.status).toBe(200);
    expect(acked.body).toBe('');
    expect(acked.ms).toBeGreaterThanOrEqual(2_400);
    expect(acked.ms).toBeLessThan(3_000); // inside Slack's window
    expect(s.fake.responses.filter((r) => acked.sent.response_url.endsWith(r.id))).toEqual([]);

    await other.query('ROLLBACK');
    const reply = await s.fake.waitForResponse((r) => acked.sent.response_url.endsWith(r.id));
    expect(reply.body).toEqual(CATALOG);
    expect((await other.query("select count(*)::int as n from seen_user where platform_user_id = 'U0LATE'")).rows).toEqual([{ n: 1 }]);
    expect(s.logs.records().find((r) => r.kind === 'command' && r.user === 'U0LATE')).toMatchObject({ label: 'service.list', outcome: 'ok' });
  }, 15_000);

  it('shutdown stops taking connections, answers the request in flight, then closes', async () => {
    const s = await start();
    const body = new URLSearchParams(buildSlashCommand({ command: '/service', text: 'list', user_id: 'U0ALICE' }, s.fake.payloadContext())).toString();
    const url = new URL(`${s.base}/slack/events`);
    // A request whose body is still arriving when shutdown begins.
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), ...signSlackRequest(SIGNING_SECRET, body) } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 40));
      cleanups.push(() => void req.destroy());
      setTimeout(() => req.end(body.slice(40)), 1_000);
    });
    await new Promise((r) => setTimeout(r, 200));
    let stopped = false;
    const stopping = s.running.shutdown('test').then(() => (stopped = true));

    await new Promise((r) => setTimeout(r, 200));
    await expect(fetch(`${s.base}/healthz`)).rejects.toThrow(); // no new connections
    expect(stopped).toBe(false); // still serving the request in flight

    const answered = await response;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.text)).toEqual(CATALOG);
    await stopping;
    expect(s.logs.records().map((r) => r.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
  }, 15_000);
});
