// Patch SLAs on SQLite and PostgreSQL: importing scanner reports (new, identical again, fixed,
// reopened with the first-seen instant kept, one finding from two scanners, concurrent imports of
// one service serialized, refusals store nothing), deadlines (SLA per severity, overrides, the
// team's time zone, known exploited and KEV due dates) and their recomputation after a policy change.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import type { Policy } from '../../src/core/policy/schema.js';
import { Directory } from '../../src/core/directory.js';
import { importReport, type ImportRequest } from '../../src/core/patches/findings/importer.js';
import { DeadlineRules } from '../../src/core/patches/findings/deadlines.js';
import { importKev, recomputeDeadlines } from '../../src/core/patches/findings/refresh.js';
import type { Finding } from '../../src/core/patches/findings/model.js';
import type { Store } from '../../src/core/ports.js';
import { openStore } from '../../src/store/index.js';
import { forEachDialect } from '../support/databases.js';
import { runCli } from '../support/process.js';
import { generatedVulns, grypeReport, kevCatalog, trivyReport, type TrivyVuln } from '../support/reports.js';
import { ManualClock } from '../support/clock.js';

const POLICY = `
timezone: UTC
teams:
  - { id: payments, name: Payments, timezone: America/New_York }
  - { id: platform, name: Platform }
services:
  - { id: payments-api, name: Payments API, team: payments, tier: 1 }
  - { id: ledger, name: Ledger, team: payments, tier: 2 }
  - { id: edge, name: Edge, team: platform, tier: 3 }
`;
const base = parsePolicy(POLICY);
/** The policy with a patches section (as the policy file would give it). */
const withPatches = (patches: Record<string, unknown> | undefined, version = 'v2') =>
  new Directory({ ...base.policy, ...(patches ? { patches } : {}) } as Policy, version);
const DAY = 86_400_000;
const T0 = new Date('2026-11-02T15:00:00.000Z');

const V = (i: number, over: Partial<TrivyVuln> = {}): TrivyVuln => ({ ...generatedVulns(i + 1)[i]!, ...over });

describe('the patches policy section', () => {
  it('reads the section of PRODUCT.md; a policy without it gets the defaults', () => {
    const section = `
people: [{ id: sam, name: Sam }]
groups: [{ id: security, name: Security, members: [sam] }]
patches:
  sla: { critical: 7d, high: 30d, medium: 90d, low: 120d }
  knownExploited: 14d
  overrides:
    - match: { tier: 1 }
      sla: { critical: 3d, high: 14d }
  digest: { cron: "0 9 * * 1-5" }
  remind: { before: 3d }
  page: { severities: [critical], tiers: [1] }
  exceptions:
    maxDuration: 180d
    approve: [{ group: security, count: 1 }]
`;
    const p = parsePolicy(POLICY + section);
    const rules = new DeadlineRules(new Directory(p.policy, p.sha256));
    const f = (serviceId: string, severity: 'critical' | 'high' | 'low') =>
      rules.deadline({ serviceId, severity, firstSeenAt: T0, knownExploited: false, kevDueDate: null });
    expect([f('payments-api', 'critical'), f('payments-api', 'high'), f('edge', 'critical')]).toEqual([
      new Date(T0.getTime() + 3 * DAY),
      new Date(T0.getTime() + 14 * DAY),
      new Date(T0.getTime() + 7 * DAY),
    ]);
    const defaults = new DeadlineRules(new Directory(base.policy, base.sha256));
    expect(
      defaults.deadline({
        serviceId: 'edge',
        severity: 'low',
        firstSeenAt: T0,
        knownExploited: true,
        kevDueDate: null,
      }),
    ).toEqual(new Date(T0.getTime() + 14 * DAY));
    expect(
      defaults.deadline({
        serviceId: 'edge',
        severity: 'none',
        firstSeenAt: T0,
        knownExploited: false,
        kevDueDate: null,
      }),
    ).toBeNull();
    expect(() => parsePolicy(POLICY + 'patches:\n  sla: { critical: 7 }\n')).toThrow(/patches\.sla\.critical/);
    expect(() => parsePolicy(POLICY + 'patches:\n  overrides: [{ match: { owner: x }, sla: {} }]\n')).toThrow(
      /patches\.overrides\[0\]\.match/,
    );
    expect(() =>
      parsePolicy(POLICY + 'patches:\n  overrides: [{ match: { team: paymnets }, sla: { low: 1d } }]\n'),
    ).toThrow(/patches\.overrides\[0\]\.match\.team: unknown team "paymnets"/);
    expect(() => parsePolicy(POLICY + 'patches:\n  digest: { cron: "0 9 * *" }\n')).toThrow(
      /patches\.digest\.cron: .*five fields/,
    );
  });
});

