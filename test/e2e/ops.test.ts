// Operations endpoints on the one HTTP port, secrets kept out of logs, graceful shutdown.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/env.js';
import { startSteward, type RunningSteward } from '../../src/app.js';
import { createSqliteDatabase, type TestDatabase } from '../support/databases.js';
import { spawnSteward } from '../support/process.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

describe('operations endpoints', () => {
  let db: TestDatabase;
  let running: RunningSteward;
  let base: string;
  const logs = new Capture();

  beforeAll(async () => {
    db = createSqliteDatabase();
    running = await startSteward(
      loadSettings({
        DATABASE_URL: db.url,
        PORT: '0',
        HOST: '127.0.0.1',
        STEWARD_CONSOLE: 'off',
        NODE_ENV: 'test',
        LOG_LEVEL: 'debug',
      }),
      { logDestination: logs },
    );
    base = `http://127.0.0.1:${running.port}`;
  });
  afterAll(async () => {
    await running?.shutdown('test');
    await db?.drop();
  });

  it('/healthz and /readyz answer; unknown paths are 404, wrong methods 405', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: [{ name: 'database', ok: true }] });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
    // Slack is not configured here: its endpoint does not exist.
    expect((await fetch(`${base}/slack/events`, { method: 'POST' })).status).toBe(404);
  });

  it('/metrics exposes Prometheus text including command counters and the latency histogram', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const name of [
      'steward_commands_total',
      'steward_interactions_total',
      'steward_request_duration_seconds',
      'steward_db_errors_total',
      'steward_process_resident_memory_bytes',
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
  });
});

describe('process lifecycle', () => {
  it('stops gracefully on SIGTERM: stops listening, closes the database, exits 0', async () => {
    const db = createSqliteDatabase();
    const secret = 'xoxb-should-never-be-logged-123456';
    // A Slack Web API that rejects the token: startup fails, and the failure is logged without secrets.
    const slack = createServer((req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok: false, error: 'invalid_auth' })),
    );
    await new Promise<void>((r) => slack.listen(0, '127.0.0.1', r));
    const apiUrl = `http://127.0.0.1:${(slack.address() as AddressInfo).port}/api/`;
    const p = spawnSteward('src/main.ts', [], {
      DATABASE_URL: db.url,
      STEWARD_CONSOLE: 'off',
      LOG_LEVEL: 'trace',
      HOST: '127.0.0.1',
      SLACK_BOT_TOKEN: secret,
      SLACK_SIGNING_SECRET: 'sign-secret-value-98765',
      SLACK_API_URL: apiUrl,
    });
    const { code } = await p.exited;
    slack.close();
    expect(p.stderr()).toMatch(/invalid_auth/);
    expect(code).toBe(1);
    expect(p.stdout() + p.stderr()).not.toContain(secret);
    expect(p.stdout() + p.stderr()).not.toContain('sign-secret-value-98765');

    const q = spawnSteward('src/main.ts', [], { DATABASE_URL: db.url, STEWARD_CONSOLE: 'off', HOST: '127.0.0.1' });
    const line = await q.waitFor(/"port":\d+/);
    const port = Number(line.split(':')[1]);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    q.child.kill('SIGTERM');
    const exit = await q.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(q.stdout()).toMatch(/"reason":"SIGTERM".*shutting down[\s\S]*"msg":"stopped"/);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    await db.drop();
  });
});
