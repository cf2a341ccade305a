// Slack over HTTP when things are slow: a reply that misses Slack's 3 s acknowledgement window
// follows at the response_url, and shutdown finishes the requests it is serving.
import http from 'node:http';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { SLACK_GENERAL_CHANNEL, buildSlashCommand, signSlackRequest } from '../fakes/slack.js';
import { forEachDialect } from '../support/databases.js';
import {
  SERVICE_CATALOG as CATALOG,
  SIGNING_SECRET,
  field,
  startStewardSlack,
  textOf,
  until,
} from '../support/steward-slack.js';

const ALICE = 'U0ALICE';

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

  /** Another session locks the audit log: anything that records a change waits until release(). */
  const holdAuditLog = async (url: string) => {
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    cleanups.push(() => other.end());
    await other.query('BEGIN');
    await other.query('LOCK TABLE audit_entry IN EXCLUSIVE MODE');
    return { release: () => other.query('ROLLBACK'), query: (sql: string) => other.query(sql) };
  };
  /** Acknowledged empty after the 2.5 s budget, inside Slack's 3 s window. */
  const expectLateAck = (res: { status: number; body: string; ms: number }) => {
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    expect(res.ms).toBeGreaterThanOrEqual(2_400);
    expect(res.ms).toBeLessThan(3_000);
  };

  // PostgreSQL only: SQLite's driver waits for a lock on the event loop, so a database held by
  // another process holds every request (SQLite serves one Steward process; see README).
  if (dialect === 'postgresql')
    it('a reply not ready within the 2.5 s budget is acknowledged empty, then sent to the response_url', async () => {
      const s = await start();
      // Recording a first-time user waits for the audit log.
      const other = await holdAuditLog(s.db.url);
      const acked = await s.sim.slashCommand({
        command: '/service',
        text: 'list',
        user_id: 'U0LATE',
        user_name: 'late',
      });
      expectLateAck(acked);
      expect(s.fake.responses.filter((r) => acked.sent.response_url!.endsWith(r.id))).toEqual([]);

      await other.release();
      const reply = await s.fake.waitForResponse((r) => acked.sent.response_url!.endsWith(r.id));
      expect(reply.body).toEqual(CATALOG);
      expect(
        (await other.query("select count(*)::int as n from seen_user where platform_user_id = 'U0LATE'")).rows,
      ).toEqual([{ n: 1 }]);
      expect(s.logs.records().find((r) => r.kind === 'command' && r.user === 'U0LATE')).toMatchObject({
        label: 'service.list',
        outcome: 'ok',
      });
    }, 15_000);

  if (dialect === 'postgresql')
    it('a modal submission not done within the budget closes the modal in time; its outcome follows as an ephemeral message', async () => {
      const s = await start();
      await s.sim.slashCommand({
        command: '/incident',
        text: 'declare Database down',
        user_id: ALICE,
        channel_id: SLACK_GENERAL_CHANNEL,
      });
      const viewId = await until('the declare modal', () => s.fake.callsOf('views.open').at(-1)?.response.view.id);
      // Declaring writes the audit log, which waits.
      const other = await holdAuditLog(s.db.url);
      const mark = s.fake.mark;
      const submitted = await s.sim.viewSubmission({
        view_id: viewId,
        user: ALICE,
        values: {
          title: field.text('Database down'),
          severity: field.select('SEV2'),
          service: field.select('payments-api'),
          summary: field.text(null),
          page: field.unchecked(),
        },
      });
      expectLateAck(submitted);
      const ephemeral = () =>
        s.fake.calls.find((c) => c.seq >= mark && c.method === 'chat.postEphemeral' && c.body.user === ALICE);
      expect(ephemeral()).toBeUndefined();

      await other.release();
      const confirmation = await until('the declare confirmation', ephemeral);
      expect(confirmation.body.channel).toBe(SLACK_GENERAL_CHANNEL);
      expect(textOf(confirmation)).toContain('INC-1');
      expect((await other.query('select count(*)::int as n from incident')).rows).toEqual([{ n: 1 }]);
    }, 15_000);

  it('shutdown stops taking connections, answers the request in flight, then closes', async () => {
    const s = await start();
    const body = new URLSearchParams(
      buildSlashCommand({ command: '/service', text: 'list', user_id: ALICE }, s.fake.payloadContext()),
    ).toString();
    const url = new URL(`${s.base}/slack/events`);
    // A request whose body is still arriving when shutdown begins.
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
            ...signSlackRequest(SIGNING_SECRET, body),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 40));
      cleanups.push(() => void req.destroy());
      setTimeout(() => req.end(body.slice(40)), 2_000);
    });
    // Time for the server to read the request's headers (it counts the request in flight from then).
    await new Promise((r) => setTimeout(r, 600));
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
