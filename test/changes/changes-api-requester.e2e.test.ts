// Separation of duties for pipeline changes, against a running Steward (in-process, real HTTP
// server) on SQLite and PostgreSQL: the body's `requester` names the person a change is for, as a
// policy id or a Slack or Discord user id, when the token lists that person under `people`; that
// person cannot approve it (refused, tally unchanged) while others can; the JSON, the card and the
// audit entry show the person and the token; a rule with `match.via: api` holds API changes to two
// approvals while the same change requested from chat needs one owner; changes.api.requireRequester
// refuses a body without a requester.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSteward, type RunningSteward } from '../../src/app.js';
import { loadSettings } from '../../src/config/env.js';
import { plain } from '../../src/core/card.js';
import type { Invocation } from '../../src/core/context.js';
import type { Store } from '../../src/core/ports.js';
import { openStore } from '../../src/store/index.js';
import { forEachDialect, type TestDatabase } from '../support/databases.js';

const template = readFileSync(new URL('../fixtures/changes-api-requester.policy.yaml', import.meta.url), 'utf8');
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const newToken = () => `stw_${randomBytes(32).toString('base64url')}`;
const slackUser = { alice: 'U0ALICE', bob: 'U0BOB', carol: 'U0CAROL', dave: 'U0DAVE' } as const;
const as = (who: keyof typeof slackUser): Invocation => ({
  platform: 'slack',
  userId: slackUser[who],
  requestId: `test-${who}-${randomBytes(4).toString('hex')}`,
});

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

