// Daily patch-SLA digests at scale: one digest run (the `patch-digest` calendar job's slot of every
// team, all due at once) over 1,000,000 open findings in 1,000 services of 50 teams, until the 50
// digests are posted; a second run a day later (each team then has a previous digest); and
// `/patch list` of a service with 10,000 findings (all, and overdue only), on SQLite and PostgreSQL.
// Target: a digest run ≤ 5 s wall time. Seeding is timed apart and not part of the target.
// Per dialect the database is seeded by one child process and measured by another, so the peak RSS
// printed is the measuring process's own (seeding holds none of its memory).
//   npx tsx bench/patch-digest.ts    (BENCH_DIALECTS=sqlite,postgresql BENCH_FINDINGS=1000000)
import { execFileSync } from 'node:child_process';
import { ConsoleGateway } from '../src/adapters/console/gateway.js';
import { parsePolicy } from '../src/config/policy.js';
import type { Reply } from '../src/core/card.js';
import { Directory } from '../src/core/directory.js';
import { cronTime } from '../src/core/jobs/cron.js';
import { DeadlineRules } from '../src/core/patches/findings/deadlines.js';
import type { Severity } from '../src/core/patches/findings/model.js';
import type { FindingWrite } from '../src/core/patches/findings/ports.js';
import { systemClock, type Store } from '../src/core/ports.js';
import { Steward } from '../src/core/steward.js';
import { STANDARD_MODULES } from '../src/modules.js';
import { PATCH_NOTICES } from '../src/core/patches/links.js';
import type { NoticeService } from '../src/core/patches/notices/service.js';
import { openStore } from '../src/store/index.js';
import { execSql, pgAvailable } from '../test/support/databases.js';
import { benchDatabase, seededRandom } from './lib/setup.js';
import { summarize } from './lib/stats.js';

const FINDINGS = Number(process.env.BENCH_FINDINGS ?? 1_000_000);
const SERVICES = Number(process.env.BENCH_SERVICES ?? 1000);
const TEAMS = Number(process.env.BENCH_TEAMS ?? 50);
const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 200);
/** Findings of the service `/patch list` is measured on (part of FINDINGS). */
const LIST_FINDINGS = Math.min(FINDINGS, Number(process.env.BENCH_LIST_FINDINGS ?? 10_000));
const LIST_RUNS = Number(process.env.BENCH_LIST_RUNS ?? 500);
const LIST_WARMUP = 20;
/** 0: no digest runs (seeding and `/patch list` only). */
const DIGEST = process.env.BENCH_DIGEST !== '0';
const DIGEST_TARGET_MS = 5000;
/**
 * PostgreSQL: ANALYZE after seeding (default), as autovacuum would have done by then in production; the
 * test server this runs on may have autovacuum off, and without statistics the planner reads the
 * whole table's due-soon findings for each team. 0 measures the table as seeded.
 */
const PG_ANALYZE = process.env.BENCH_PG_ANALYZE !== '0';
/** Rows per store transaction while seeding (the repository writes 5,000 per statement). */
const SEED_TX_ROWS = 20_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Wednesday 2026-12-02 15:00 UTC: 09:00 has passed in every team's zone (New York is UTC−5). */
const T0 = Date.parse('2026-12-02T15:00:00.000Z');
const ZONES = ['America/New_York', 'Europe/Berlin', 'UTC'];
const LIST_SERVICE = 'svc-0000';
const DIGEST_JOB = 'patch-digest';

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const teamId = (t: number) => `team-${pad(t, 2)}`;
const serviceId = (s: number) => `svc-${pad(s, 4)}`;
const personId = (p: number) => `p-${pad(p, 3)}`;
const teamOf = (s: number) => Math.floor((s * TEAMS) / SERVICES);

function policyText(): string {
  const lines = ['timezone: UTC', 'people:'];
  for (let p = 0; p < PEOPLE; p++) lines.push(`  - { id: ${personId(p)}, name: Person ${p} }`);
  lines.push('teams:');
  for (let t = 0; t < TEAMS; t++) {
    const members = Array.from({ length: Math.max(1, Math.floor(PEOPLE / TEAMS)) }, (_, i) =>
      personId((t * Math.floor(PEOPLE / TEAMS) + i) % PEOPLE),
    );
    lines.push(
      `  - { id: ${teamId(t)}, name: Team ${t}, timezone: ${ZONES[t % ZONES.length]}, members: [${members.join(', ')}] }`,
    );
  }
  lines.push('services:');
  for (let s = 0; s < SERVICES; s++)
    lines.push(
      `  - { id: ${serviceId(s)}, name: Service ${s}, team: ${teamId(teamOf(s))}, tier: ${1 + (s % 4)}, owners: [${personId((s * 7) % PEOPLE)}] }`,
    );
  lines.push('patches:', '  digest:', "    cron: '0 9 * * *'");
  return `${lines.join('\n')}\n`;
}

