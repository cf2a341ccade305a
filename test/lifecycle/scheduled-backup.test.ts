// The scheduled backup on the injected clock: each occurrence of backup.schedule.cron (in its time
// zone) writes one encrypted backup into the folder, the newest `keep` stay, the last success is
// the metric steward_backup_last_success_timestamp_seconds (also after a restart); a failed backup
// and a missing one (nobody ran the occurrence) are told to the operators' channel once.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { Steward } from '../../src/core/steward.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { CalendarScheduler } from '../../src/scheduler/calendar.js';
import { restoreAndCheck } from '../../src/store/backup/drill.js';
import { migrateDatabase, openStore } from '../../src/store/index.js';
import { keyPair } from '../support/backups.js';
import { ManualClock } from '../support/clock.js';
import { createSqliteDatabase, forEachDialect } from '../support/databases.js';
import { ChatRecorder } from '../support/dispatch.js';

const log = createLogger({ level: 'silent', secrets: [] });

await forEachDialect('scheduled backup', ({ createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it(
    'writes one backup per occurrence, keeps the newest, reports the last success, tells failed and missing ones',
    { timeout: 120_000 },
    async () => {
      const key = await keyPair();
      const folder = path.join(mkdtempSync(path.join(tmpdir(), 'steward-scheduled-')), 'backups');
      const text = (recipients: string[]) => `
timezone: UTC
people: [{ id: olga, name: Olga Ops }]
teams: [{ id: ops, name: Ops, members: [olga] }]
backup:
  recipients: [${recipients.join(', ')}]
  schedule: { cron: "0 2 * * *", timezone: Europe/Berlin, directory: ${JSON.stringify(folder)}, keep: 2, grace: 1h }
  notify: { slack: C0OPS }
`;
      const db = await createDatabase();
      cleanup.push(() => db.drop());
      const store = await openStore({ url: db.url, migrate: true, backup: { steward: 'test' } });
      cleanup.push(() => store.close());
      // 00:59:50 UTC = 01:59:50 in Berlin (winter).
      const clock = new ManualClock('2026-11-02T00:59:50.000Z');
      const metrics = new Metrics({ defaults: false });
      const start = (at?: string) => {
        const steward = new Steward({
          store,
          clock,
          policy: parsePolicy(text([key.recipient])),
          modules: STANDARD_MODULES,
          hooks: { onBackup: (r) => r.ok && metrics.backupLastSuccess.set(r.at.getTime() / 1000) },
        });
        const gw = new ChatRecorder();
        steward.gateways.set('console', gw);
        const calendar = new CalendarScheduler(
          { jobRuns: store.jobRuns, clock, dir: () => steward.dir, holder: at ?? 'test', log },
          steward.jobs().calendar,
        );
        cleanup.push(async () => {
          await calendar.stop();
          await steward.stop();
        });
        return { steward, gw, calendar };
      };
      const gauge = async () =>
        Number(/^steward_backup_last_success_timestamp_seconds (\S+)$/m.exec(await metrics.registry.metrics())?.[1]);

      const { steward, gw, calendar } = start();
      await calendar.start();
      expect(await gauge()).toBe(0);
      const days = ['2026-11-02', '2026-11-03', '2026-11-04'];
      for (const day of days) {
        await clock.set(`${day}T01:00:00.000Z`);
        await calendar.runDue();
      }
      expect(readdirSync(folder).sort()).toEqual(['steward-20261103T010000Z.age', 'steward-20261104T010000Z.age']);
      expect(await gauge()).toBe(Date.parse('2026-11-04T01:00:00.000Z') / 1000);
      const written = (await store.auditReader.page(0, 100)).filter((e) => e.action === 'backup.written');
      expect(written.map((e) => JSON.parse(e.after!).removed)).toEqual([[], [], ['steward-20261102T010000Z.age']]);

      // The newest backup restores, and its audit log verifies.
      const target = createSqliteDatabase();
      cleanup.push(() => target.drop());
      const restored = await restoreAndCheck({
        file: path.join(folder, 'steward-20261104T010000Z.age'),
        identities: [key.identity],
        url: target.url,
        migrate: (url, upTo) => migrateDatabase(url, { upTo }),
      });
      expect(restored.audit.ok).toBe(true);
      expect(restored.mismatched).toEqual([]);

      // A failure: the policy loses its recipients. Recorded, told once, the occurrence marked failed.
      await steward.replacePolicy(parsePolicy(text([])));
      await clock.set('2026-11-05T01:00:00.000Z');
      await calendar.runDue();
      await steward.outbox.kick();
      expect(gw.log.filter((l) => l.includes('Scheduled backup'))).toEqual([
        expect.stringMatching(/^\[#operators\] .*Scheduled backup failed/),
      ]);
      const failed = (await store.auditReader.page(0, 100)).filter((e) => e.action === 'backup.failed');
      expect(JSON.parse(failed[0]!.after!)).toMatchObject({
        occurrence: '2026-11-05T01:00:00.000Z',
        error: expect.stringMatching(/^no backup recipient/),
      });
      expect(readdirSync(folder)).toHaveLength(2);

      // The failed occurrence is not also "missing"; the watch tells nothing yet.
      const watch = steward.jobs().interval.find((j) => j.name === 'backup-watch')!;
      await clock.set('2026-11-05T03:00:00.000Z');
      await watch.run(clock.now());
      await steward.outbox.kick();
      expect(gw.log.filter((l) => l.includes('Scheduled backup'))).toHaveLength(1);

      // Missing: the next occurrence is run by nobody (the scheduler stopped); an hour after its time
      // the watch tells the operators, once.
      await calendar.stop();
      await steward.replacePolicy(parsePolicy(text([key.recipient])));
      await clock.set('2026-11-06T01:30:00.000Z');
      await watch.run(clock.now());
      expect(gw.log.filter((l) => l.includes('Scheduled backup missing'))).toHaveLength(0);
      await clock.set('2026-11-06T02:05:00.000Z');
      await watch.run(clock.now());
      await watch.run(clock.now());
      await steward.outbox.kick();
      const missing = gw.log.filter((l) => l.includes('Scheduled backup missing'));
      expect(missing).toEqual([expect.stringMatching(/^\[#operators\]/)]);

      // After a restart the metric shows the last success recorded, before any new backup.
      const again = new Metrics({ defaults: false });
      const restarted = new Steward({
        store,
        clock,
        policy: parsePolicy(text([key.recipient])),
        modules: STANDARD_MODULES,
        hooks: { onBackup: (r) => r.ok && again.backupLastSuccess.set(r.at.getTime() / 1000) },
      });
      cleanup.push(() => restarted.stop());
      restarted.start();
      await new Promise((r) => setTimeout(r, 200));
      expect(/^steward_backup_last_success_timestamp_seconds (\S+)$/m.exec(await again.registry.metrics())?.[1]).toBe(
        String(Date.parse('2026-11-04T01:00:00.000Z') / 1000),
      );
    },
  );
});
