// The change API for pipelines against a running Steward (in-process, real HTTP server, SQLite):
// POST /api/v1/changes checked like the form, idempotency keys, tokens that are missing, forged,
// out of scope or scoped to another service, the failed-attempt limit; GET after approvals (the
// token standing as the requester: test/changes/changes-api-requester.e2e.test.ts names a person); and
// `steward change wait` as a real process: exit 0 approved (and inside its window), 1 rejected or
// past its window, 2 on timeout, an unknown change, a refused token or nobody listening.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSteward, type RunningSteward } from '../../src/app.js';
import { loadSettings } from '../../src/config/env.js';
import type { Invocation } from '../../src/core/context.js';
import { runCli, spawnSteward, type StewardProcess } from '../support/process.js';
import { offsetClock } from '../support/clock.js';

const template = readFileSync(new URL('../fixtures/changes-api.policy.yaml', import.meta.url), 'utf8');
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
/** A token as `token new` makes them: stw_ and 32 random bytes, base64url. */
const newToken = () => `stw_${randomBytes(32).toString('base64url')}`;
const slackUser = { alice: 'U0ALICE', bob: 'U0BOB', carol: 'U0CAROL', dave: 'U0DAVE', erin: 'U0ERIN' } as const;
const as = (who: keyof typeof slackUser): Invocation => ({
  platform: 'slack',
  userId: slackUser[who],
  requestId: `test-${who}`,
});

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

