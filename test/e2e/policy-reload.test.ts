// Policy reload without a restart: SIGHUP to a real process, the authenticated admin endpoint,
// and the CLI `policy reload` against a running Steward; an invalid file never replaces a good one.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApi } from '../../src/adapters/http/api.js';
import { startHttp } from '../../src/adapters/http/server.js';
import { loadSettings } from '../../src/config/env.js';
import { parsePolicy } from '../../src/config/policy.js';
import { FailureLimiter } from '../../src/core/api/tokens.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { startSteward, type RunningSteward } from '../../src/app.js';
import { runCli, spawnSteward } from '../support/process.js';
import { until } from '../support/wait.js';
import { offsetClock } from '../support/clock.js';

const example = readFileSync(new URL('../../manifests/policy.example.yaml', import.meta.url), 'utf8');
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
/** The example policy with one more service (first in the list: services[0]). */
const billing = '  - { id: billing-api, name: Billing API, team: ';
const withBilling = (text: string, team = 'payments') =>
  text.replace('\nservices:\n', `\nservices:\n${billing}${team}, tier: 3 }\n`);
/** Line and column of the added service's team, as a PolicyError names them. */
const billingTeamAt = `${example.split('\n').indexOf('services:') + 2}:${billing.length + 1}`;

const metric = (text: string, outcome: string) =>
  Number(new RegExp(`^steward_policy_reloads_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1]);

describe('SIGHUP reloads the policy of a running process', () => {
  it('applies a changed file to new commands, refuses an invalid one and keeps the old policy, counts both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-reload-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, example);
    const dbFile = join(dir, 'steward.db');
    const p = spawnSteward('src/main.ts', [], {
      DATABASE_URL: `file:${dbFile}`,
      STEWARD_CONFIG: file,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    });
    try {
      const port = Number((await p.waitFor(/"port":\d+/)).split(':')[1]);
      const ask = async (line: string, expected: RegExp) => {
        const mark = p.stdout().length;
        p.child.stdin.write(`${line}\n`);
        return until(
          `an answer to ${line} matching ${expected}`,
          () => expected.test(p.stdout().slice(mark)) && p.stdout().slice(mark),
          15_000,
        );
      };
      const logLine = async (msg: string, nth: number) =>
        JSON.parse(
          await until(
            `log line #${nth} "${msg}"`,
            () =>
              p
                .stderr()
                .split('\n')
                .filter((l) => l.includes(`"msg":"${msg}"`))[nth - 1],
            15_000,
          ),
        );

      expect(await ask('/service list', /Edge Gateway edge-gateway/)).not.toContain('Billing API');

      const changed = withBilling(example);
      writeFileSync(file, changed);
      p.child.kill('SIGHUP');
      const applied = await logLine('policy reloaded', 1);
      expect(applied).toMatchObject({
        level: 30,
        policy: file,
        sha256: sha(changed).slice(0, 12),
        before: sha(example).slice(0, 12),
        services: 4,
        people: 4,
        teams: 2,
        tokens: 0,
      });
      expect(await ask('/service list', /Billing API billing-api · tier 3/)).toMatch(/Payments \(3\)/);
      expect(await ask('/service show billing-api', /Billing API/)).not.toContain('SERVICE.NOT_FOUND');

      // An invalid file: refused with the same path-precise message as at start; the process keeps serving the last good policy.
      writeFileSync(file, withBilling(example, 'paymnets'));
      p.child.kill('SIGHUP');
      const refused = await logLine('policy reload refused; the running policy stays', 1);
      expect(refused.level).toBe(50);
      expect(refused.sha256).toBe(sha(changed).slice(0, 12));
      expect(refused.error).toContain(
        `${file}:${billingTeamAt} services[0].team: unknown team "paymnets" (known: payments, platform)`,
      );
      expect(await ask('/service list', /Billing API billing-api · tier 3/)).toMatch(/Payments \(3\)/);

      // The good file again: the running policy already is it.
      writeFileSync(file, changed);
      p.child.kill('SIGHUP');
      expect(await logLine('policy reload: unchanged', 1)).toMatchObject({ sha256: sha(changed).slice(0, 12) });

      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect([metric(text, 'applied'), metric(text, 'refused'), metric(text, 'unchanged')]).toEqual([1, 1, 1]);

      p.child.stdin.end('exit\n');
      expect(await p.exited).toEqual({ code: 0, signal: null });
      // Each version that ran is in the audit log, the refused one is not.
      const db = new Database(dbFile, { readonly: true });
      const rows = db.prepare("select after from audit_entry where action = 'policy.applied' order by seq").all() as {
        after: string;
      }[];
      db.close();
      expect(rows.map((r) => JSON.parse(r.after).sha256)).toEqual([sha(example), sha(changed)]);
    } finally {
      p.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

describe('POST /api/v1/policy/reload and `steward policy reload`', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-reload-api-'));
  const file = join(dir, 'policy.yaml');
  const logs = new Capture();
  // Lets the test move past the failed-attempt window; everything else in Steward runs on real time.
  let offsetMs = 0;
  const clock = offsetClock(() => offsetMs);
  const reader = `stw_${'r'.repeat(43)}`;
  let ops = '';
  let base = '';
  let policy = '';
  let running: RunningSteward;
  const reload = (token?: string, init: RequestInit = {}) =>
    fetch(`${base}/api/v1/policy/reload`, {
      method: 'POST',
      ...init,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) },
    });
  const cli = (args: string[], token = ops) =>
    runCli(['policy', 'reload', ...args], { STEWARD_API_TOKEN: token, LOG_LEVEL: 'warn' });
  const write = (text: string) => {
    writeFileSync(file, text);
    return sha(text);
  };

  beforeAll(async () => {
    // The token is made as an operator would: `token new`, then its line pasted into the policy.
    const made = await runCli(['token', 'new', 'ops-reload', '--scopes', 'policy:reload'], {});
    expect(made.code).toBe(0);
    ops = /^ {2}(stw_[A-Za-z0-9_-]{43})$/m.exec(made.stdout)![1]!;
    const line = /^ {4}- (\{ id: ops-reload, sha256: "([0-9a-f]{64})", scopes: \[policy:reload\] \})$/m.exec(
      made.stdout,
    )!;
    expect(line[2]).toBe(sha(ops));
    policy = `${example}\napi:\n  tokens:\n    - ${line[1]}\n    - { id: reader, sha256: "${sha(reader)}", scopes: [changes:read] }\n`;
    write(policy);
    const db = join(dir, 'steward.db');
    running = await startSteward(
      loadSettings({
        DATABASE_URL: `file:${db}`,
        STEWARD_CONFIG: file,
        PORT: '0',
        HOST: '127.0.0.1',
        STEWARD_CONSOLE: 'off',
        NODE_ENV: 'test',
        LOG_LEVEL: 'debug',
      }),
      { logDestination: logs, clock },
    );
    base = `http://127.0.0.1:${running.port}`;
  });
  afterAll(async () => {
    await running?.shutdown('test');
    rmSync(dir, { recursive: true, force: true });
  });

  it('401 without a known bearer token, 403 without the scope; nothing is reloaded', async () => {
    write(withBilling(policy));
    const none = await reload();
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="steward"');
    expect(await none.json()).toEqual({
      error: 'unauthorized',
      detail: 'a bearer token is required (Authorization: Bearer <token>)',
    });
    const unknown = await reload(`${ops}x`);
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({ error: 'unauthorized', detail: 'the token is not one the policy knows' });
    expect((await reload(undefined, { headers: { authorization: `Basic ${ops}` } })).status).toBe(401);
    const forbidden = await reload(reader);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({
      error: 'forbidden',
      detail: 'token "reader" lacks the scope policy:reload',
    });
    expect(running.steward.dir.service('billing-api')).toBeUndefined();
    expect((await fetch(`${base}/api/v1/policy/reload`)).status).toBe(405);
  });

  it('applies a changed file, answers unchanged for the same one, refuses an invalid one with 422 and the problems', async () => {
    const next = write(withBilling(policy));
    const applied = await reload(ops);
    expect(applied.status).toBe(200);
    expect(await applied.json()).toEqual({ outcome: 'applied', sha256: next });
    expect(running.steward.dir.service('billing-api')?.name).toBe('Billing API');
    expect(running.steward.dir.version).toBe(next);

    const same = await reload(ops, { headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(await same.json()).toEqual({ outcome: 'unchanged', sha256: next });

    write(withBilling(policy, 'paymnets'));
    const refused = await reload(ops);
    expect(refused.status).toBe(422);
    const body = await refused.json();
    expect(body.error).toBe('policy refused');
    expect(body.detail).toContain(
      `${file}:${billingTeamAt} services[0].team: unknown team "paymnets" (known: payments, platform)`,
    );
    expect(running.steward.dir.version).toBe(next);
    expect(running.steward.dir.service('billing-api')).toBeDefined();
    const line = logs.text.split('\n').find((l) => l.includes('policy reload refused'))!;
    expect(JSON.parse(line)).toMatchObject({ level: 50, error: expect.stringContaining('unknown team "paymnets"') });

    // A body other than empty or {} is refused before anything is read.
    expect(
      (await reload(ops, { headers: { 'content-type': 'application/json' }, body: '{"file":"/etc/passwd"}' })).status,
    ).toBe(400);
    expect((await reload(ops, { headers: { 'content-type': 'application/json' }, body: '{' })).status).toBe(400);
    expect((await reload(ops, { headers: { 'content-type': 'text/plain' }, body: 'reload' })).status).toBe(415);
  });

  it('`steward policy reload` prints the outcome: exit 0 applied, 1 refused, 2 forbidden or unreachable', async () => {
    const next = write(policy);
    const ok = await cli(['--url', base]);
    expect(ok.stdout).toContain(`policy applied (sha256 ${next.slice(0, 12)})`);
    expect(ok.code).toBe(0);
    expect(running.steward.dir.service('billing-api')).toBeUndefined();

    write(withBilling(policy, 'paymnets'));
    const refused = await cli([`--url=${base}/`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('policy refused; the running policy stays.');
    expect(refused.stderr).toContain('services[0].team: unknown team "paymnets"');
    expect(running.steward.dir.version).toBe(next);

    const forbidden = await cli(['--url', base], reader);
    expect(forbidden.code).toBe(2);
    expect(forbidden.stderr).toContain('Steward answered 403: forbidden: token "reader" lacks the scope policy:reload');

    // A port nobody listens on.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const free = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const down = await cli(['--url', `http://127.0.0.1:${free}`]);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(
      /cannot reach Steward at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/policy\/reload \(ECONNREFUSED\)/,
    );
  });

  it('a client with 10 failed attempts in a minute gets 429 with Retry-After for bad tokens until the window passes; a good token still works', async () => {
    write(policy);
    // Three failures so far (the first test); seven more reach the limit.
    for (let i = 0; i < 7; i++) expect((await reload(`stw_guess-${i}`)).status).toBe(401);
    const limited = await reload(`stw_guess-7`);
    expect(limited.status).toBe(429);
    const after = Number(limited.headers.get('retry-after'));
    expect(after).toBeGreaterThanOrEqual(1);
    expect(after).toBeLessThanOrEqual(60);
    expect(await limited.json()).toEqual({ error: 'too many failed attempts', retryAfter: after });
    const ok = await reload(ops);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ outcome: 'unchanged', sha256: sha(policy) });
    expect((await reload('stw_guess-8')).status).toBe(429);
    offsetMs += 60_000;
    expect((await reload('stw_guess-9')).status).toBe(401);

    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^steward_api_requests_total\{scope="policy:reload",status="429"\} 2$/m);
    expect(text).toMatch(/^steward_api_requests_total\{scope="policy:reload",status="401"\} 11$/m);
    // No token, good or guessed, reached the logs.
    for (const t of [ops, reader, 'stw_guess-7']) expect(logs.text).not.toContain(t);
    expect(logs.text).toContain('api request refused: not authenticated');
  });
});