/**
 * `service` (default): each service's findings written together, as its scanner import writes them, so
 * a team's rows sit in its own part of the table. `interleaved`: consecutive findings belong to
 * different services, so every team's rows are spread over the whole table (the worst case for
 * reading one team's findings; an old database where every day's imports added a few per service
 * comes closer to it).
 */
const SEED_ORDER = process.env.BENCH_SEED_ORDER === 'interleaved' ? 'interleaved' : 'service';

/** Service of the i-th finding: the first LIST_FINDINGS are the list service's, the rest spread evenly over the others. */
function serviceOfFinding(i: number): number {
  if (i < LIST_FINDINGS || SERVICES === 1) return 0;
  const rest = FINDINGS - LIST_FINDINGS;
  return SEED_ORDER === 'interleaved'
    ? 1 + ((i - LIST_FINDINGS) % (SERVICES - 1))
    : 1 + Math.floor(((i - LIST_FINDINGS) * (SERVICES - 1)) / rest);
}

const CVSS: Record<string, number> = { critical: 9.8, high: 7.5, medium: 5.3, low: 3.1 };

/**
 * The i-th finding: 5 % critical, 20 % high, 40 % medium, 35 % low; first seen within the past 200 days,
 * most of them recently (age = 200 d × u²); deadlines by Steward's own rules (the default SLAs in the
 * team's zone), which makes about a third overdue at T0 and a few percent due within 7 days.
 */
function finding(
  i: number,
  rnd: () => number,
  rules: DeadlineRules,
  at: Date,
  opts: { seenAt?: Date; service?: number } = {},
): FindingWrite {
  const s = opts.service ?? serviceOfFinding(i);
  const svc = serviceId(s);
  const r = rnd();
  const severity: Severity = r < 0.05 ? 'critical' : r < 0.25 ? 'high' : r < 0.65 ? 'medium' : 'low';
  const u = rnd();
  const firstSeenAt = opts.seenAt ?? new Date(Math.floor((T0 - 200 * DAY * u * u) / 1000) * 1000);
  const vulnId = `CVE-${2020 + (i % 7)}-${10000 + i}`;
  const pkg = `pkg-${Math.floor(i / 3) % 5000}`;
  const version = `1.${i % 3}.${Math.floor(i / 15000)}`;
  const target = `app${Math.floor(i / 100) % 50}/package-lock.json`;
  const fixed = i % 7 === 0 ? [] : [`1.${i % 3}.${Math.floor(i / 15000) + 1}`];
  return {
    serviceId: svc,
    key: `${vulnId}|npm/${pkg}|${version}|target:${target}`,
    vulnId,
    aliases: [],
    packageName: pkg,
    ecosystem: 'npm',
    purl: `pkg:npm/${pkg}@${version}`,
    installedVersion: version,
    fixedVersions: fixed,
    severity,
    cvss: CVSS[severity] ?? null,
    cvssVector: null,
    knownExploited: false,
    reportedExploited: false,
    kevDueDate: null,
    epss: null,
    location: { target },
    title: `Generated vulnerability ${i} in ${pkg}`,
    url: `https://avd.aquasec.com/nvd/${vulnId.toLowerCase()}`,
    remediation: fixed.length ? `Upgrade ${pkg} to ${fixed[0]}` : null,
    state: 'open',
    justification: null,
    scanners: { trivy: 'open' },
    firstSeenAt,
    lastSeenAt: at,
    fixedAt: null,
    deadline: rules.deadline({ serviceId: svc, severity, firstSeenAt, knownExploited: false, kevDueDate: null }),
    digest: `bench-${i}`,
  };
}