await forEachDialect('patches', ({ dialect, createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  async function fresh(): Promise<{ store: Store; url: string }> {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    return { store, url: db.url };
  }
  const req = (input: string, over: Partial<ImportRequest> = {}): ImportRequest => ({
    serviceId: 'payments-api',
    input,
    actor: { platform: 'cli', platformUserId: 'ci' },
    by: 'cli:ci',
    ...over,
  });
  const all = async (store: Store, serviceIds?: string[]): Promise<Finding[]> =>
    (await store.transaction((tx) => tx.findings.listOpen({ serviceIds }, 0, 100_000))).findings;
  const counts = (r: Awaited<ReturnType<typeof importReport>>) => {
    if (!r.ok) throw new Error(r.reason);
    const { new: n, unchanged, fixed, reopened, suppressed } = r.summary;
    return { new: n, unchanged, fixed, reopened, suppressed };
  };

  it('imports a report: counts, one finding per key, deadlines by severity, one audit entry and one import log row', async () => {
    const { store } = await fresh();
    const clock = new ManualClock(T0);
    const vulns = generatedVulns(8);
    const r = await importReport(
      { store, clock, dir: withPatches(undefined) },
      req(trivyReport(vulns, { suppressed: [V(20)] })),
    );
    expect(r.ok && r.summary.format).toBe('trivy');
    expect(counts(r)).toEqual({ new: 8, unchanged: 0, fixed: 0, reopened: 0, suppressed: 1 });
    const open = await all(store);
    expect(open).toHaveLength(8);
    // Worst first: the critical ones (7 days) before high (30), medium (90), low (120).
    expect(open.map((f) => f.severity)).toEqual([
      'critical',
      'critical',
      'high',
      'high',
      'medium',
      'medium',
      'low',
      'low',
    ]);
    const crit = open[0]!;
    expect(crit).toMatchObject({
      serviceId: 'payments-api',
      packageName: 'pkg-0',
      installedVersion: '1.0.0',
      fixedVersions: [],
      state: 'open',
      scanners: { trivy: 'open' },
      firstSeenAt: T0,
    });
    // 7 calendar days in the payments team's zone (America/New_York): no daylight-saving change in between here.
    expect(crit.deadline).toEqual(new Date(T0.getTime() + 7 * DAY));
    expect(open.find((f) => f.severity === 'low')!.deadline).toEqual(new Date(T0.getTime() + 120 * DAY));
    const audit = await store.auditReader.page(0, 100);
    expect(audit.filter((e) => e.action === 'findings.imported').map((e) => JSON.parse(e.after!))).toEqual([
      {
        importId: 1,
        format: 'trivy',
        scanner: 'trivy',
        total: 9,
        new: 8,
        unchanged: 0,
        fixed: 0,
        reopened: 0,
        suppressed: 1,
      },
    ]);
    const log = await store.transaction((tx) => tx.findings.imports('payments-api'));
    expect(log).toMatchObject([
      { id: 1, scanner: 'trivy', format: 'trivy', total: 9, created: 8, suppressed: 1, importedBy: 'cli:ci', at: T0 },
    ]);
  });

  it('an identical re-import changes nothing; a report that drops findings fixes them; one that lists them again reopens them with their first-seen instant', async () => {
    const { store } = await fresh();
    const clock = new ManualClock(T0);
    const dir = withPatches(undefined);
    const vulns = generatedVulns(6);
    await importReport({ store, clock, dir }, req(trivyReport(vulns)));
    const before = await all(store);
    await clock.advance(DAY);
    expect(counts(await importReport({ store, clock, dir }, req(trivyReport(vulns))))).toEqual({
      new: 0,
      unchanged: 6,
      fixed: 0,
      reopened: 0,
      suppressed: 0,
    });
    expect(await all(store)).toEqual(before);

    await clock.advance(DAY);
    expect(counts(await importReport({ store, clock, dir }, req(trivyReport(vulns.slice(2)))))).toEqual({
      new: 0,
      unchanged: 4,
      fixed: 2,
      reopened: 0,
      suppressed: 0,
    });
    expect((await all(store)).map((f) => f.vulnId).sort()).toEqual(
      vulns
        .slice(2)
        .map((v) => v.id)
        .sort(),
    );
    const fixed = await store.transaction((tx) => tx.findings.byId(before[0]!.id));
    expect(fixed).toMatchObject({ state: 'fixed', scanners: {}, fixedAt: new Date(T0.getTime() + 2 * DAY) });

    await clock.advance(DAY);
    expect(counts(await importReport({ store, clock, dir }, req(trivyReport(vulns))))).toEqual({
      new: 0,
      unchanged: 4,
      fixed: 0,
      reopened: 2,
      suppressed: 0,
    });
    const back = (await store.transaction((tx) => tx.findings.byId(before[0]!.id)))!;
    expect(back).toMatchObject({ state: 'open', fixedAt: null, firstSeenAt: T0, deadline: before[0]!.deadline });
    expect((await store.transaction((tx) => tx.findings.events(back.id))).map((e) => [e.kind, e.importId])).toEqual([
      ['fixed', 3],
      ['reopened', 4],
    ]);
    expect((await store.auditReader.page(0, 100)).filter((e) => e.action === 'findings.imported')).toHaveLength(4);
  });

  it('the same vulnerability from two scanners is one finding, fixed only when neither lists it', async () => {
    const { store } = await fresh();
    const clock = new ManualClock(T0);
    const dir = withPatches(undefined);
    const vulns = generatedVulns(3);
    expect(counts(await importReport({ store, clock, dir }, req(trivyReport(vulns))))).toMatchObject({ new: 3 });
    const grype = await importReport({ store, clock, dir }, req(grypeReport(vulns)));
    expect(grype.ok && grype.summary.format).toBe('grype');
    expect(counts(grype)).toEqual({ new: 0, unchanged: 3, fixed: 0, reopened: 0, suppressed: 0 });
    expect((await all(store)).map((f) => Object.keys(f.scanners).sort())).toEqual([
      ['grype', 'trivy'],
      ['grype', 'trivy'],
      ['grype', 'trivy'],
    ]);
    // Trivy no longer sees the first: Grype still does, so it stays open.
    expect(counts(await importReport({ store, clock, dir }, req(trivyReport(vulns.slice(1)))))).toEqual({
      new: 0,
      unchanged: 2,
      fixed: 0,
      reopened: 0,
      suppressed: 0,
    });
    expect((await all(store)).find((f) => f.packageName === 'pkg-0')?.scanners).toEqual({ grype: 'open' });
    expect(counts(await importReport({ store, clock, dir }, req(grypeReport(vulns.slice(1)))))).toEqual({
      new: 0,
      unchanged: 2,
      fixed: 1,
      reopened: 0,
      suppressed: 0,
    });
    expect(await all(store)).toHaveLength(2);
  });

  it('two imports of one service at once do not interleave: the second sees all the first wrote', async () => {
    const { store, url } = await fresh();
    const clock = new ManualClock(T0);
    const dir = withPatches(undefined);
    const vulns = generatedVulns(400);
    let other: Promise<{ new: number; unchanged: number; fixed: number }>;
    if (dialect === 'postgresql') {
      // Another connection pool, as another replica would have.
      const second = await openStore({ url });
      cleanup.push(() => second.close());
      other = importReport({ store: second, clock, dir }, req(trivyReport(vulns.slice(100)))).then(counts);
    } else {
      // Another process on the same SQLite file (`steward import` while Steward runs).
      const folder = mkdtempSync(join(tmpdir(), 'steward-import-race-'));
      cleanup.push(async () => rmSync(folder, { recursive: true, force: true }));
      writeFileSync(join(folder, 'policy.yaml'), POLICY);
      writeFileSync(join(folder, 'b.json'), trivyReport(vulns.slice(100)));
      other = runCli(['import', join(folder, 'b.json'), '--service', 'payments-api'], {
        DATABASE_URL: url,
        STEWARD_CONFIG: join(folder, 'policy.yaml'),
        LOG_LEVEL: 'warn',
      }).then((r) => {
        const m = /(\d+) new, (\d+) unchanged, (\d+) fixed/.exec(r.stdout);
        if (!m) throw new Error(`steward import failed: ${r.stderr}`);
        return { new: Number(m[1]), unchanged: Number(m[2]), fixed: Number(m[3]) };
      });
      // Give the process a head start: its import and this one then race for the database.
      await new Promise((r) => setTimeout(r, 1500));
    }
    const [ca, cb] = await Promise.all([
      importReport({ store, clock, dir }, req(trivyReport(vulns.slice(0, 300)))).then(counts),
      other,
    ]);
    // Whichever ran first created 300; the other created 100, kept 200 and fixed the 100 only the first listed.
    expect([ca, cb].map((c) => c.new).sort((x, y) => x - y)).toEqual([100, 300]);
    expect([ca, cb].map((c) => c.fixed).sort((x, y) => x - y)).toEqual([0, 100]);
    expect([ca, cb].map((c) => c.unchanged).sort((x, y) => x - y)).toEqual([0, 200]);
    expect(await all(store)).toHaveLength(300);
  });

  it('a report that cannot be read, or for a service the policy does not know, stores nothing', async () => {
    const { store } = await fresh();
    const clock = new ManualClock(T0);
    const dir = withPatches(undefined);
    const bad = await importReport(
      { store, clock, dir },
      req('{"SchemaVersion": 2, "Results": [{"Target": "x", "Vulnerabilities": [{"VulnerabilityID": 7}]}]}'),
    );
    expect(bad).toMatchObject({ ok: false, code: 'REPORT.UNREADABLE', format: 'trivy' });
    expect(await importReport({ store, clock, dir }, req('not json at all'))).toMatchObject({
      ok: false,
      code: 'REPORT.UNREADABLE',
    });
    expect(
      await importReport({ store, clock, dir }, req(trivyReport(generatedVulns(2)), { serviceId: 'nope' })),
    ).toMatchObject({ ok: false, code: 'SERVICE.NOT_FOUND' });
    expect(await all(store)).toEqual([]);
    expect(await store.transaction((tx) => tx.findings.imports('payments-api'))).toEqual([]);
    expect((await store.auditReader.page(0, 100)).filter((e) => e.action.startsWith('findings.'))).toEqual([]);
  });

  it('deadlines: overrides by tier replace the days they name, days follow the team zone across daylight saving, known exploited and KEV take the sooner', async () => {
    const { store } = await fresh();
    // 2027-03-10 12:00 New York (EST, -5) + 7 calendar days = 2027-03-17 12:00 EDT (-4): 7 days less one hour.
    const clock = new ManualClock('2027-03-10T17:00:00.000Z');
    const dir = withPatches({
      sla: { critical: '7d', high: '30d', medium: '90d', low: '120d' },
      knownExploited: '14d',
      overrides: [
        { match: { tier: 2 }, sla: { critical: '3d' } },
        { match: { team: 'payments' }, sla: { critical: '1d', low: '1w' } },
      ],
    });
    const vulns = [V(0), V(3)]; // critical, low
    await importReport({ store, clock, dir }, req(trivyReport(vulns)));
    await importReport({ store, clock, dir }, req(trivyReport(vulns), { serviceId: 'ledger' }));
    await importReport({ store, clock, dir }, req(trivyReport(vulns), { serviceId: 'edge' }));
    const by = async (service: string) =>
      Object.fromEntries((await all(store, [service])).map((f) => [f.severity, f.deadline?.toISOString()]));
    // payments-api (tier 1): only the team override matches → critical 1d, low 1w (across the change: one hour less).
    expect(await by('payments-api')).toEqual({ critical: '2027-03-11T17:00:00.000Z', low: '2027-03-17T16:00:00.000Z' });
    // ledger (tier 2): the first match (tier 2) wins and names only critical (3d: before the change); low keeps the default 120 days.
    expect(await by('ledger')).toEqual({ critical: '2027-03-13T17:00:00.000Z', low: '2027-07-08T16:00:00.000Z' });
    // edge (platform, UTC): defaults.
    expect(await by('edge')).toEqual({ critical: '2027-03-17T17:00:00.000Z', low: '2027-07-08T17:00:00.000Z' });

    // A KEV catalog listing the low one's CVE, due in 5 days: known exploited, the sooner of 1w / 14d / KEV due wins.
    const kev = await importKev({ store, clock }, dir, kevCatalog([{ cve: vulns[1]!.id, dueDate: '2027-03-15' }]), {
      platform: 'cli',
    });
    expect(kev).toEqual({ ok: true, entries: 1, flagged: 3, moved: 3 });
    const low = (await all(store, ['edge'])).find((f) => f.severity === 'low')!;
    expect(low).toMatchObject({
      knownExploited: true,
      kevDueDate: new Date('2027-03-16T00:00:00.000Z'),
      deadline: new Date('2027-03-16T00:00:00.000Z'),
    });
    expect((await store.transaction((tx) => tx.findings.events(low.id))).map((e) => e.kind)).toEqual([
      'kev',
      'deadline',
    ]);
    expect((await all(store, ['payments-api'])).find((f) => f.severity === 'low')!.deadline).toEqual(
      new Date('2027-03-16T00:00:00.000Z'),
    );

    // A later report with a listed CVE is flagged on arrival; knownExploited (14d) wins over the 120-day SLA when there is no due date sooner.
    await importKev({ store, clock }, dir, kevCatalog([{ cve: vulns[1]!.id, dueDate: '2027-12-31' }]), {
      platform: 'cli',
    });
    expect((await all(store, ['edge'])).find((f) => f.severity === 'low')!.deadline).toEqual(
      new Date('2027-03-24T17:00:00.000Z'),
    );
    await importKev({ store, clock }, dir, kevCatalog([{ cve: V(7).id, dueDate: '2027-03-20' }]), { platform: 'cli' });
    // The catalog no longer lists the first CVE: that finding is not known exploited any more.
    expect((await all(store, ['edge'])).find((f) => f.severity === 'low')).toMatchObject({
      knownExploited: false,
      kevDueDate: null,
      deadline: new Date('2027-07-08T17:00:00.000Z'),
    });
    await importReport({ store, clock, dir }, req(trivyReport([V(7)]), { serviceId: 'ledger' }));
    expect((await all(store, ['ledger']))[0]).toMatchObject({
      vulnId: V(7).id,
      knownExploited: true,
      deadline: new Date('2027-03-21T00:00:00.000Z'),
    });
    expect(kev.ok).toBe(true);
    expect(
      await importKev({ store, clock }, dir, '{"vulnerabilities": [{"cveID": "nope"}]}', { platform: 'cli' }),
    ).toMatchObject({ ok: false });
  });

  it('a policy change recomputes the deadlines of open findings and says how many moved', async () => {
    const { store } = await fresh();
    const clock = new ManualClock(T0);
    const vulns = generatedVulns(8); // 2 of each severity
    await importReport({ store, clock, dir: withPatches(undefined) }, req(trivyReport(vulns)));
    await importReport({ store, clock, dir: withPatches(undefined) }, req(trivyReport(vulns.slice(1))));
    expect(await recomputeDeadlines({ store, clock }, withPatches(undefined))).toBe(0);
    const stricter = withPatches({ sla: { critical: '2d', high: '30d', medium: '90d', low: '120d' } });
    // The open critical one moves (the fixed one is left alone).
    expect(await recomputeDeadlines({ store, clock }, stricter)).toBe(1);
    const crit = (await all(store)).filter((f) => f.severity === 'critical');
    expect(crit.map((f) => f.deadline)).toEqual([new Date(T0.getTime() + 2 * DAY)]);
    expect(
      (await store.transaction((tx) => tx.findings.events(crit[0]!.id))).map((e) => [e.kind, e.importId, e.detail]),
    ).toEqual([['deadline', null, 'policy changed: 2026-11-09 15:00 UTC → 2026-11-04 15:00 UTC']]);
    expect(await recomputeDeadlines({ store, clock }, stricter)).toBe(0);
    expect(
      await recomputeDeadlines(
        { store, clock },
        withPatches({ overrides: [{ match: { service: 'payments-api' }, sla: { medium: '10d', low: '10d' } }] }),
      ),
    ).toBe(5);
  });
});