describe('the HTTP API kernel the next /api/v1 routes build on', () => {
  it('matches ":name" segments, checks a service against the token, bounds and parses JSON bodies', async () => {
    const token = `stw_${'k'.repeat(43)}`;
    const { policy } = parsePolicy(
      `teams: [{ id: t, name: T }]\nservices: [{ id: a, name: A, team: t, tier: 1 }, { id: b, name: B, team: t, tier: 1 }]\napi:\n  tokens: [{ id: ci, sha256: "${sha(token)}", scopes: [changes:read, changes:write], services: [a] }]\n`,
    );
    const logs = new Capture();
    const log = createLogger({ level: 'debug', secrets: [], destination: logs });
    const metrics = new Metrics({ defaults: false });
    const api = createApi({
      dir: () => ({ policy }),
      limiter: new FailureLimiter({ clock: offsetClock(0) }),
      log,
      metrics,
    });
    const http = await startHttp({
      host: '127.0.0.1',
      port: 0,
      log,
      metrics,
      readiness: [],
      routes: {
        'GET /api/v1/things/:id': api.route(
          'changes:read',
          (r) =>
            r.forbidden(r.query.get('service') ?? '') ?? { status: 200, body: { id: r.params.id, token: r.token.id } },
        ),
        'POST /api/v1/things': api.route('changes:write', async (r) => {
          const body = await r.json(z.object({ title: z.string().min(1) }).strict(), 32);
          return body.ok ? { status: 201, body: body.value } : body.problem;
        }),
      },
    });
    const base = `http://127.0.0.1:${http.port}`;
    const auth = { authorization: `Bearer ${token}` };
    try {
      const got = await fetch(`${base}/api/v1/things/CHG-7?service=a`, { headers: auth });
      expect([got.status, await got.json()]).toEqual([200, { id: 'CHG-7', token: 'ci' }]);
      const encoded = await fetch(`${base}/api/v1/things/a%20b?service=a`, { headers: auth });
      expect(await encoded.json()).toMatchObject({ id: 'a b' });
      const other = await fetch(`${base}/api/v1/things/CHG-7?service=b`, { headers: auth });
      expect([other.status, await other.json()]).toEqual([
        403,
        { error: 'forbidden', detail: 'token "ci" may not act on service "b"' },
      ]);
      expect((await fetch(`${base}/api/v1/things/CHG-7`, { method: 'DELETE', headers: auth })).status).toBe(405);
      expect((await fetch(`${base}/api/v1/things/CHG-7/more`, { headers: auth })).status).toBe(404);
      expect((await fetch(`${base}/api/v1/things`, { headers: auth })).status).toBe(405);

      const post = (body: string) =>
        fetch(`${base}/api/v1/things`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body,
        });
      const created = await post('{"title":"x"}');
      expect([created.status, await created.json()]).toEqual([201, { title: 'x' }]);
      const empty = await post('');
      expect([empty.status, (await empty.json()).error]).toEqual([400, 'invalid request']);
      const big = await post(JSON.stringify({ title: 'y'.repeat(100) }));
      expect([big.status, await big.json()]).toEqual([413, { error: 'body too large', detail: 'at most 32 bytes' }]);
      expect(logs.text).not.toContain(token);
    } finally {
      await http.close(1_000);
    }
  });
});