/** Child: migrates and fills the database through the findings repository; prints its timing. */
async function seed(dialect: string, url: string) {
  const loaded = parsePolicy(policyText());
  const rules = new DeadlineRules(new Directory(loaded.policy, loaded.sha256));
  const store = await openStore({ url, migrate: true });
  try {
    const at = new Date(T0 - HOUR);
    const rnd = seededRandom(42);
    let overdue = 0;
    let dueSoon = 0;
    const t = performance.now();
    // The import lock row and one import per service, as `steward import` leaves them.
    await store.transaction(async (tx) => {
      for (let s = 0; s < SERVICES; s++) {
        const total = s === 0 ? LIST_FINDINGS : Math.floor((FINDINGS - LIST_FINDINGS) / Math.max(1, SERVICES - 1));
        await tx.findings.lockService(serviceId(s), at);
        await tx.findings.logImport({
          serviceId: serviceId(s),
          scanner: 'trivy',
          format: 'trivy',
          total,
          created: total,
          unchanged: 0,
          changed: 0,
          fixed: 0,
          reopened: 0,
          suppressed: 0,
          importedBy: 'cli:bench',
          at,
        });
      }
    });
    for (let from = 0; from < FINDINGS; from += SEED_TX_ROWS) {
      const rows: FindingWrite[] = [];
      for (let i = from; i < Math.min(FINDINGS, from + SEED_TX_ROWS); i++) {
        const f = finding(i, rnd, rules, at);
        if (f.deadline && f.deadline.getTime() < T0) overdue++;
        else if (f.deadline && f.deadline.getTime() < T0 + 7 * DAY) dueSoon++;
        rows.push(f);
      }
      await store.transaction((tx) => tx.findings.upsert(rows, at));
    }
    const seedMs = Math.round(performance.now() - t);
    let analyzeMs: number | null = null;
    if (dialect === 'postgresql' && PG_ANALYZE) {
      const a = performance.now();
      await execSql(url, 'ANALYZE');
      analyzeMs = Math.round(performance.now() - a);
    }
    console.log(
      JSON.stringify({
        dialect,
        seedMs,
        analyzeMs,
        overdue,
        dueSoon,
        seedPeakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      }),
    );
  } finally {
    await store.close();
  }
}

/** The console platform, counting what Steward sends instead of printing it. */
class Counter extends ConsoleGateway {
  posts = 0;
  dms = 0;
  edits = 0;
  readonly postTitles: string[] = [];
  constructor() {
    super({ show: () => {}, note: () => {}, enter: () => {} }, 'nobody');
  }
  override async post(channelId: string, reply: Reply, opts?: { threadOf?: string }) {
    this.posts++;
    this.postTitles.push(reply.cards[0]?.title ?? '');
    return super.post(channelId, reply, opts);
  }
  override async dm(userId: string, reply: Reply) {
    this.dms++;
    return super.dm(userId, reply);
  }
  override async edit(channelId: string, messageId: string, reply: Reply) {
    this.edits++;
    return super.edit(channelId, messageId, reply);
  }
}

/** CHURN_SERVICES services (not the list service) each gain and fix CHURN_PER_SERVICE findings, as an import between two digests would. */
const CHURN_SERVICES = Math.min(50, SERVICES - 1);
const CHURN_PER_SERVICE = 20;

/** Between the two digest runs (not timed): new findings and fixed ones, so that the second digest's "new" and "fixed" count something; as many open as before. */
async function between(store: Store, rules: DeadlineRules, atMs: number): Promise<{ new: number; fixed: number }> {
  const at = new Date(atMs);
  const rnd = seededRandom(7);
  const fresh: FindingWrite[] = [];
  for (let k = 0; k < CHURN_SERVICES * CHURN_PER_SERVICE; k++) {
    fresh.push(finding(FINDINGS + k, rnd, rules, at, { seenAt: at, service: 1 + (k % CHURN_SERVICES) }));
  }
  return store.transaction(async (tx) => {
    const ids: number[] = [];
    for (let s = 1; s <= CHURN_SERVICES; s++)
      ids.push(
        ...(await tx.findings.listOpen({ serviceIds: [serviceId(s)] }, 0, CHURN_PER_SERVICE)).findings.map((f) => f.id),
      );
    await tx.findings.upsert(fresh, at);
    await tx.findings.markFixed(ids, at);
    return { new: fresh.length, fixed: ids.length };
  });
}

/** What the recorded digests of one run say, summed over the teams. */
interface Totals {
  open: number;
  overdue: number;
  dueSoon: number;
  fresh: number;
  fixed: number;
}

