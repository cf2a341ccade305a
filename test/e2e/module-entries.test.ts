// One way in: a module written only in test code (test/support/kudos-module.ts) declares an HTTP
// route and a CLI command as it declares its slash command. Composed, the route answers through
// the real HTTP server with the token as its caller, the CLI command with the local user, both
// recorded in the audit log and counted in steward_operations_total with chat; not composed, the
// route is 404 and the CLI does not know the command. The scope is decided in the core.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/adapters/cli/commands.js';
import { startSteward, type RunningSteward } from '../../src/app.js';
import { loadSettings } from '../../src/config/env.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { openStore } from '../../src/store/index.js';
import { kudosModule, newKudosState } from '../support/kudos-module.js';

const template = readFileSync(new URL('../fixtures/changes-api.policy.yaml', import.meta.url), 'utf8');
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const newToken = () => `stw_${randomBytes(32).toString('base64url')}`;

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

describe('HTTP routes and CLI commands declared by a module', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-entries-'));
  const tokens = { 'ci-payments': newToken(), reader: newToken(), 'ci-edge': newToken() };
  const env = (db: string) => ({
    DATABASE_URL: `file:${join(dir, db)}`,
    STEWARD_CONFIG: join(dir, 'policy.yaml'),
    PORT: '0',
    HOST: '127.0.0.1',
    STEWARD_CONSOLE: 'off',
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
  });
  const state = newKudosState();
  let withKudos: RunningSteward;
  let without: RunningSteward;
  const post = (base: string, body: unknown, token = tokens['ci-payments']) =>
    fetch(`${base}/api/v1/kudos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
  const audit = async (db: string) => {
    const store = await openStore({ url: `file:${join(dir, db)}` });
    try {
      return (await store.auditReader.page(0, 100))
        .filter((a) => a.action === 'kudos.given')
        .map((a) => ({ ...a, after: JSON.parse(String(a.after)) as unknown }));
    } finally {
      await store.close();
    }
  };

  beforeAll(async () => {
    let policy = template;
    for (const [id, token] of Object.entries(tokens)) policy = policy.replace(`{{sha:${id}}}`, sha(token));
    writeFileSync(join(dir, 'policy.yaml'), policy);
    withKudos = await startSteward(loadSettings(env('with.db')), {
      logDestination: new Capture(),
      modules: [...STANDARD_MODULES, kudosModule(state)],
    });
    without = await startSteward(loadSettings(env('without.db')), { logDestination: new Capture() });
  });
  afterAll(async () => {
    await withKudos?.shutdown('test');
    await without?.shutdown('test');
  });

  it('the route answers with the token as its caller, recorded in the audit log and counted', async () => {
    const base = `http://127.0.0.1:${withKudos.port}`;
    const res = await post(base, { to: 'bob', text: 'for the rollback' });
    expect([res.status, await res.json()]).toEqual([
      201,
      { id: 'KUDO-1', to: 'bob', actor: { platform: 'api', platformUserId: 'ci-payments' } },
    ]);
    const [entry] = await audit('with.db');
    expect(entry).toMatchObject({
      actor: { platform: 'api', platformUserId: 'ci-payments' },
      subject: 'kudos:KUDO-1',
      after: { to: 'bob', by: 'api:ci-payments' },
    });
    // The route's scope (changes:write) is decided in the core: a read-only token is refused, and nothing is given.
    const refused = await post(base, { to: 'bob', text: 'again' }, tokens.reader);
    expect([refused.status, await refused.json()]).toEqual([
      403,
      { error: 'forbidden', detail: 'token "reader" lacks the scope changes:write' },
    ]);
    expect(state.given).toHaveLength(1);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('steward_operations_total{op="kudos.give",entry="http",outcome="ok"} 1');
    expect(metrics).toContain('steward_operations_total{op="kudos.give",entry="http",outcome="403"} 1');
  });

  it('the CLI command runs with the local user as its caller, recorded in the audit log', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) };
    const code = await runCli(
      ['kudos', 'give', 'carol', '--text', 'for the runbook'],
      loadSettings(env('with.db')),
      io,
      [...STANDARD_MODULES, kudosModule(state)],
    );
    expect([code, err]).toEqual([0, []]);
    expect(out.join('\n')).toMatch(/^KUDO-2 to carol, given by cli:\S+$/);
    const entries = await audit('with.db');
    expect(entries.map((e) => e.actor.platform)).toEqual(['api', 'cli']);
    expect(entries[1]).toMatchObject({ subject: 'kudos:KUDO-2', after: { to: 'carol' } });
    // A wrong call is a usage error, not a run.
    expect(
      await runCli(['kudos', 'give'], loadSettings(env('with.db')), io, [...STANDARD_MODULES, kudosModule(state)]),
    ).toBe(2);
    expect(err.at(-1)).toBe('usage: kudos give <person> [--text words]');
  });

  it('without the module there is no route and no command', async () => {
    const base = `http://127.0.0.1:${without.port}`;
    const res = await post(base, { to: 'bob', text: 'x' });
    expect(res.status).toBe(404);
    const err: string[] = [];
    const code = await runCli(['kudos', 'give', 'carol'], loadSettings(env('without.db')), {
      out: () => {},
      err: (s) => void err.push(s),
    });
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('usage: steward <command>');
    expect(err.join('\n')).not.toContain('kudos give');
    // The standard modules' routes and commands are there.
    const findings = await fetch(`${base}/api/v1/findings?service=payments-api`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.reader}` },
      body: '{}',
    });
    expect([findings.status, await findings.json()]).toEqual([
      403,
      { error: 'forbidden', detail: 'token "reader" lacks the scope findings:write' },
    ]);
    expect(err.join('\n')).toContain('kev import <file>');
  });
});
