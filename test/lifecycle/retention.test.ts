// Retention and disposal on SQLite and PostgreSQL with the injected clock: a 90-day retention run,
// fired by the calendar scheduler at its time, disposes of what is past it in batches (closed
// incidents with their timelines and pages, decided changes, resolved alert groups, fixed findings
// with their events and exceptions, form drafts, the oldest audit entries) and keeps what an open
// item refers to (a running page's incident, a finding a running page pages for, an open
// finding's exception); the audit chain still verifies from its checkpoint, the run is recorded,
// `dispose --dry-run` said the same beforehand, and a second run finds nothing.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { verifyAuditLog } from '../../src/core/audit/audit.js';
import { importReport } from '../../src/core/patches/findings/importer.js';
import { Steward } from '../../src/core/steward.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { createLogger } from '../../src/observability/logger.js';
import { CalendarScheduler } from '../../src/scheduler/calendar.js';
import { openStore } from '../../src/store/index.js';
import { ManualClock } from '../support/clock.js';
import { count, tableDigests } from '../support/backups.js';
import { execSql, forEachDialect } from '../support/databases.js';
import { ChatRecorder } from '../support/dispatch.js';
import { runCli, spawnSteward } from '../support/process.js';
import { generatedVulns, trivyReport } from '../support/reports.js';

const EXAMPLE = readFileSync(new URL('../../manifests/policy.example.yaml', import.meta.url), 'utf8');
const RETENTION = `
retention:
  cron: "30 3 * * *"
  incidents: 90d
  changes: 90d
  alerts: 90d
  pages: 90d
  findings: 90d
  drafts: 1d
  audit: 90d
  batch: 2
`;
const DAY = 86_400_000;
const T0 = new Date('2026-01-05T10:00:00.000Z');
const iso = (t: Date | number) => new Date(t).toISOString();
/** The first 03:30 after the 92nd day. */
const AT_JOB = '2026-04-08T03:30:00.000Z';