async function recorded(store: Store, runs: { scope?: string; occurrence: Date }[]): Promise<Totals> {
  const sum: Totals = { open: 0, overdue: 0, dueSoon: 0, fresh: 0, fixed: 0 };
  for (const r of runs) {
    const d = await store.transaction((tx) => tx.digests.latest(r.scope!));
    if (!d || d.occurrence.getTime() !== r.occurrence.getTime())
      throw new Error(`no digest recorded for ${r.scope} at ${r.occurrence.toISOString()}`);
    const x = JSON.parse(d.summary) as {
      open: number;
      overdue: { total: number };
      dueSoon: { total: number };
      fresh: number;
      fixed: number;
    };
    sum.open += x.open;
    sum.overdue += x.overdue.total;
    sum.dueSoon += x.dueSoon.total;
    sum.fresh += x.fresh;
    sum.fixed += x.fixed;
  }
  return sum;
}

/** Time spent in each repository method (summed over concurrent calls: on PostgreSQL it overlaps), while `on`. */
function timeRepositories(store: Store) {
  const spent = new Map<string, { n: number; ms: number }>();
  const state = { on: false };
  const add = (name: string, ms: number) => {
    const e = spent.get(name) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += ms;
    spent.set(name, e);
  };
  const timed = <T extends object>(name: string, target: T): T =>
    new Proxy(target, {
      get(t, key) {
        const v = Reflect.get(t, key, t) as unknown;
        if (typeof v !== 'function') return v;
        return async (...args: unknown[]) => {
          const at = performance.now();
          try {
            return await (v as (...a: unknown[]) => Promise<unknown>).apply(t, args);
          } finally {
            add(`${name}.${String(key)}`, performance.now() - at);
          }
        };
      },
    });
  const transaction = store.transaction.bind(store);
  store.transaction = <T>(fn: (tx: Parameters<Parameters<Store['transaction']>[0]>[0]) => Promise<T>) => {
    if (!state.on) return transaction(fn);
    const at = performance.now();
    return transaction((tx) => {
      add('(transaction wait)', performance.now() - at);
      return fn(new Proxy(tx, { get: (t, repo) => timed(String(repo), Reflect.get(t, repo) as object) }));
    }).finally(() => add('(transaction)', performance.now() - at));
  };
  return {
    state,
    /** The costliest entries since the last call, then starts over. */
    take(top = 8): Record<string, { n: number; ms: number }> {
      const out = Object.fromEntries(
        [...spent.entries()]
          .sort((a, b) => b[1].ms - a[1].ms)
          .slice(0, top)
          .map(([k, v]) => [k, { n: v.n, ms: Math.round(v.ms) }]),
      );
      spent.clear();
      return out;
    },
  };
}

const rssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** Child: one Steward core on the seeded database; the digest runs, then `/patch list`. */
async function measure(
  dialect: string,
  url: string,
  seeded: { seedMs: number; analyzeMs: number | null; overdue: number; dueSoon: number },
) {
  const loaded = parsePolicy(policyText());
  const store = await openStore({ url, migrate: true });
  let clockMs = T0;
  const steward = new Steward({
    store,
    clock: { now: () => new Date(clockMs), setTimer: systemClock.setTimer },
    policy: loaded,
    modules: STANDARD_MODULES,
    holder: 'bench',
  });
  const gw = new Counter();
  steward.gateways.set('console', gw);
  const repos = timeRepositories(store);
  try {
    const digestRunMs: number[] = [];
    const posts: number[] = [];
    const rssAfterDigest: number[] = [];
    const digested: Totals[] = [];
    const jobMs: number[] = [];
    const queries: Record<string, { n: number; ms: number }>[] = [];
    const mismatches: string[] = [];
    let churn: { new: number; fixed: number } | undefined;
    const rssBeforeDigestMB = rssMB();
    if (DIGEST) {
      const job = steward.jobs().calendar.find((j) => j.name === DIGEST_JOB);
      if (!job) {
        const names = steward.jobs().calendar.map((j) => j.name);
        throw new Error(
          `no calendar job "${DIGEST_JOB}" in this build (calendar jobs: ${names.join(', ') || 'none'}): daily patch digests are not there yet. BENCH_DIGEST=0 measures seeding and /patch list only.`,
        );
      }
      const slots = job.slots(steward.dir);
      if (slots.length !== TEAMS || new Set(slots.map((s) => s.scope)).size !== TEAMS)
        throw new Error(
          `${DIGEST_JOB} has ${slots.length} slots (scopes ${slots.map((s) => s.scope).join(', ')}); expected one per team (${TEAMS})`,
        );
      for (let n = 0; n < 2; n++) {
        clockMs = T0 + n * DAY;
        const now = new Date(clockMs);
        // Each team's latest 09:00 in its own zone: the occurrence the scheduler would run now.
        const runs = slots.map((s) => {
          const occurrence = cronTime(s.cron, s.timezone).atOrBefore(now);
          if (!occurrence) throw new Error(`${DIGEST_JOB}:${s.scope} has no occurrence before ${now.toISOString()}`);
          return { occurrence, scope: s.scope, late: false, now };
        });
        const before = gw.posts;
        repos.state.on = true;
        const t = performance.now();
        await Promise.all(runs.map((r) => job.run(r)));
        jobMs.push(Math.round(performance.now() - t));
        const give = performance.now() + 60_000;
        while (gw.posts - before < TEAMS) {
          await steward.outbox.kick();
          if (gw.posts - before >= TEAMS) break;
          if (performance.now() > give)
            throw new Error(
              `digest run ${n + 1}: ${gw.posts - before} of ${TEAMS} digests posted after 60 s (${gw.dms} direct messages, ${gw.edits} edits so far)`,
            );
          await new Promise((r) => setTimeout(r, 5));
        }
        digestRunMs.push(Math.round(performance.now() - t));
        repos.state.on = false;
        queries.push(repos.take());
        rssAfterDigest.push(rssMB());
        // Anything else the run queued (not timed), so that the next run starts from an empty outbox.
        await steward.outbox.kick();
        posts.push(gw.posts - before);
        digested.push(await recorded(store, runs));
        if (n === 0) churn = await between(store, new DeadlineRules(steward.dir), T0 + 12 * HOUR);
      }
      const expect = (name: string, got: number, want: number) =>
        got !== want && mismatches.push(`${name}: ${got}, expected ${want}`);
      expect('run 1 open', digested[0]!.open, FINDINGS);
      expect('run 1 overdue', digested[0]!.overdue, seeded.overdue);
      expect('run 1 due within 7 days', digested[0]!.dueSoon, seeded.dueSoon);
      expect('run 2 open', digested[1]!.open, FINDINGS + churn!.new - churn!.fixed);
      expect('run 2 new since run 1', digested[1]!.fresh, churn!.new);
      expect('run 2 fixed since run 1', digested[1]!.fixed, churn!.fixed);
    }
    const peakRssMB = rssMB();

    // `/patch list <service>` as a person of the policy, one request after the other.
    const list = async (overdue: boolean) => {
      clockMs = T0 + 2 * DAY;
      const samples: number[] = [];
      for (let i = 0; i < LIST_WARMUP + LIST_RUNS; i++) {
        const t = performance.now();
        const r = await steward.execute(
          { platform: 'console', userId: personId(i % PEOPLE), requestId: `r-${overdue ? 'o' : 'a'}-${i}` },
          { kind: 'patch.list', scope: LIST_SERVICE, ...(overdue ? { overdue: true } : {}) },
        );
        const ms = performance.now() - t;
        if (!r.ok)
          throw new Error(
            `/patch list ${LIST_SERVICE}${overdue ? ' overdue' : ''}: ${r.error.code}: ${r.error.message}`,
          );
        const body = JSON.stringify(r.value.cards[0]?.body ?? []);
        if (!/Showing 1–\d+ of \d+/.test(body)) throw new Error(`/patch list ${LIST_SERVICE}: unexpected card ${body}`);
        if (!overdue && !body.includes(`of ${LIST_FINDINGS},`))
          throw new Error(`/patch list ${LIST_SERVICE}: expected ${LIST_FINDINGS} open findings, card says ${body}`);
        if (i >= LIST_WARMUP) samples.push(ms);
      }
      return summarize(samples);
    };
    const all = await list(false);
    const overdue = await list(true);

    // Reminders at this size: one run that claims a full batch (and queues its direct messages), and
    // the steady state once every due finding has been told of (what each minute's run then costs).
    const noticeService = steward.part<NoticeService>(PATCH_NOTICES);
    let t = performance.now();
    const firstNotices = await noticeService.run(new Date(clockMs));
    const noticeRunMs = Math.round(performance.now() - t);
    await markAllTold(store, clockMs, new Date(clockMs + 3 * DAY));
    // Marking rewrote ~370,000 rows: in production autovacuum clears the old row versions (which the
    // index still lists as not told of) and refreshes the statistics; this test server may run without it.
    if (dialect === 'postgresql' && PG_ANALYZE) await execSql(url, 'VACUUM ANALYZE "finding"');
    t = performance.now();
    const idleNotices = await noticeService.run(new Date(clockMs));
    const noticeIdleMs = Math.round(performance.now() - t);
    if (idleNotices.passed + idleNotices.ahead !== 0)
      throw new Error(`reminders: expected nothing due after marking, got ${JSON.stringify(idleNotices)}`);
    const round = (v: number) => Math.round(v * 100) / 100;
    const pass = DIGEST ? digestRunMs.every((ms) => ms <= DIGEST_TARGET_MS) : null;
    console.log(
      JSON.stringify({
        dialect,
        findings: FINDINGS,
        services: SERVICES,
        teams: TEAMS,
        seedOrder: SEED_ORDER,
        overdueAtT0: seeded.overdue,
        dueWithin7dAtT0: seeded.dueSoon,
        seedMs: seeded.seedMs,
        pgAnalyzeMs: seeded.analyzeMs,
        digestRunMs,
        posts,
        dms: gw.dms,
        betweenRuns: churn ?? null,
        rssBeforeDigestMB,
        peakRssMB,
        rssAfterDigestMB: rssAfterDigest,
        listFindings: LIST_FINDINGS,
        listP50: round(all.p50),
        listP99: round(all.p99),
        listOverdueP50: round(overdue.p50),
        listOverdueP99: round(overdue.p99),
        peakRssAfterListMB: rssMB(),
        noticeRun: { ms: noticeRunMs, ...firstNotices },
        noticeIdleMs,
        digestTotals: digested,
        jobRunsMs: jobMs,
        repositoryMs: queries,
        counts: DIGEST ? (mismatches.length ? mismatches : 'ok') : null,
        digestTargetMs: DIGEST_TARGET_MS,
        target: pass === null ? 'not measured' : pass ? 'pass' : 'fail',
      }),
    );
    if (mismatches.length) process.exitCode = 1;
  } finally {
    await steward.outbox.stop();
    await store.close();
  }
}

