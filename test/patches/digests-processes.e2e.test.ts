// Two real Steward processes (`node src/main.ts`, as `npm start` runs) on one PostgreSQL database and
// one Slack workspace, with a digest every minute (real time: a process takes no injected clock).
// Both plan the same occurrence after they are up; each occurrence is claimed by one of them and
// posted once in the team channel, never twice.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { Directory } from '../../src/core/directory.js';
import { importReport } from '../../src/core/patches/findings/importer.js';
import { openStore } from '../../src/store/index.js';
import { FakeSlack, SLACK_USERS } from '../fakes/slack.js';
import { createPgDatabase, describePg, type TestDatabase } from '../support/databases.js';
import { spawnSteward, type StewardProcess } from '../support/process.js';
import { generatedVulns, trivyReport } from '../support/reports.js';
import { APP_TOKEN, BOT_TOKEN, SIGNING_SECRET } from '../support/steward-slack.js';
import { until } from '../support/wait.js';
import { offsetClock } from '../support/clock.js';

const POLICY = `
timezone: UTC
people:
  - { id: alice, name: Alice Adams, slack: U0ALICE }
teams:
  - { id: payments, name: Payments, members: [alice], channels: { slack: C0PAYMENTS } }
services:
  - { id: payments-api, name: Payments API, team: payments, tier: 2, owners: [alice] }
patches:
  digest: { cron: "* * * * *" }
`;
const DAY = 86_400_000;

await describePg('two Steward processes on one PostgreSQL', () => {
  let db: TestDatabase;
  let slack: FakeSlack;
  let dir: string;
  const procs: StewardProcess[] = [];

  beforeAll(async () => {
    db = await createPgDatabase();
    dir = mkdtempSync(join(tmpdir(), 'steward-digests-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    const store = await openStore({ url: db.url, migrate: true });
    try {
      const loaded = parsePolicy(POLICY);
      const r = await importReport(
        { store, clock: offsetClock(-20 * DAY), dir: new Directory(loaded.policy, loaded.sha256) },
        {
          serviceId: 'payments-api',
          input: trivyReport(generatedVulns(8)),
          actor: { platform: 'cli' },
          by: 'cli:test',
        },
      );
      if (!r.ok) throw new Error(r.reason);
    } finally {
      await store.close();
    }
    slack = await FakeSlack.start({
      botToken: BOT_TOKEN,
      appToken: APP_TOKEN,
      users: [SLACK_USERS.alice],
      channels: [{ id: 'C0PAYMENTS', name: 'payments' }],
    });
  });
  afterAll(async () => {
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
    await slack?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("each minute's digest is claimed by one process and posted once", { timeout: 150_000 }, async () => {
    for (const replica of ['replica-a', 'replica-b']) {
      procs.push(
        spawnSteward('src/main.ts', [], {
          DATABASE_URL: db.url,
          STEWARD_CONSOLE: 'off',
          HOST: '127.0.0.1',
          STEWARD_CONFIG: join(dir, 'policy.yaml'),
          STEWARD_REPLICA_ID: replica,
          SLACK_BOT_TOKEN: BOT_TOKEN,
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: slack.apiUrl,
        }),
      );
    }
    await Promise.all(procs.map((p) => p.waitFor(/"port":\d+/, 60_000)));
    // Both are up: the next minute's occurrence is planned by both.
    const bothUp = Date.now();
    const runs = async () => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        return (
          await c.query<{ occurrence: Date; claimed_by: string; state: string }>(
            "select occurrence, claimed_by, state from job_run where job = 'patch-digest:payments' order by occurrence",
          )
        ).rows;
      } finally {
        await c.end();
      }
    };
    const digests = () =>
      slack
        .channelMessages('C0PAYMENTS')
        .filter((m) => JSON.stringify(m.blocks ?? []).includes('Patch SLA digest · Payments'));
    for (const deadline = Date.now() + 75_000; ; await new Promise((r) => setTimeout(r, 250))) {
      if ((await runs()).some((r) => r.occurrence.getTime() > bothUp && r.state === 'done')) break;
      if (Date.now() > deadline)
        throw new Error(
          `no digest occurrence after both processes were up: ${JSON.stringify(await runs())}\n${procs.map((p) => p.stderr()).join('\n')}`,
        );
    }
    await until('its digest to be posted', () => digests().length >= 1, 10_000);
    // Time for a second post of the same occurrence to appear, were there one.
    await new Promise((r) => setTimeout(r, 3_000));
    const done = (await runs()).filter((r) => r.state === 'done');
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(new Set(done.map((r) => r.occurrence.toISOString())).size).toBe(done.length);
    expect(digests()).toHaveLength(done.length);
    expect(JSON.stringify(digests()[0]!.blocks)).toContain('overdue');
    // Both processes planned it; one ran it, the other lost the claim.
    const logs = procs.map((p) => p.stdout());
    expect(
      logs.filter((l) => l.includes('"calendar job ran"') && l.includes('patch-digest:payments')).length,
    ).toBeGreaterThanOrEqual(1);
  });
});