describe('POST /api/v1/changes, GET /api/v1/changes/CHG-n and `steward change wait`', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-changes-api-'));
  const dbFile = join(dir, 'steward.db');
  const logs = new Capture();
  // Moves Steward's clock (windows "now +…" start there; the failed-attempt window too). The CLI runs on real time.
  let offsetMs = 0;
  const clock = offsetClock(() => offsetMs);
  const tokens = { 'ci-payments': newToken(), reader: newToken(), 'ci-edge': newToken() };
  let running: RunningSteward;
  let base = '';
  const spawned: StewardProcess[] = [];

  const post = (body: unknown, token: string | null = tokens['ci-payments'], headers: Record<string, string> = {}) =>
    fetch(`${base}/api/v1/changes`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const get = (ref: string, token = tokens.reader) =>
    fetch(`${base}/api/v1/changes/${ref}`, { headers: { authorization: `Bearer ${token}` } });
  const rows = (sql: string): number => {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true, timeout: 5_000 });
    try {
      return (db.prepare(sql).get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  const changeRows = () => rows('select count(*) as n from change');
  const change = (over: Record<string, unknown> = {}) => ({
    title: 'Rotate the payments TLS certificate',
    service: 'payments-api',
    kind: 'normal',
    risk: 'high',
    window: 'now +1h',
    details: 'Swap the certificate on the load balancer; roll back by restoring the previous one.',
    ...over,
  });
  /** Opens a change through the API; its number. */
  const open = async (over: Record<string, unknown> = {}) => {
    const res = await post(change(over));
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    return Number(/^CHG-(\d+)$/.exec(body.id)![1]);
  };
  const approve = async (n: number, who: keyof typeof slackUser) => {
    const r = await running.steward.execute(as(who), { kind: 'change.approve', change: n });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  };
  const wait = (args: string[], token = tokens.reader) => {
    const p = spawnSteward('src/cli.ts', ['change', 'wait', ...args, '--url', base], {
      STEWARD_API_TOKEN: token,
      LOG_LEVEL: 'warn',
    });
    p.child.stdin.end();
    spawned.push(p);
    return p;
  };
  const lines = (text: string) => text.split('\n').filter(Boolean);

  beforeAll(async () => {
    let policy = template;
    for (const [id, token] of Object.entries(tokens)) policy = policy.replace(`{{sha:${id}}}`, sha(token));
    expect(policy).not.toContain('"{{sha:');
    writeFileSync(join(dir, 'policy.yaml'), policy);
    running = await startSteward(
      loadSettings({
        DATABASE_URL: `file:${dbFile}`,
        STEWARD_CONFIG: join(dir, 'policy.yaml'),
        PORT: '0',
        HOST: '127.0.0.1',
        STEWARD_CONSOLE: 'off',
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
      }),
      { logDestination: logs, clock },
    );
    base = `http://127.0.0.1:${running.port}`;
  });
  afterAll(async () => {
    for (const p of spawned) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await running?.shutdown('test');
    rmSync(dir, { recursive: true, force: true });
  });

  it('POST opens CHG-1: 201, pending, the tally and who is asked; GET answers the same', async () => {
    const before = Date.now();
    const res = await post(change());
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({
      id: 'CHG-1',
      state: 'pending',
      approval: 'pending',
      phase: 'requested',
      title: 'Rotate the payments TLS certificate',
      service: 'payments-api',
      kind: 'normal',
      risk: 'high',
      incident: null,
      // The token names nobody: it stands as the requester, and every approver counts.
      requester: { person: null, via: 'api', token: 'ci-payments' },
      tally: '0 of 2 from Change Advisory Board · owners 0 of 1',
      approvals: [],
      waitingOn: ['carol', 'dave', 'erin', 'alice'],
      flags: { freeze: null, conflicts: [] },
      decidedAt: null,
    });
    // "now +1h" on Steward's clock.
    const start = Date.parse(body.window.start);
    expect(start).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(body.window.end) - start).toBe(3_600_000);
    expect(Date.parse(body.expiresAt) - Date.parse(body.requestedAt)).toBe(3 * 86_400_000);

    const got = await get('CHG-1');
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(body);
    expect(changeRows()).toBe(1);
    // Recorded as the pipeline's token, in the audit log.
    expect(
      rows(
        "select count(*) as n from audit_entry where action = 'change.requested' and subject = 'change:CHG-1' and actor_platform = 'api' and actor_user_id = 'ci-payments'",
      ),
    ).toBe(1);
  });

  it("checks the body with the form's schema: 422 naming each field and what it expects; freezes and emergencies as the form does", async () => {
    const before = changeRows();
    const refused = async (over: Record<string, unknown>) => {
      const res = await post(change(over));
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(body.error).toBe('invalid change');
      return body.fields as Record<string, string>;
    };
    expect(await refused({ window: 'tomorrow at noon' })).toEqual({ window: 'Use YYYY-MM-DD HH:MM +2h or now +30m' });
    expect(await refused({ window: 'now +2x' })).toEqual({
      window: '"2x" is not a length: use e.g. +30m, +2h, +1d or +1h30m',
    });
    expect(await refused({ window: '2020-01-01 10:00 +1h' })).toEqual({
      window: 'the window starts in the past (2020-01-01 10:00 UTC): use now +<length> or a later time',
    });
    expect((await refused({ window: 'now +9d' })).window).toMatch(
      /^a window may last at most 1w \(this one lasts 1w 2d\)$/,
    );
    expect(await refused({ title: 'ab', details: 'short' })).toEqual({
      title: 'Use at least 3 characters',
      details: 'Say what changes and how to roll it back (at least 10 characters)',
    });
    // The API's own shape: a mistyped, unknown or missing field is named too.
    expect((await refused({ kind: 'urgent' })).kind).toMatch(/standard.*normal.*emergency/);
    expect((await refused({ risk: 'extreme' })).risk).toMatch(/low.*medium.*high/);
    expect((await refused({ incident: 'the outage' })).incident).toBe('must name an incident such as INC-7');
    expect((await refused({ approver: 'me' })).body).toMatch(/approver/);
    expect((await refused({ title: undefined })).title).toMatch(/expected string/);
    // A token whose policy entry lists no people may not name a requester.
    expect(await refused({ requester: 'alice' })).toEqual({
      requester: 'token ci-payments may not name a requester: its policy entry lists no people',
    });

    // An emergency change names its incident; one that names none, or one that does not exist, is refused.
    expect(await refused({ kind: 'emergency', risk: undefined })).toEqual({
      details: 'An emergency change names its incident, e.g. INC-7',
    });
    expect(await refused({ kind: 'emergency', risk: undefined, incident: 'INC-42' })).toEqual({
      details: 'There is no incident INC-42',
    });

    // A normal change planned inside a freeze: refused with the freeze's reason and id.
    const frozen = await refused({ service: 'ledger', window: '2099-01-05 10:00 +1h' });
    expect(frozen.window).toBe(
      'Ledger migration freeze: Ledger is frozen until Sat 2099-01-10 00:00 UTC (freeze ledger-migration); plan it after that, or make it an emergency change',
    );

    // Not JSON, or no body at all.
    const notJson = await post('{"title":');
    expect([notJson.status, (await notJson.json()).error]).toEqual([400, 'invalid JSON']);
    const empty = await post('');
    expect([empty.status, (await empty.json()).error]).toEqual([400, 'a JSON body is required']);
    expect(changeRows()).toBe(before);
  });

  it('an Idempotency-Key sent twice creates one change (201, then 200 with the same change)', async () => {
    const before = changeRows();
    const key = { 'idempotency-key': `deploy-${randomBytes(6).toString('hex')}` };
    const first = await post(change({ title: 'Deploy payments 4.2.0' }), undefined, key);
    const again = await post(change({ title: 'Deploy payments 4.2.0' }), undefined, key);
    expect([first.status, again.status]).toEqual([201, 200]);
    const [a, b] = [await first.json(), await again.json()];
    expect(b.id).toBe(a.id);
    expect(b.requestedAt).toBe(a.requestedAt);
    expect(changeRows()).toBe(before + 1);
    // Without the header, every POST is a new change.
    expect((await post(change({ title: 'Deploy payments 4.2.1' }))).status).toBe(201);
    expect(changeRows()).toBe(before + 2);
  });

  it('missing or forged tokens get 401, a token without changes:write or for another service 403, and nothing is created', async () => {
    const before = changeRows();
    const audited = () => rows("select count(*) as n from audit_entry where action = 'change.requested'");
    const auditBefore = audited();

    const none = await post(change(), null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="steward"');
    expect(await none.json()).toEqual({
      error: 'unauthorized',
      detail: 'a bearer token is required (Authorization: Bearer <token>)',
    });
    const forged = await post(change(), newToken());
    expect([forged.status, await forged.json()]).toEqual([
      401,
      { error: 'unauthorized', detail: 'the token is not one the policy knows' },
    ]);
    // One character off, and the right token under another scheme.
    expect((await post(change(), `${tokens['ci-payments']}x`)).status).toBe(401);
    expect((await post(change(), null, { authorization: `Basic ${tokens['ci-payments']}` })).status).toBe(401);

    const reader = await post(change(), tokens.reader);
    expect([reader.status, await reader.json()]).toEqual([
      403,
      { error: 'forbidden', detail: 'token "reader" lacks the scope changes:write' },
    ]);
    const otherService = await post(change(), tokens['ci-edge']);
    expect([otherService.status, await otherService.json()]).toEqual([
      403,
      { error: 'forbidden', detail: 'token "ci-edge" may not act on service "payments-api"' },
    ]);
    // Reading another service's change answers as if it did not exist (a 403 would confirm that it does).
    const peek = await get('CHG-1', tokens['ci-edge']);
    const missing = await get('CHG-999', tokens['ci-edge']);
    expect([peek.status, await peek.json()]).toEqual([
      404,
      { error: 'not found', detail: 'There is no change CHG-1.' },
    ]);
    expect([missing.status, await missing.json()]).toEqual([
      404,
      { error: 'not found', detail: 'There is no change CHG-999.' },
    ]);
    expect((await get('CHG-1', newToken())).status).toBe(401);
    // The token scoped to edge-gateway may open a change there.
    const own = await post(change({ service: 'edge-gateway' }), tokens['ci-edge']);
    expect(own.status).toBe(201);

    expect(changeRows()).toBe(before + 1);
    expect(audited()).toBe(auditBefore + 1);
    for (const t of Object.values(tokens)) expect(logs.text).not.toContain(t);
    expect(logs.text).toContain('api request refused: not authenticated');
  });

  it('GET answers the state and the approvals as approvers decide (through the core, as Slack clicks would)', async () => {
    const n = await open();
    await approve(n, 'carol');
    const one = await (await get(`CHG-${n}`)).json();
    expect(one).toMatchObject({
      state: 'pending',
      tally: '1 of 2 from Change Advisory Board · owners 0 of 1',
      waitingOn: ['dave', 'erin', 'alice'],
      decidedAt: null,
    });
    expect(one.approvals).toEqual([
      { person: 'carol', decision: 'approve', reason: null, platform: 'slack', at: expect.any(String) },
    ]);

    // Bob is no approver: refused, and nothing is recorded.
    const bob = await running.steward.execute(as('bob'), { kind: 'change.approve', change: n });
    expect(bob.ok ? 'ok' : bob.error.code).toBe('AUTH.FORBIDDEN');
    // Carol again: already decided.
    const twice = await running.steward.execute(as('carol'), { kind: 'change.approve', change: n });
    expect(twice.ok ? 'ok' : twice.error.code).toBe('CHANGE.DECIDED');

    await approve(n, 'dave');
    await approve(n, 'alice');
    const done = await (await get(`chg-${n}`)).json();
    expect(done).toMatchObject({
      id: `CHG-${n}`,
      state: 'approved',
      approval: 'approved',
      phase: 'requested',
      waitingOn: [],
    });
    expect(done.tally).toBe('2 of 2 from Change Advisory Board ✓ · owners ✓');
    expect(done.approvals.map((a: { person: string }) => a.person)).toEqual(['carol', 'dave', 'alice']);
    expect(Date.parse(done.decidedAt)).toBeGreaterThan(0);
    expect(
      rows(`select count(*) as n from change_decision d join change c on c.id = d.change_id where c.number = ${n}`),
    ).toBe(3);
    expect(
      rows(`select count(*) as n from audit_entry where action = 'change.approved' and subject = 'change:CHG-${n}'`),
    ).toBe(1);

    const missing = await get('CHG-999');
    expect([missing.status, (await missing.json()).detail]).toEqual([404, 'There is no change CHG-999.']);
    expect((await get('deploy-42')).status).toBe(404);
  });

  it('`change wait` (a real process) prints each state and exits 0 once the needed approvals arrive while it waits', async () => {
    const n = await open();
    const p = wait([`CHG-${n}`]);
    await p.waitFor(new RegExp(`CHG-${n} pending`), 20_000);
    await approve(n, 'carol');
    await approve(n, 'dave');
    // Two of three approvals: still waiting (two polls later).
    await new Promise((r) => setTimeout(r, 4_500));
    expect(p.child.exitCode).toBeNull();
    await approve(n, 'alice');
    const exit = await p.exited;
    expect(exit.code, p.stderr()).toBe(0);
    expect(lines(p.stdout())).toEqual([
      `CHG-${n} pending · 0 of 2 from Change Advisory Board · owners 0 of 1 · waiting on carol, dave, erin, alice`,
      expect.stringMatching(
        new RegExp(`^CHG-${n} approved · 2 of 2 from Change Advisory Board ✓ · owners ✓ · window \\S+ → \\S+: open$`),
      ),
    ]);
    expect(p.stderr()).toBe('');
  });

  it('`change wait` on a change approved before its window waits for the window to open; past its window it exits 1', async () => {
    // A standard change (pre-approved) whose window opens 12 s from now: Steward's clock runs ahead while it is requested.
    offsetMs = 12_000;
    const early = await open({ kind: 'standard', risk: undefined, title: 'Scale the payments workers' });
    offsetMs = -2 * 3_600_000;
    const late = await open({ kind: 'standard', risk: undefined, title: 'Restart the ledger', service: 'ledger' });
    offsetMs = 0;
    const opens = Date.parse((await (await get(`CHG-${early}`)).json()).window.start);

    const p = wait([`CHG-${early}`]);
    const past = wait([`CHG-${late}`]);
    await p.waitFor(/opens in/, 20_000);
    expect(p.child.exitCode).toBeNull();
    const exit = await p.exited;
    expect(exit.code, p.stderr()).toBe(0);
    expect(Date.now()).toBeGreaterThanOrEqual(opens);
    expect(lines(p.stdout())).toEqual([
      expect.stringMatching(new RegExp(`^CHG-${early} approved · pre-approved · window \\S+ → \\S+: opens in \\d+s$`)),
      expect.stringMatching(new RegExp(`^CHG-${early} approved · pre-approved · window \\S+ → \\S+: open$`)),
    ]);

    expect((await past.exited).code).toBe(1);
    expect(lines(past.stdout())).toEqual([
      expect.stringMatching(new RegExp(`^CHG-${late} approved · window \\S+ → \\S+ passed$`)),
    ]);
    expect(past.stderr()).toMatch(
      new RegExp(`^CHG-${late} was approved, but its window ended at \\S+: request a new change\\n$`),
    );
  });

  it('`change wait` exits 1 after a rejection, with the reason on stderr', async () => {
    const n = await open({ risk: 'medium', title: 'Raise the payments rate limit' });
    const p = wait([`CHG-${n}`, '--timeout', '2m']);
    await p.waitFor(new RegExp(`CHG-${n} pending`), 20_000);
    // Reject opens the reason form; submitting it decides.
    const asked = await running.steward.execute(as('alice'), { kind: 'change.reject', change: n });
    expect(asked.ok && asked.value.form?.target.kind).toBe('change.reject');
    const rejected = await running.steward.submit(
      as('alice'),
      asked.ok ? asked.value.form!.target : (undefined as never),
      { reason: 'Not during the sale' },
    );
    expect(rejected.ok, JSON.stringify(rejected)).toBe(true);
    const exit = await p.exited;
    expect(exit.code).toBe(1);
    expect(lines(p.stdout())).toEqual([
      `CHG-${n} pending · owners 0 of 1 · waiting on alice`,
      `CHG-${n} rejected · owners 0 of 1`,
    ]);
    expect(p.stderr()).toBe(`CHG-${n} was rejected by alice: Not during the sale\n`);
    expect((await (await get(`CHG-${n}`)).json()).state).toBe('rejected');
  });

  it('`change wait` exits 2 on timeout, for an unknown change, a refused token, a missing token, and nobody listening', async () => {
    const n = await open({ risk: 'low', title: 'Tune the payments connection pool' });
    const started = Date.now();
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const free = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const [timedOut, unknown, forged, noToken, down, badTimeout] = await Promise.all([
      (async () => {
        const p = wait([`CHG-${n}`, '--timeout', '3s']);
        return { ...(await p.exited), stdout: p.stdout(), stderr: p.stderr(), at: Date.now() };
      })(),
      runCli(['change', 'wait', 'CHG-999', '--url', base], { STEWARD_API_TOKEN: tokens.reader, LOG_LEVEL: 'warn' }),
      runCli(['change', 'wait', `CHG-${n}`, '--url', base], { STEWARD_API_TOKEN: newToken(), LOG_LEVEL: 'warn' }),
      runCli(['change', 'wait', `CHG-${n}`, '--url', base], { LOG_LEVEL: 'warn' }),
      runCli(['change', 'wait', `CHG-${n}`, '--url', `http://127.0.0.1:${free}`], {
        STEWARD_API_TOKEN: tokens.reader,
        LOG_LEVEL: 'warn',
      }),
      runCli(['change', 'wait', `CHG-${n}`, '--timeout', 'soon', '--url', base], {
        STEWARD_API_TOKEN: tokens.reader,
        LOG_LEVEL: 'warn',
      }),
    ]);
    expect(timedOut.code, timedOut.stderr).toBe(2);
    expect(timedOut.at - started).toBeGreaterThanOrEqual(3_000);
    expect(lines(timedOut.stdout)).toEqual([`CHG-${n} pending · owners 0 of 1 · waiting on alice`]);
    expect(timedOut.stderr).toBe(`timed out after 3s: CHG-${n} is still pending (owners 0 of 1)\n`);

    expect([unknown.code, unknown.stdout, unknown.stderr]).toEqual([
      2,
      '',
      'Steward answered 404: There is no change CHG-999.\n',
    ]);
    expect([forged.code, forged.stdout, forged.stderr]).toEqual([
      2,
      '',
      'Steward answered 401: unauthorized: the token is not one the policy knows\n',
    ]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('STEWARD_API_TOKEN is not set');
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(
      /^cannot reach Steward at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/changes\/CHG-\d+ \(ECONNREFUSED\)\n$/,
    );
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toContain('--timeout must be a length such as 30m');
    // The change is still pending: waiting changed nothing.
    expect((await (await get(`CHG-${n}`)).json()).state).toBe('pending');
  });

  it('more than 10 failed attempts from a client get 429 with Retry-After and create nothing; a good token from that client still works', async () => {
    // Past the failures of the tests above (their minute is over on Steward's clock).
    offsetMs = 120_000;
    const before = changeRows();
    for (let i = 0; i < 10; i++) expect((await post(change(), `stw_guess-${i}`)).status).toBe(401);
    const limited = await post(change(), 'stw_guess-10');
    expect(limited.status).toBe(429);
    const after = Number(limited.headers.get('retry-after'));
    expect(after).toBeGreaterThanOrEqual(1);
    expect(after).toBeLessThanOrEqual(60);
    expect(await limited.json()).toEqual({ error: 'too many failed attempts', retryAfter: after });
    expect(changeRows()).toBe(before);
    // Someone else's failures (or its own) never refuse a valid token.
    expect((await get('CHG-1')).status).toBe(200);
    expect((await post(change(), 'stw_guess-11')).status).toBe(429);
    // A minute later a bad token is answered 401 again.
    offsetMs += 61_000;
    expect((await post(change(), 'stw_guess-12')).status).toBe(401);
  });
});