/** Marks every finding due by `ahead` as told of (reminded and, when past, passed), as many runs would. */
async function markAllTold(store: Store, nowMs: number, ahead: Date) {
  const now = new Date(nowMs);
  for (;;) {
    const due = await store.transaction((tx) => tx.findings.noticesDue(now, ahead, 20_000));
    if (!due.length) return;
    await store.transaction(async (tx) => {
      await tx.findings.claimNotices(
        'passed',
        due.filter((r) => r.deadline <= now).map((r) => r.id),
        now,
      );
      await tx.findings.claimNotices(
        'ahead',
        due.filter((r) => r.deadline > now).map((r) => r.id),
        now,
      );
    });
  }
}

const self = new URL(import.meta.url).pathname;
const child = (args: string[]) =>
  execFileSync(process.execPath, ['--import', 'tsx', self, ...args], {
    encoding: 'utf8',
    env: { ...process.env, MALLOC_ARENA_MAX: '2' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
const lastJson = (out: string) => JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;

if (process.argv[2] === '--seed') {
  await seed(process.argv[3]!, process.argv[4]!);
} else if (process.argv[2] === '--measure') {
  await measure(process.argv[3]!, process.argv[4]!, JSON.parse(process.argv[5]!));
} else {
  const dialects = (process.env.BENCH_DIALECTS ?? 'sqlite,postgresql').split(',');
  const pg = await pgAvailable();
  console.log(
    `${FINDINGS} open findings, ${SERVICES} services, ${TEAMS} teams; /patch list of a service with ${LIST_FINDINGS}; target: a digest run ≤ ${DIGEST_TARGET_MS} ms`,
  );
  let failed = false;
  for (const dialect of dialects) {
    if (dialect === 'postgresql' && !pg) {
      console.log('postgresql: server not reachable, skipped');
      continue;
    }
    const { url, drop } = await benchDatabase(dialect);
    try {
      const seeded = lastJson(child(['--seed', dialect, url]));
      console.log(
        `${dialect}: seeded in ${seeded.seedMs} ms${seeded.analyzeMs === null ? '' : `, ANALYZE ${seeded.analyzeMs} ms`} (${seeded.overdue} overdue, ${seeded.dueSoon} due within 7 days; seeding peak RSS ${seeded.seedPeakRssMB} MB)`,
      );
      console.log(
        child(['--measure', dialect, url, JSON.stringify(seeded)])
          .trim()
          .split('\n')
          .pop(),
      );
    } catch (err) {
      failed = true;
      // A child that printed its figures and then exited 1 found counts that differ (printed in them).
      const out = String((err as { stdout?: unknown }).stdout ?? '').trim();
      console.log(out ? out.split('\n').pop() : `${dialect}: failed (see above)`);
    } finally {
      await drop();
    }
  }
  if (failed) process.exitCode = 1;
}
