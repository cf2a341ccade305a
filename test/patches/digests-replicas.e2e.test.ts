// Two whole Stewards (HTTP server, Bolt app, calendar scheduler, outbox) on one PostgreSQL
// database, each with its own Slack workspace fake, and one clock the test moves: at 09:00 in New
// York both plan the Payments digest, and it is posted once in all (not once per replica), for two
// occurrences in a row; then one replica stops, the other misses nothing and posts the next one.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { importReport } from '../../src/core/patches/findings/importer.js';
import { openStore } from '../../src/store/index.js';
import { createPgDatabase, describePg, type TestDatabase } from '../support/databases.js';
import { generatedVulns, trivyReport } from '../support/reports.js';
import { ManualClock, type StewardSlack, startStewardSlack } from '../support/steward-slack.js';
import { until } from '../support/wait.js';
import { fixedClock } from '../support/clock.js';

const POLICY = new URL('../fixtures/changes-e2e.policy.yaml', import.meta.url).pathname;
const DAY = 86_400_000;
/** Tuesday 2026-12-01, one second before 09:00 in New York. */
const T0 = Date.parse('2026-12-01T13:59:59.000Z');
const PAYMENTS = 'C0PAYMENTS';

await describePg('two Stewards on one PostgreSQL post each digest once', () => {
  const clock = new ManualClock(T0, { realTimers: true });
  let db: TestDatabase;
  let a: StewardSlack;
  let b: StewardSlack;

  beforeAll(async () => {
    db = await createPgDatabase();
    // Each replica's close drops the database it was given: only the last one does.
    const keep: TestDatabase = { ...db, drop: async () => {} };
    const start = (database: TestDatabase) =>
      startStewardSlack({
        clock,
        database,
        env: { STEWARD_CONFIG: POLICY },
        fake: {
          channels: [
            { id: PAYMENTS, name: 'payments' },
            { id: 'C0PLATFORM', name: 'platform' },
            { id: 'C0INCIDENTS', name: 'incidents' },
          ],
        },
      });
    a = await start(keep);
    b = await start(keep);
    const store = await openStore({ url: db.url });
    try {
      const r = await importReport(
        { store, clock: fixedClock(T0 - 20 * DAY), dir: a.running.steward.dir },
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
  });
  afterAll(async () => {
    await a?.close().catch(() => undefined);
    await b?.close().catch(() => undefined);
    await db?.drop();
  });

  const digests = (s: StewardSlack) =>
    s.fake
      .channelMessages(PAYMENTS)
      .filter((m) => JSON.stringify(m.blocks ?? []).includes('Patch SLA digest · Payments'));
  const total = () => digests(a).length + (b ? digests(b).length : 0);

  it('both plan 09:00; the digest is posted once in all, on one of the two workspaces', async () => {
    await clock.advance(1000);
    const [x, y] = await Promise.all([a.running.calendar.runDue(), b.running.calendar.runDue()]);
    const results = [...x, ...y].filter((o) => o.scope === 'payments').map((o) => o.result);
    expect(results.filter((r) => r === 'done')).toHaveLength(1);
    await until('the digest to be posted', () => total() >= 1, 10_000);
    // Give a second post (there must be none) time to appear.
    await new Promise((r) => setTimeout(r, 500));
    expect(total()).toBe(1);
    const text = JSON.stringify([...digests(a), ...digests(b)][0]!.blocks);
    expect(text).toContain('2 overdue');
  });

  it('the next day again once; with one replica stopped the other posts the following one', async () => {
    await clock.advance(DAY);
    await Promise.all([a.running.calendar.runDue(), b.running.calendar.runDue()]);
    await until('the second digest', () => total() >= 2, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(total()).toBe(2);
    const before = digests(b).length;
    await a.close();
    await clock.advance(DAY);
    await b.running.calendar.runDue();
    await until('the third digest', () => digests(b).length === before + 1, 10_000);
    const third = JSON.stringify(digests(b).at(-1)!.blocks);
    expect(third).toContain('unchanged since the last digest');
  });
});