await forEachDialect('retention', ({ createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it(
    'a 90-day run disposes of what is past it, keeps what open items refer to, and leaves a verifiable chain',
    { timeout: 120_000 },
    async () => {
      const db = await createDatabase();
      cleanup.push(() => db.drop());
      const clock = new ManualClock(T0);
      const store = await openStore({ url: db.url, migrate: true });
      cleanup.push(() => store.close());
      const policy = parsePolicy(EXAMPLE + RETENTION);
      const steward = new Steward({ store, clock, policy, modules: STANDARD_MODULES });
      cleanup.push(() => steward.stop());
      steward.gateways.set('console', new ChatRecorder());
      const as = (userId: string) => ({ platform: 'console' as const, userId, requestId: 'test' });

      // Two incidents declared with a page: INC-1 is resolved with its page; INC-2 is resolved but
      // a page that still runs refers to it.
      for (const title of ['Checkout down', 'Ledger slow']) {
        const form = await steward.execute(as('alice'), { kind: 'incident.declare', title });
        if (!form.ok || !form.value.form) throw new Error('no form');
        const r = await steward.submit(as('alice'), form.value.form.target, {
          title,
          severity: 'SEV2',
          service: 'payments-api',
          summary: 'seen by customers',
          page: 'yes',
        });
        expect(r.ok).toBe(true);
      }
      await steward.outbox.kick();
      for (const n of [1, 2])
        expect(
          (await steward.execute(as('alice'), { kind: 'incident.resolve', incident: n, summary: 'fixed' })).ok,
        ).toBe(true);
      await steward.outbox.kick();
      const pages = await store.transaction((tx) => tx.pages.list({}));
      expect(pages.map((p) => [p.incidentNumber, p.status]).sort()).toEqual([
        [1, 'resolved'],
        [2, 'resolved'],
      ]);

      // Findings: ten imported, five fixed a day later; one fixed finding still pages (its breach
      // page runs), one open finding and one fixed finding have an exception.
      const dir = steward.dir;
      const imp = async (n: number) => {
        const r = await importReport(
          { store, clock, dir },
          {
            serviceId: 'payments-api',
            input: trivyReport(generatedVulns(10).slice(0, n)),
            actor: { platform: 'cli', platformUserId: 'ci' },
            by: 'cli:ci',
          },
        );
        if (!r.ok) throw new Error(r.reason);
      };
      await imp(10);
      await clock.set(T0.getTime() + DAY);
      await imp(5);
      const findings = await store.transaction(async (tx) => (await tx.findings.listOpen({}, 0, 100)).findings);
      expect(findings).toHaveLength(5);
      const ids = { open: findings[0]!.id, fixed: [6, 7, 8, 9, 10] };
      const t1 = iso(T0.getTime() + DAY);
      const sql = [
        // A running page (acknowledged) of the closed INC-2, and one paging for fixed finding 6.
        `INSERT INTO "page" ("number","key","message","status","path","created_platform","created_at","step_seq","notified","version","updated_at","incident_number","service_id")
         VALUES (100,'manual:inc-2','still on it','acknowledged','{}','console','${t1}',0,'[]',1,'${t1}',2,'payments-api'),
                (101,'finding:6:breach','overdue','open','{}','console','${t1}',0,'[]',1,'${t1}',NULL,'payments-api')`,
        `INSERT INTO "exception" ("number","key","finding_id","service_id","justification","until","requirements","state","requested_by","requested_platform","requested_user_id","requested_at","version","updated_at")
         VALUES (1,'e1',${ids.open},'payments-api','vendor fix pending','${iso(T0.getTime() + 400 * DAY)}','[]','accepted','alice','console','alice','${t1}',1,'${t1}'),
                (2,'e2',7,'payments-api','was accepted','${iso(T0.getTime() + 400 * DAY)}','[]','accepted','alice','console','alice','${t1}',1,'${t1}')`,
        `INSERT INTO "change" ("number","key","title","service_id","kind","window_start","window_end","details","rule","flags","approval","phase","requested_by","requested_platform","requested_user_id","requested_at","expires_at","version","updated_at")
         VALUES (1,'c1','Rotate keys','payments-api','standard','${t1}','${t1}','','{}','{}','approved','completed','alice','console','alice','${t1}','${t1}',3,'${t1}'),
                (2,'c2','Upgrade db','payments-api','normal','${t1}','${t1}','','{}','{}','pending','requested','alice','console','alice','${t1}','${iso(T0.getTime() + 400 * DAY)}',1,'${t1}')`,
        `INSERT INTO "alert_group" ("number","integration","group_key","source","service_id","title","labels","links","state","firing","resolved","created_at","version","updated_at","resolved_at")
         VALUES (1,'am','g1','alertmanager','payments-api','CPU','{}','[]','resolved',0,1,'${t1}',2,'${t1}','${t1}')`,
        `INSERT INTO "alert_event" ("group_id","at","text") SELECT "id",'${t1}','resolved' FROM "alert_group" WHERE "number" = 1`,
        `INSERT INTO "form_draft" ("nonce","kind","field_values","created_at") VALUES ('n1','incident.declare','{}','${t1}')`,
      ];
      for (const s of sql) await execSql(db.url, s);

      // 92 days later something new happens, then the dry run says what would go.
      await clock.set(T0.getTime() + 92 * DAY);
      await store.transaction((tx) =>
        tx.audit.append({ actor: { platform: 'system' }, action: 'test.recent', subject: 'recent' }, clock.now()),
      );
      const entries = await store.auditReader.count();
      const before = await tableDigests(db.url);
      const lines: string[] = [];
      const io = { out: (s: string) => lines.push(s), err: (s: string) => lines.push(`ERR ${s}`) };
      expect(await steward.cli('dispose', 'ops', { args: [], options: { 'dry-run': 'true' } }, io)).toBe(0);
      const cutoff = iso(T0.getTime() + 2 * DAY);
      expect(lines.join('\n')).toBe(
        [
          `dry run: would dispose of (retention at ${iso(T0.getTime() + 92 * DAY)}):`,
          `  incidents       1  closed incidents, closed before ${cutoff}; 1 kept: an open item refers to them`,
          `  changes         1  decided changes, last updated before ${cutoff}`,
          `  alerts          1  resolved alert groups, resolved before ${cutoff}`,
          `  pages           2  resolved pages, resolved before ${cutoff}`,
          `  findings        4  fixed findings, fixed before ${cutoff}; 1 kept: an open item refers to them`,
          `  drafts          1  form drafts, saved before ${iso(T0.getTime() + 91 * DAY)}`,
          `  audit       ${String(entries - 1).padStart(5)}  audit entries, written before ${cutoff}`,
        ].join('\n'),
      );
      expect(await tableDigests(db.url)).toEqual(before);

      // The daily job, at its time (03:30 in the policy's time zone), through the calendar scheduler.
      const calendar = new CalendarScheduler(
        {
          jobRuns: store.jobRuns,
          clock,
          dir: () => steward.dir,
          holder: 'test',
          log: createLogger({ level: 'silent', secrets: [] }),
        },
        steward.jobs().calendar,
      );
      await clock.set(Date.parse(AT_JOB) - 10_000);
      await calendar.start();
      cleanup.push(() => calendar.stop());
      await clock.set(Date.parse(AT_JOB));
      // The run the clock's timer started, settled.
      await calendar.runDue();
      expect(await count(db.url, 'job_run', `"job" = 'retention' AND "state" = 'done'`)).toBe(1);

      // Gone: INC-1 with its timeline and page, the completed change, the alert group with its
      // events, four fixed findings with their events and exception, the draft, the old entries.
      const left = await store.transaction(async (tx) => ({
        incidents: (await tx.incidents.list({})).map((i) => i.number),
        pages: (await tx.pages.list({})).map((p) => p.number).sort((a, b) => a - b),
      }));
      expect(left).toEqual({ incidents: [2], pages: [100, 101] });
      expect(await count(db.url, 'timeline_entry', `"incident_id" NOT IN (SELECT "id" FROM "incident")`)).toBe(0);
      expect(await count(db.url, 'page_step', `"page_id" NOT IN (SELECT "id" FROM "page")`)).toBe(0);
      expect(await count(db.url, 'change')).toBe(1);
      expect(await count(db.url, 'alert_group')).toBe(0);
      expect(await count(db.url, 'alert_event')).toBe(0);
      expect(await count(db.url, 'finding')).toBe(6);
      expect(await count(db.url, 'finding', `"state" = 'fixed'`)).toBe(1);
      expect(await count(db.url, 'finding_event', `"finding_id" NOT IN (SELECT "id" FROM "finding")`)).toBe(0);
      expect(await count(db.url, 'exception')).toBe(1);
      expect(await count(db.url, 'exception', `"finding_id" = ${ids.open}`)).toBe(1);
      expect(await count(db.url, 'form_draft')).toBe(0);

      // The chain verifies from its checkpoints; what went is recorded, batch by batch and in sum.
      const v = await verifyAuditLog(store.auditReader);
      expect(v.ok).toBe(true);
      const first = (await store.auditReader.page(0, 1))[0]!;
      expect(first.seq).toBeGreaterThan(1);
      expect(first.action).toBe('test.recent');
      const after = await store.auditReader.page(first.seq, 1000);
      const disposed = after.filter((e) => e.action === 'retention.disposed').map((e) => JSON.parse(e.after!));
      // Batches of two, in id order: 6 is kept (its breach page runs), then 7, then 8 and 9, then 10.
      expect(disposed.filter((d) => d.kind === 'findings').map((d) => [d.records, d.first, d.last])).toEqual([
        [1, 7, 7],
        [2, 8, 9],
        [1, 10, 10],
      ]);
      const jobCutoff = iso(Date.parse(AT_JOB) - 90 * DAY);
      expect(disposed.filter((d) => d.kind !== 'drafts').every((d) => d.cutoff === jobCutoff)).toBe(true);
      const checkpoints = after.filter((e) => e.action === 'audit.checkpoint');
      expect(checkpoints.length).toBeGreaterThanOrEqual(Math.ceil((entries - 1) / 2));
      const run = after.find((e) => e.action === 'retention.run');
      expect(JSON.parse(run!.after!).kinds).toMatchObject({
        incidents: { records: 1, kept: 1 },
        findings: { records: 4, kept: 1 },
        audit: { records: entries - 1 },
      });

      // Again: nothing more to go (checkpoints and records are recent), the chain still verifies.
      lines.length = 0;
      expect(await steward.cli('dispose', 'ops', { args: [], options: {} }, io)).toBe(0);
      expect(lines.slice(1).every((l) => / {6}0 {2}/.test(l))).toBe(true);
      expect((await verifyAuditLog(store.auditReader)).ok).toBe(true);

      // Removing an entry at the start past the checkpoint is tampering, and is reported.
      await execSql(db.url, `DELETE FROM "audit_entry" WHERE "seq" = ${first.seq}`);
      const broken = await verifyAuditLog(store.auditReader);
      expect(broken).toMatchObject({ ok: false, problem: { reason: 'checkpoint_missing', seq: first.seq + 1 } });
    },
  );

  it(
    'a run killed half-way lost nothing: what went is recorded, the chain verifies, the next run finishes',
    { timeout: 180_000 },
    async () => {
      const db = await createDatabase();
      cleanup.push(() => db.drop());
      // The CLI runs on the real clock: the findings were fixed 200 days ago.
      const t0 = new Date(Date.now() - 200 * DAY);
      const clock = new ManualClock(t0);
      const store = await openStore({ url: db.url, migrate: true });
      const policyText = EXAMPLE + RETENTION.replace('batch: 2', 'batch: 5');
      const dir = new Steward({ store, clock, policy: parsePolicy(policyText), modules: STANDARD_MODULES }).dir;
      const N = 4000;
      for (const [at, n] of [
        [t0, N],
        [new Date(t0.getTime() + DAY), 0],
      ] as const) {
        await clock.set(at);
        const r = await importReport(
          { store, clock, dir },
          {
            serviceId: 'payments-api',
            input: trivyReport(generatedVulns(N).slice(0, n)),
            actor: { platform: 'cli', platformUserId: 'ci' },
            by: 'cli:ci',
          },
        );
        if (!r.ok) throw new Error(r.reason);
      }
      await store.close();
      const folder = mkdtempSync(path.join(tmpdir(), 'steward-retention-'));
      writeFileSync(path.join(folder, 'policy.yaml'), policyText);
      const env = { DATABASE_URL: db.url, STEWARD_CONFIG: path.join(folder, 'policy.yaml'), NODE_ENV: 'test' };
      const recorded = async () => {
        const s = await openStore({ url: db.url });
        try {
          const all = await s.auditReader.page(0, 100_000);
          return all
            .filter((e) => e.action === 'retention.disposed')
            .reduce((sum, e) => sum + (JSON.parse(e.after!) as { records: number }).records, 0);
        } finally {
          await s.close();
        }
      };

      const p = spawnSteward('src/cli.ts', ['dispose'], env);
      p.child.stdin.end();
      while ((await count(db.url, 'audit_entry', `"action" = 'retention.disposed'`)) < 3) {
        if (p.child.exitCode !== null)
          throw new Error(`dispose ended before it was killed:\n${p.stdout()}${p.stderr()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      p.child.kill('SIGKILL');
      expect((await p.exited).signal).toBe('SIGKILL');
      const gone = N - (await count(db.url, 'finding'));
      expect(gone).toBeGreaterThan(0);
      expect(gone).toBeLessThan(N);
      expect(await recorded()).toBe(gone);
      expect(await count(db.url, 'finding_event', `"finding_id" NOT IN (SELECT "id" FROM "finding")`)).toBe(0);
      const s1 = await openStore({ url: db.url });
      expect((await verifyAuditLog(s1.auditReader)).ok).toBe(true);
      await s1.close();

      const again = await runCli(['dispose'], env);
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`  findings  ${String(N - gone).padStart(7)}  fixed findings`);
      expect(await count(db.url, 'finding')).toBe(0);
      expect(await recorded()).toBe(N);
      const verify = await runCli(['audit', 'verify'], env);
      expect(verify.code).toBe(0);
      expect(verify.stdout).toMatch(/^audit log intact: \d+ entries verified; head \d+:[0-9a-f]{64}/);
    },
  );
});