await forEachDialect('POST /api/v1/changes with a requester', ({ createDatabase }) => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-changes-requester-'));
  const logs = new Capture();
  const tokens = { deploy: newToken(), 'deploy-bob': newToken(), 'ci-plain': newToken() };
  let db: TestDatabase;
  let running: RunningSteward;
  /** A second connection to the same database, to read the audit log as an auditor would. */
  let reader: Store;
  let base = '';

  const post = (body: unknown, token: string = tokens.deploy) =>
    fetch(`${base}/api/v1/changes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
  const get = async (id: string) => {
    const res = await fetch(`${base}/api/v1/changes/${id}`, { headers: { authorization: `Bearer ${tokens.deploy}` } });
    expect(res.status).toBe(200);
    return res.json();
  };
  const change = (over: Record<string, unknown> = {}) => ({
    title: 'Deploy payments 4.2.0',
    service: 'payments-api',
    kind: 'normal',
    risk: 'medium',
    window: 'now +1h',
    details: 'Roll out build 4.2.0; roll back by redeploying 4.1.9.',
    ...over,
  });
  /** Opens a change through the API: 201 and its JSON. */
  const open = async (over: Record<string, unknown>, token: string = tokens.deploy) => {
    const res = await post(change(over), token);
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    return body;
  };
  /** A 422 and its field problems. */
  const refused = async (over: Record<string, unknown>, token: string = tokens.deploy) => {
    const res = await post(change(over), token);
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(422);
    expect(body.error).toBe('invalid change');
    return body.fields as Record<string, string>;
  };
  const decide = (who: keyof typeof slackUser, id: string) =>
    running.steward.execute(as(who), { kind: 'change.approve', change: Number(id.slice(4)) });
  /** Changes requested so far, as the audit log counts them. */
  const changeCount = async () =>
    (await reader.auditReader.page(0, 10_000)).filter((a) => a.action === 'change.requested').length;

  beforeAll(async () => {
    db = await createDatabase();
    let policy = template;
    for (const [id, token] of Object.entries(tokens)) policy = policy.replace(`{{sha:${id}}}`, sha(token));
    expect(policy).not.toContain('"{{sha:');
    writeFileSync(join(dir, 'policy.yaml'), policy);
    running = await startSteward(
      loadSettings({
        DATABASE_URL: db.url,
        STEWARD_CONFIG: join(dir, 'policy.yaml'),
        PORT: '0',
        HOST: '127.0.0.1',
        STEWARD_CONSOLE: 'off',
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
      }),
      { logDestination: logs },
    );
    base = `http://127.0.0.1:${running.port}`;
    reader = await openStore({ url: db.url, migrate: false });
  });
  afterAll(async () => {
    await reader?.close();
    await running?.shutdown('test');
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the named requester cannot approve the change: refused, the tally unchanged; two other SRE members approve it', async () => {
    const c = await open({ requester: 'alice' });
    expect(c).toMatchObject({
      state: 'pending',
      requester: { person: 'alice', via: 'api', token: 'deploy' },
      tally: '0 of 2 from SRE',
      // Alice sits in SRE, but she requested it: she is not asked.
      waitingOn: ['carol', 'dave'],
    });

    const self = await decide('alice', c.id);
    expect(self.ok ? 'approved' : [self.error.code, self.error.message]).toEqual([
      'AUTH.FORBIDDEN',
      'you requested this change: someone else must decide',
    ]);
    expect(await get(c.id)).toMatchObject({
      state: 'pending',
      tally: '0 of 2 from SRE',
      approvals: [],
      waitingOn: ['carol', 'dave'],
    });

    expect((await decide('carol', c.id)).ok).toBe(true);
    expect(await get(c.id)).toMatchObject({ state: 'pending', tally: '1 of 2 from SRE' });
    expect((await decide('dave', c.id)).ok).toBe(true);
    const done = await get(c.id);
    expect(done).toMatchObject({ state: 'approved', tally: '2 of 2 from SRE ✓', waitingOn: [] });
    expect(done.approvals.map((a: { person: string }) => a.person)).toEqual(['carol', 'dave']);

    // The card says who asked and through which token.
    const shown = await running.steward.execute(as('bob'), { kind: 'change.show', change: Number(c.id.slice(4)) });
    const card = shown.ok ? shown.value.cards[0] : undefined;
    expect(plain(card?.fields?.find((f) => f.label === 'Requested by')?.value ?? [])).toBe(
      '@Alice Example through the API (token deploy)',
    );

    // The audit entry records the token as the actor and the person it named.
    const [requested] = (await reader.auditReader.bySubject(`change:${c.id}`, 50)).filter(
      (a) => a.action === 'change.requested',
    );
    expect(requested!.actor).toEqual({ platform: 'api', platformUserId: 'deploy' });
    expect(JSON.parse(requested!.after!).requester).toEqual({ person: 'alice', via: 'api', token: 'deploy' });
  });

  it('a requester may be named by their Slack or Discord user id', async () => {
    expect((await open({ requester: 'U0BOB', title: 'Deploy payments 4.2.1' })).requester).toEqual({
      person: 'bob',
      via: 'api',
      token: 'deploy',
    });
    expect((await open({ requester: '111111111111111111', title: 'Deploy payments 4.2.2' })).requester).toEqual({
      person: 'alice',
      via: 'api',
      token: 'deploy',
    });
  });

  it('refuses a requester the token may not name, an unknown person, and (requireRequester) a body naming nobody: 422 on `requester`, nothing created', async () => {
    const before = await changeCount();
    expect(await refused({ requester: 'alice' }, tokens['deploy-bob'])).toEqual({
      requester: 'alice may not be named by token deploy-bob',
    });
    expect(await refused({ requester: 'U0ALICE' }, tokens['deploy-bob'])).toEqual({
      requester: 'alice may not be named by token deploy-bob',
    });
    expect(await refused({ requester: 'alice' }, tokens['ci-plain'])).toEqual({
      requester: 'token ci-plain may not name a requester: its policy entry lists no people',
    });
    expect(await refused({ requester: 'zed' })).toEqual({
      requester: 'zed is no person of the policy (name a person id, or their Slack or Discord user id)',
    });
    expect((await refused({})).requester).toMatch(/^name the person who requests this change/);
    expect((await refused({ requester: '' })).requester).toMatch(/name a person/);
    // Problems of the fields themselves are reported with it.
    expect(await refused({ requester: 'zed', title: 'ab' })).toEqual({
      title: 'Use at least 3 characters',
      requester: 'zed is no person of the policy (name a person id, or their Slack or Discord user id)',
    });
    expect(await changeCount()).toBe(before);
  });

  it('a rule with match.via: api applies to the change a pipeline opens, not to the same change requested from chat', async () => {
    // Bob requests it from chat (Slack): the catch-all rule, one owner of Payments API besides him.
    const form = await running.steward.submit(
      as('bob'),
      { kind: 'change.request', nonce: `n-${randomBytes(4).toString('hex')}` },
      {
        title: 'Deploy payments 4.3.0',
        service: 'payments-api',
        kind: 'normal-medium',
        window: 'now +1h',
        details: 'Roll out build 4.3.0; roll back by redeploying 4.2.0.',
      },
    );
    expect(form.ok, JSON.stringify(form)).toBe(true);
    const fromChat = await get((form.ok ? form.value.cards[0]!.title.split(' ')[0] : 'CHG-0')!);
    expect(fromChat).toMatchObject({
      requester: { person: 'bob', via: 'chat', platform: 'slack' },
      tally: 'owners 0 of 1',
      waitingOn: ['alice'],
    });

    // The same change, with the same requester, opened by the pipeline: two from SRE.
    const fromApi = await open({
      requester: 'bob',
      title: 'Deploy payments 4.3.0',
      details: 'Roll out build 4.3.0; roll back by redeploying 4.2.0.',
    });
    expect(fromApi).toMatchObject({
      requester: { person: 'bob', via: 'api', token: 'deploy' },
      tally: '0 of 2 from SRE',
      waitingOn: ['alice', 'carol', 'dave'],
    });

    // One owner's approval settles the chat change; the API change needs a second SRE member.
    expect((await decide('alice', fromChat.id)).ok).toBe(true);
    expect((await decide('alice', fromApi.id)).ok).toBe(true);
    expect((await get(fromChat.id)).state).toBe('approved');
    expect(await get(fromApi.id)).toMatchObject({ state: 'pending', tally: '1 of 2 from SRE' });

    // A standard change stays pre-approved through the API (the first rule matches before via).
    expect(
      await open({ requester: 'bob', kind: 'standard', risk: undefined, title: 'Scale the payments workers' }),
    ).toMatchObject({ state: 'approved', tally: 'pre-approved' });
  });
});
