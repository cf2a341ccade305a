// A status page with something of everything, for the API shape tests: an unresolved incident with
// several updates, a resolved one, a maintenance in progress and one upcoming, grouped and
// ungrouped components. Returns every API body.
import { createSqliteDatabase } from '../support/databases.js';
import { API, DISCORD, SLACK, statusSteward } from './support.js';

export async function apiPicture(): Promise<Record<(typeof API)[number], Record<string, any>>> {
  const db = createSqliteDatabase();
  const cleanup: Array<() => Promise<void>> = [];
  try {
    const t = await statusSteward(db, Date.UTC(2025, 2, 3, 9, 0), (fn) => cleanup.push(fn));
    await t.declare({ title: 'Ledger drift', severity: 'SEV3', service: 'ledger' });
    await t.publish(1, { title: 'Ledger totals delayed', message: 'Totals are late.' });
    await t.chat.command('slack', SLACK.alice, 'incident', 'resolve INC-1 caught up');
    await t.declare({ title: 'Checkout down', severity: 'SEV1', service: 'payments-api' });
    await t.publish(2, { title: 'Checkout is failing', components: 'payments: major_outage\nedge: partial_outage' });
    await t.chat.discord(DISCORD.alice, 'incident', 'update', {
      text: 'Fix deploying.',
      incident: 'INC-2',
      public: true,
    });
    await t.chat.command('slack', SLACK.alice, 'incident', 'status INC-2 monitoring');
    const now = await t.change(
      { title: 'Resize ledger', service: 'ledger', kind: 'normal-high', window: 'now +2h' },
      SLACK.alice,
      SLACK.bob,
    );
    await t.chat.command('slack', SLACK.alice, 'change', `start CHG-${now}`);
    await t.change(
      { title: 'Edge upgrade', service: 'edge-gateway', kind: 'normal-medium', window: '2025-03-04 09:00 +1h' },
      SLACK.dave,
      SLACK.carol,
    );
    await t.settled();
    const out = {} as Record<(typeof API)[number], Record<string, any>>;
    for (const path of API) out[path] = await t.api(path);
    return out;
  } finally {
    for (const fn of cleanup.reverse()) await fn();
    await db.drop();
  }
}
