// 10,000 open pages with staggered acknowledgement timeouts in one process: how late each
// escalation step fires against its due instant (p50/p99/max), and how many steps fired twice
// (must be 0), on SQLite and on PostgreSQL, with one Steward and with two competing ones.
//
// Nobody acknowledges, so every page walks its whole path: levels × (repeat + 1) notify steps and
// the final "nobody acknowledged" step. The real Escalator and outbox run; notifications go to the
// console gateway, whose screen only counts what it is shown. Target: p99 lateness ≤ 1 s.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Reply } from '../src/core/card.js';
import { sqlitePath } from '../src/store/dialect.js';
import { createPgDatabase, pgAvailable } from '../test/support/databases.js';
import { summarize, type Summary } from './lib/stats.js';

const root = new URL('../', import.meta.url).pathname;
const env = process.env;
const num = (name: string, dflt: number) => Number(env[name] ?? dflt);
const SERVICES = num('BENCH_SERVICES', 20);
const REPEAT = num('BENCH_REPEAT', 0);
const LEVELS = 2;
const STEPS = LEVELS * (REPEAT + 1) + 1;
/** The main run: one Steward. Pages are opened live over the window; first steps are due at once. */
const MAIN = {
  pages: num('BENCH_PAGES', 10_000),
  windowS: num('BENCH_WINDOW_S', 120),
  timeoutS: [num('BENCH_TIMEOUT_MIN_S', 60), num('BENCH_TIMEOUT_MAX_S', 180)] as const,
};
/** Two Steward instances (two holders) competing on one database (BENCH_DUAL_PAGES=0 skips it). */
const DUAL = {
  pages: num('BENCH_DUAL_PAGES', 2_000),
  windowS: num('BENCH_DUAL_WINDOW_S', 30),
  timeoutS: [num('BENCH_DUAL_TIMEOUT_MIN_S', 5), num('BENCH_DUAL_TIMEOUT_MAX_S', 15)] as const,
};
const DIALECTS = (env.BENCH_DIALECTS ?? 'sqlite,postgresql').split(',');
/**
 * BENCH_SLACK=1: notifications go to Slack instead of the console: the real SlackGateway and Web
 * API client against the Slack fake, which answers chat.postMessage after BENCH_SLACK_LATENCY_MS
 * and refuses calls beyond BENCH_SLACK_POST_RATE per channel and second (chat.update beyond
 * BENCH_SLACK_UPDATE_RATE per second) with 429 and Retry-After: 1. One instance only.
 */
const SLACK =
  env.BENCH_SLACK === '1'
    ? {
        latencyMs: num('BENCH_SLACK_LATENCY_MS', 200),
        postRate: num('BENCH_SLACK_POST_RATE', 20),
        updateRate: num('BENCH_SLACK_UPDATE_RATE', 50),
      }
    : null;
const TARGET_P99_MS = 1000;
const OPEN_CONCURRENCY = 8;

// Built code (dist/, what `npm run bench` builds and production runs) unless BENCH_FROM=src or dist/ is missing.
const fromDist = isMainThread
  ? env.BENCH_FROM !== 'src' && existsSync(join(root, 'dist/src/core/steward.js'))
  : (workerData as WorkerInput).fromDist;
const load = <T>(rel: string): Promise<T> =>
  import(pathToFileURL(join(root, fromDist ? `dist/src/${rel}.js` : `src/${rel}.ts`)).href) as Promise<T>;
const [
  { SlackGateway },
  { SlackRenderer },
  { ActionCodec },
  { Steward },
  { openStore },
  { loadPolicyFile },
  { ConsoleGateway },
  { systemClock },
  { STANDARD_MODULES },
  { PAGING_ESCALATOR, PAGING_SERVICE },
] = await Promise.all([
  load<typeof import('../src/adapters/slack/gateway.js')>('adapters/slack/gateway'),
  load<typeof import('../src/render/slack/blocks.js')>('render/slack/blocks'),
  load<typeof import('../src/render/action-codec.js')>('render/action-codec'),
  load<typeof import('../src/core/steward.js')>('core/steward'),
  load<typeof import('../src/store/index.js')>('store/index'),
  load<typeof import('../src/config/policy.js')>('config/policy'),
  load<typeof import('../src/adapters/console/gateway.js')>('adapters/console/gateway'),
  load<typeof import('../src/core/ports.js')>('core/ports'),
  load<typeof import('../src/modules.js')>('modules'),
  load<typeof import('../src/core/paging/links.js')>('core/paging/links'),
]);
type Escalator = import('../src/core/paging/escalation.js').Escalator;
type PagingService = import('../src/core/paging/service.js').PagingService;

/** The Slack fake of a BENCH_SLACK run (main thread only). */
let slackFake: import('../test/fakes/slack.js').FakeSlack | null = null;

interface WorkerInput {
  url: string;
  policyFile: string;
  holder: string;
  fromDist: boolean;
}
/** Fired steps travel as flat tuples: pageId, seq, dueAt ms, firedAt ms. */
type FiredBatch = number[];
type FromWorker =
  | { type: 'ready' }
  | { type: 'fired'; batch: FiredBatch }
  | { type: 'done'; deliveries: [string, number][]; errors: [string, number][] };

// ---- where the time goes: each store transaction, named by its first repository call ----

type Store = import('../src/core/ports.js').Store;
type Tx = import('../src/core/ports.js').Tx;
interface TxStat {
  n: number;
  /** From the transaction() call to its callback starting: SQLite's connection mutex, PostgreSQL's pool and BEGIN. */
  wait: number[];
  /** Callback start to commit. */
  hold: number[];
  calls: number;
}

function profiled(store: Store, stats: Map<string, TxStat>): Store {
  const stat = (label: string) =>
    stats.get(label) ?? stats.set(label, { n: 0, wait: [], hold: [], calls: 0 }).get(label)!;
  const track = (tx: Tx, seen: { label: string | null; calls: number }): Tx =>
    new Proxy(tx, {
      get: (t, repo: string) =>
        new Proxy(Reflect.get(t, repo) as object, {
          get: (r, method: string) => {
            const fn = Reflect.get(r, method) as (...a: unknown[]) => unknown;
            return (...args: unknown[]) => {
              seen.label ??= `${repo}.${method}`;
              seen.calls++;
              return fn.apply(r, args);
            };
          },
        }),
    });
  const worker = store.outboxWorker;
  const outboxWorker = Object.fromEntries(
    Object.entries(worker).map(([k, fn]) => [
      k,
      async (...args: unknown[]) => {
        const s = performance.now();
        try {
          return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
        } finally {
          const st = stat(`outboxWorker.${k}`);
          st.n++;
          st.hold.push(performance.now() - s);
        }
      },
    ]),
  ) as unknown as Store['outboxWorker'];
  return new Proxy(store, {
    get(t, k) {
      if (k === 'outboxWorker') return outboxWorker;
      if (k === 'transaction')
        return async <T>(fn: (tx: Tx) => Promise<T>) => {
          const called = performance.now();
          let started = called;
          const seen = { label: null as string | null, calls: 0 };
          try {
            return await t.transaction((tx) => {
              started = performance.now();
              return fn(track(tx, seen));
            });
          } finally {
            const st = stat(seen.label ?? '(empty)');
            st.n++;
            st.calls += seen.calls;
            st.wait.push(started - called);
            st.hold.push(performance.now() - started);
          }
        };
      const v = Reflect.get(t, k) as unknown;
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

// ---- one Steward: store, escalator, outbox, console gateway with a counting screen ----

async function startInstance(
  url: string,
  policyFile: string,
  holder: string,
  onFired: (pageId: number, seq: number, due: number, fired: number) => void,
  migrate: boolean,
) {
  const raw = await openStore({ url, migrate });
  const txStats = new Map<string, TxStat>();
  const store = profiled(raw, txStats);
  /** Screen deliveries of page messages per `<page number>|<recipient>` (direct messages are `@person`). */
  const deliveries = new Map<string, number>();
  /** Logged errors by message and the last line of the error (e.g. "Operation has timed out"). */
  const errors = new Map<string, number>();
  const log = {
    warn: (obj: object, msg: string) => {
      if (msg === 'side effects rate limited; will retry when the platform allows') {
        const o = obj as { items: number; kinds: string[] };
        const k = `${holder}: retried after a rate limit: ${o.kinds.map((x) => x.replace('.', '_')).join(', ')}`;
        errors.set(k, (errors.get(k) ?? 0) + o.items);
        return;
      }
      if (msg !== 'side effect failed; will retry') return;
      const kind = String((obj as { outbox?: unknown }).outbox ?? '').split(':')[0];
      const k = `${holder}: retried ${kind} (${String((obj as { err?: unknown }).err ?? '').slice(0, 60)})`;
      errors.set(k, (errors.get(k) ?? 0) + 1);
    },
    error: (obj: object, msg: string) => {
      const err = String((obj as { err?: unknown }).err ?? '')
        .trim()
        .split('\n')
        .pop()!
        .slice(0, 80);
      const k = `${holder}: ${msg}${err ? ` (${err})` : ''}`;
      errors.set(k, (errors.get(k) ?? 0) + 1);
    },
  };
  const screen = {
    show(heading: string, reply: Reply) {
      const page = /PAGE-(\d+)/.exec(reply.cards[0]?.title ?? '')?.[1];
      const to = /^\[direct message to (\S+?)[\] ]/.exec(heading)?.[1];
      const channel = /^\[#([^\] ]+)/.exec(heading)?.[1];
      const key = `${page}|${to ? `@${to}` : channel}`;
      deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
    },
    note() {},
    enter() {},
  };
  const steward = new Steward({
    store,
    clock: systemClock,
    policy: loadPolicyFile(policyFile),
    modules: STANDARD_MODULES,
    holder,
    log: { info: () => {}, ...log },
    hooks: {
      onStepFired: (step, firedAt) =>
        onFired(Number(step.pageId), Number(step.seq), step.dueAt.getTime(), firedAt.getTime()),
    },
  });
  if (slackFake) {
    const { webApi } = await import('@slack/bolt');
    const client = new webApi.WebClient('xoxb-bench', {
      slackApiUrl: `${slackFake.baseUrl}/api/`,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    });
    const quiet = { warn: () => {}, error: () => {}, info: () => {}, debug: () => {}, child: () => quiet };
    steward.gateways.set(
      'slack',
      new SlackGateway(
        client,
        new SlackRenderer({ strict: false, onTruncate: () => {} }, new ActionCodec(steward.registry)),
        quiet as unknown as ConstructorParameters<typeof SlackGateway>[2],
        systemClock,
      ),
    );
  } else steward.gateways.set('console', new ConsoleGateway(screen, 'bench'));
  if (migrate) await steward.applyPolicy();
  steward.start();
  // As the scheduler's outbox job does: pick up retries and leftovers every 2 s.
  const kick = setInterval(
    () => void steward.outbox.kick().catch((err) => log.error({ err: String(err) }, 'outbox run failed')),
    2_000,
  );
  return {
    steward,
    store,
    deliveries,
    errors,
    txStats,
    async stop() {
      clearInterval(kick);
      await steward.part<Escalator>(PAGING_ESCALATOR).stop();
      await steward.outbox.kick().catch(() => {});
      await store.close();
    },
  };
}

// ---- the second instance runs in a worker thread (a SQLite writer waiting for the lock blocks its thread) ----

if (!isMainThread) {
  const input = workerData as WorkerInput;
  let batch: FiredBatch = [];
  const inst = await startInstance(
    input.url,
    input.policyFile,
    input.holder,
    (p, s, d, f) => void batch.push(p, s, d, f),
    false,
  );
  const flush = () => {
    if (batch.length) parentPort!.postMessage({ type: 'fired', batch } satisfies FromWorker);
    batch = [];
  };
  const timer = setInterval(flush, 100);
  parentPort!.on('message', async (m: { type: 'stop' }) => {
    if (m.type !== 'stop') return;
    await inst.stop();
    clearInterval(timer);
    flush();
    parentPort!.postMessage({
      type: 'done',
      deliveries: [...inst.deliveries],
      errors: [...inst.errors],
    } satisfies FromWorker);
    parentPort!.close();
  });
  parentPort!.postMessage({ type: 'ready' } satisfies FromWorker);
}

// ---- the policy: 50 people, one team, SERVICES services with staggered two-level paths ----

function writePolicy(file: string, [min, max]: readonly [number, number]): string {
  const S = SERVICES;
  const span = (i: number) => min + Math.round(((max - min) * i) / Math.max(1, S - 1));
  const timeouts = Array.from({ length: S }, (_, i): [number, number] => [span(i), span((i * 7 + 3) % S)]);
  const id = (i: number) => String(i).padStart(2, '0');
  const lines = [
    'timezone: UTC',
    'people:',
    ...Array.from({ length: 50 }, (_, i) => `  - { id: p${i}, name: Person ${i}${SLACK ? `, slack: U0P${i}` : ''} }`),
    'teams:',
    `  - { id: ops, name: Operations, members: [${Array.from({ length: 10 }, (_, i) => `p${i}`).join(', ')}], channels: { slack: C0OPS } }`,
    'services:',
    ...timeouts.map(
      (_, i) =>
        `  - { id: svc-${id(i)}, name: Service ${i}, team: ops, tier: ${1 + (i % 4)}, owners: [p${i % 50}], escalation: esc-${id(i)} }`,
    ),
    'schedules:',
    ...timeouts.map(
      (_, i) =>
        `  - { id: sched-${id(i)}, rotation: { every: 1w, handoff: "Mon 09:00", members: [p${i % 50}, p${(i + 1) % 50}, p${(i + 2) % 50}] } }`,
    ),
    'escalationPolicies:',
    ...timeouts.flatMap(([a, b], i) => [
      `  - id: esc-${id(i)}`,
      `    repeat: ${REPEAT}`,
      '    levels:',
      `      - { notify: [{ schedule: sched-${id(i)} }], ackTimeout: ${a}s }`,
      `      - { notify: [{ person: p${(i + 25) % 50} }], ackTimeout: ${b}s }`,
    ]),
    'paging:',
    '  acknowledge: [anyone]',
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

// ---- checks straight on the database ----

async function query<T>(url: string, sql: string): Promise<T[]> {
  if (url.startsWith('file:')) {
    const db = new Database(sqlitePath(url), { readonly: true, timeout: 10_000 });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

interface DbChecks {
  stepRows: number;
  firedBy: Record<string, number>;
  pending: number;
  dupStepRows: number;
  dupSendKeys: number;
  /** page.escalated / page.exhausted audit entries for the same (page, step) beyond the first. */
  dupAudit: number;
  /** Screen deliveries of a (page, recipient) beyond the page_message rows recorded for it. */
  dupDeliveries: number;
  missingDeliveries: number;
  messages: number;
  outbox: Record<string, number>;
}

async function checkDatabase(url: string, deliveries: Map<string, number>): Promise<DbChecks> {
  const n = (v: unknown) => Number(v);
  const steps = await query<{ state: string; fired_by: string | null; c: unknown }>(
    url,
    `SELECT "state", "fired_by", COUNT(*) AS "c" FROM "page_step" GROUP BY "state", "fired_by"`,
  );
  const firedBy: Record<string, number> = {};
  for (const r of steps) if (r.state === 'fired') firedBy[r.fired_by ?? '?'] = n(r.c);
  const [dupSteps] = await query<{ c: unknown }>(
    url,
    `SELECT COUNT(*) AS "c" FROM (SELECT "page_id", "seq" FROM "page_step" GROUP BY "page_id", "seq" HAVING COUNT(*) > 1) AS d`,
  );
  const [dupKeys] = await query<{ c: unknown }>(
    url,
    `SELECT COUNT(*) AS "c" FROM (SELECT "key" FROM "outbox_item" WHERE "kind" = 'page.send' GROUP BY "key" HAVING COUNT(*) > 1) AS d`,
  );
  const outboxRows = await query<{ kind: string; state: string; c: unknown }>(
    url,
    `SELECT "kind", "state", COUNT(*) AS "c" FROM "outbox_item" GROUP BY "kind", "state"`,
  );
  const outbox: Record<string, number> = {};
  for (const r of outboxRows) outbox[`${r.kind} ${r.state}`] = n(r.c);
  const audit = await query<{ subject: string; after: string }>(
    url,
    `SELECT "subject", "after" FROM "audit_entry" WHERE "action" IN ('page.escalated', 'page.exhausted')`,
  );
  const perStep = new Map<string, number>();
  for (const a of audit) {
    const k = `${a.subject}|${(JSON.parse(a.after) as { step: number }).step}`;
    perStep.set(k, (perStep.get(k) ?? 0) + 1);
  }
  const msgs = await query<{ number: unknown; channel_id: string; c: unknown }>(
    url,
    `SELECT p."number", m."channel_id", COUNT(*) AS "c" FROM "page_message" m JOIN "page" p ON p."id" = m."page_id" GROUP BY p."number", m."channel_id"`,
  );
  const recorded = new Map(msgs.map((m) => [`${n(m.number)}|${m.channel_id}`, n(m.c)]));
  let dupDeliveries = 0;
  let missingDeliveries = 0;
  for (const k of new Set([...recorded.keys(), ...deliveries.keys()])) {
    const d = (deliveries.get(k) ?? 0) - (recorded.get(k) ?? 0);
    if (d > 0) dupDeliveries += d;
    else missingDeliveries -= d;
  }
  return {
    stepRows: steps.reduce((s, r) => s + n(r.c), 0),
    firedBy,
    pending: steps.filter((r) => r.state === 'pending').reduce((s, r) => s + n(r.c), 0),
    dupStepRows: n(dupSteps!.c),
    dupSendKeys: n(dupKeys!.c),
    dupAudit: [...perStep.values()].reduce((s, c) => s + c - 1, 0),
    dupDeliveries,
    missingDeliveries,
    messages: msgs.reduce((s, m) => s + n(m.c), 0),
    outbox,
  };
}

// ---- one run ----

const statements = { n: 0 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;
const f0 = (v: number) => v.toFixed(0);

type Shape = typeof MAIN;

async function run(label: string, url: string, policyFile: string, shape: Shape, instances: 1 | 2) {
  const { pages, windowS } = shape;
  const expected = pages * STEPS;
  const fired = new Map<number, number>(); // pageId * 64 + seq → fire count
  const lateness: number[] = [];
  const firstStep: number[] = [];
  const byBucket = new Map<number, number[]>(); // 30-s bucket of the due instant → lateness
  let firstFire = Infinity;
  let lastFire = 0;
  let t0 = 0;
  const record = (pageId: number, seq: number, due: number, at: number) => {
    const k = pageId * 64 + seq;
    const c = (fired.get(k) ?? 0) + 1;
    fired.set(k, c);
    if (c > 1) return;
    const late = at - due;
    lateness.push(late);
    if (seq === 0) firstStep.push(late);
    const b = Math.floor((due - t0) / 30_000);
    (byBucket.get(b) ?? byBucket.set(b, []).get(b)!).push(late);
    firstFire = Math.min(firstFire, at);
    lastFire = Math.max(lastFire, at);
  };

  const a = await startInstance(url, policyFile, 'bench-a', record, true);
  let worker: Worker | undefined;
  let workerDone: Promise<Extract<FromWorker, { type: 'done' }>> | undefined;
  if (instances === 2) {
    const w = new Worker(
      `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); });`,
      {
        eval: true,
        workerData: { url, policyFile, holder: 'bench-b', fromDist } satisfies WorkerInput,
      },
    );
    worker = w;
    const ready = new Promise<void>((resolve, reject) => {
      w.once('error', reject);
      workerDone = new Promise((done) =>
        w.on('message', (m: FromWorker) => {
          if (m.type === 'ready') resolve();
          else if (m.type === 'fired')
            for (let i = 0; i < m.batch.length; i += 4)
              record(m.batch[i]!, m.batch[i + 1]!, m.batch[i + 2]!, m.batch[i + 3]!);
          else done(m);
        }),
      );
    });
    await ready;
  }

  // Open the pages live: every 100 ms a batch arrives, each page in its own transaction (as /page
  // does), concurrently as requests would (at most OPEN_CONCURRENCY at once); first steps are due at once.
  const batches = Math.max(1, Math.round(windowS * 10));
  const cpu0 = process.cpuUsage();
  statements.n = 0;
  t0 = Date.now();
  // The outbox backlog (pending items: page messages and refreshes not yet carried out), every second.
  const backlog = { now: 0, max: 0 };
  const sampler = setInterval(
    () =>
      void a.store.outboxWorker.pending().then(
        (n) => {
          backlog.now = n;
          backlog.max = Math.max(backlog.max, n);
        },
        () => {},
      ),
    1_000,
  );
  let openBehindMs = 0;
  const openMs: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const openPage = async (i: number) => {
    const s = performance.now();
    const open = () =>
      a.store.transaction((tx) =>
        a.steward.part<PagingService>(PAGING_SERVICE).open(
          tx,
          {
            key: `bench:${i}`,
            serviceId: `svc-${String(i % SERVICES).padStart(2, '0')}`,
            message: `bench page ${i}`,
            createdBy: null,
            createdPlatform: 'system',
            createdUserId: null,
          },
          { platform: 'system' },
          systemClock.now(),
        ),
      );
    // A second SQLite connection can make this read-then-write transaction fail (SQLITE_BUSY): try again, as a user would.
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await open();
        if (!r.ok) throw new Error(r.reason);
        break;
      } catch (err) {
        if (attempt >= 20) throw err;
        const k = `opener: page open failed, retried (${String(err).trim().split('\n').pop()!.slice(0, 80)})`;
        a.errors.set(k, (a.errors.get(k) ?? 0) + 1);
        await sleep(5);
      }
    }
    a.steward.part<PagingService>(PAGING_SERVICE).wakeEscalation();
    openMs.push(performance.now() - s);
  };
  let opened = 0;
  for (let b = 0; b < batches; b++) {
    const wait = t0 + b * 100 - Date.now();
    if (wait > 0) await sleep(wait);
    else openBehindMs = Math.max(openBehindMs, -wait);
    for (const upto = Math.floor(((b + 1) * pages) / batches); opened < upto; opened++) {
      while (inFlight.size >= OPEN_CONCURRENCY) await Promise.race(inFlight);
      const p = openPage(opened).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }
  await Promise.all(inFlight);
  const openedAt = Date.now();
  // From here on only the engine and the outbox run: their own cost per step.
  const cpuOpened = process.cpuUsage(cpu0);
  const sqlOpened = statements.n;
  const firedOpened = lateness.length;

  // Until every step of every page has fired (or clearly never will).
  const longest = (REPEAT + 1) * LEVELS * shape.timeoutS[1] * 1000;
  const deadline = openedAt + longest + 120_000;
  let lastProgress = Date.now();
  while (lateness.length < expected && Date.now() < deadline) {
    await sleep(200);
    if (Date.now() - lastProgress >= 15_000) {
      lastProgress = Date.now();
      process.stderr.write(
        `    … ${label}: ${((Date.now() - t0) / 1000).toFixed(0)} s, ${lateness.length}/${expected} steps fired, ${backlog.now} outbox items pending\n`,
      );
    }
  }
  const allFiredAt = Date.now();
  // Let the outbox deliver what the last steps enqueued.
  while ((await a.store.outboxWorker.pending()) > 0 && Date.now() - allFiredAt < 300_000) await sleep(200);
  const drainedMs = Date.now() - allFiredAt;
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpu0);
  const sql = statements.n;
  const rss = process.memoryUsage().rss;
  const peakRss = process.resourceUsage().maxRSS * 1024;

  await a.stop();
  const errors = new Map(a.errors);
  const deliveries = new Map(a.deliveries);
  if (slackFake) {
    // Deliveries as Slack accepted them: page number (from the message text) and channel.
    for (const c of slackFake.calls) {
      if (c.method !== 'chat.postMessage' || c.status !== 200 || !c.response.ok) continue;
      const page = /PAGE-(\d+)/.exec(String(c.body.text ?? ''))?.[1];
      const k = `${page}|${String(c.response.channel)}`;
      deliveries.set(k, (deliveries.get(k) ?? 0) + 1);
    }
    const limited = [...slackFake.rateLimited].map(([m, n]) => `${m} ${n}`).join(', ');
    console.log(`    slack         429 answers: ${limited || 'none'}; calls ${slackFake.calls.length}`);
    slackFake.resetCalls();
    slackFake.rateLimited.clear();
  }
  if (worker) {
    worker.postMessage({ type: 'stop' });
    const done = await workerDone!;
    for (const [k, c] of done.errors) errors.set(k, (errors.get(k) ?? 0) + c);
    for (const [k, c] of done.deliveries) deliveries.set(k, (deliveries.get(k) ?? 0) + c);
    await worker.terminate();
  }

  const db = await checkDatabase(url, deliveries);
  const doubleFires = [...fired.values()].filter((c) => c > 1).length;
  const doubleTotal = doubleFires + db.dupStepRows + db.dupSendKeys + db.dupAudit + db.dupDeliveries;
  const s = summarize(lateness);
  const first = summarize(firstStep);
  const complete = lateness.length === expected;
  const pass = complete && doubleTotal === 0 && s.p99 <= TARGET_P99_MS;
  const line = (name: string, v: Summary) => `${name} p50 ${f0(v.p50)} ms  p99 ${f0(v.p99)} ms  max ${f0(v.max)} ms`;
  const timeline = [...byBucket].sort((x, y) => x[0] - y[0]).map(([, v]) => (summarize(v).p99 / 1000).toFixed(1));
  const o = summarize(openMs);
  const firedA = Math.max(1, db.firedBy['bench-a'] ?? 0);

  console.log(
    `  ${label} · ${instances} instance${instances > 1 ? 's' : ''} · ${pages} pages × ${STEPS} steps (repeat ${REPEAT}), ack timeouts ${shape.timeoutS[0]}–${shape.timeoutS[1]} s, opened over ${windowS} s`,
  );
  console.log(
    `    steps fired   ${lateness.length}/${expected}${complete ? '' : '  INCOMPLETE'}   by holder ${JSON.stringify(db.firedBy)}   pending left ${db.pending}`,
  );
  console.log(`    lateness      ${line('', s).trim()}`);
  console.log(`    first step    ${line('', first).trim()}   (page opened → first notification claimed)`);
  console.log(`    over time     p99 (s) of the steps due in each 30 s from the first page: ${timeline.join(' ')}`);
  console.log(
    `    double fires  ${doubleTotal} (onFired ${doubleFires}, page_step rows ${db.dupStepRows}, page.send keys ${db.dupSendKeys}, audit ${db.dupAudit}, screen ${db.dupDeliveries}; ${db.messages} messages, ${db.missingDeliveries} undelivered)`,
  );
  console.log(
    `    throughput    ${f0(lateness.length / Math.max(0.001, (lastFire - firstFire) / 1000))} steps/s over ${((lastFire - firstFire) / 1000).toFixed(0)} s of firing; CPU ${((cpu.user + cpu.system) / 1000 / lateness.length).toFixed(1)} ms per step (all threads, incl. opening and outbox)`,
  );
  const engineSteps = Math.max(1, lateness.length - firedOpened);
  console.log(
    `    engine alone  CPU ${((cpu.user + cpu.system - cpuOpened.user - cpuOpened.system) / 1000 / engineSteps).toFixed(2)} ms and ${((sql - sqlOpened) / engineSteps).toFixed(1)} SQL statements per step, over the ${lateness.length - firedOpened} steps fired after the last page opened (escalation and outbox, no opening)`,
  );
  console.log(
    `    outbox        backlog peaked at ${backlog.max} pending items; drained ${(drainedMs / 1000).toFixed(1)} s after the last step fired`,
  );
  console.log(
    `    opening       ${pages} pages planned over ${windowS} s, took ${((openedAt - t0) / 1000).toFixed(0)} s; one transaction each, ≤ ${OPEN_CONCURRENCY} at once: p50 ${o.p50.toFixed(1)} ms, p99 ${f0(o.p99)} ms${openBehindMs > 50 ? `; fell behind schedule by up to ${f0(openBehindMs)} ms` : ''}`,
  );
  console.log(
    `    statements    ${(sql / firedA).toFixed(1)} SQL statements per step bench-a fired, on its thread (incl. BEGIN/COMMIT, opening and outbox)`,
  );
  console.log(
    `    transactions  of bench-a, by first call: count, per step it fired, wait for the connection p50/p99, held p50/p99 (ms)`,
  );
  for (const [label, st] of [...a.txStats]
    .sort((x, y) => y[1].hold.reduce((p, v) => p + v, 0) - x[1].hold.reduce((p, v) => p + v, 0))
    .slice(0, 9)) {
    const w = st.wait.length ? summarize(st.wait) : undefined;
    const h = summarize(st.hold);
    console.log(
      `      ${label.padEnd(22)} ${String(st.n).padStart(6)}  ${(st.n / firedA).toFixed(2).padStart(5)}/step  ${w ? `wait ${w.p50.toFixed(1)}/${f0(w.p99)}` : 'wait   -  '}  held ${h.p50.toFixed(1)}/${h.p99.toFixed(1)}${st.calls ? `  ${(st.calls / st.n).toFixed(1)} repo calls` : ''}`,
    );
  }
  console.log(
    `    memory        RSS ${mb(rss)} (peak ${mb(peakRss)})   wall ${((allFiredAt - t0) / 1000).toFixed(0)} s to the last step`,
  );
  for (const [k, c] of [...errors].sort((x, y) => y[1] - x[1]).slice(0, 4))
    console.log(`    errors        ${String(c).padStart(5)} × ${k}`);
  console.log(
    `    ${pass ? 'PASS' : 'FAIL'}          p99 ≤ ${TARGET_P99_MS} ms${complete ? '' : ', all steps fired'}, no double fires`,
  );
  return pass;
}

if (isMainThread) {
  // Count SQL statements sent by this thread (better-sqlite3 prepares every statement; pg sends each as a query).
  const countCalls = (proto: Record<string, unknown>, name: string) => {
    const orig = proto[name] as (...a: unknown[]) => unknown;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      statements.n++;
      return orig.apply(this, args);
    };
  };
  countCalls(Database.prototype as unknown as Record<string, unknown>, 'prepare');
  countCalls(pg.Client.prototype as unknown as Record<string, unknown>, 'query');

  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-pages-'));
  const policies = {
    main: writePolicy(join(dir, 'main.yaml'), MAIN.timeoutS),
    dual: writePolicy(join(dir, 'dual.yaml'), DUAL.timeoutS),
  };
  console.log(
    `\nopen pages that nobody acknowledges: ${SERVICES} services, 2 levels (schedule, then a person), staggered ack timeouts, repeat ${REPEAT} → ${STEPS} steps per page; real Escalator and outbox, console gateway (${fromDist ? 'dist/' : 'src/ via tsx'})`,
  );
  let ok = true;
  try {
    if (SLACK) {
      const { FakeSlack } = await import('../test/fakes/slack.js');
      slackFake = await FakeSlack.start({
        users: Array.from({ length: 50 }, (_, i) => ({ id: `U0P${i}`, name: `p${i}` })),
        channels: [{ id: 'C0OPS', name: 'ops' }],
      });
      slackFake.latency('chat.postMessage', SLACK.latencyMs);
      slackFake.rateLimit('chat.postMessage', { perSecond: SLACK.postRate, perChannel: true, retryAfter: 1 });
      slackFake.rateLimit('chat.update', { perSecond: SLACK.updateRate, retryAfter: 1 });
      console.log(
        `Slack: chat.postMessage answers after ${SLACK.latencyMs} ms, ${SLACK.postRate}/s per channel, chat.update ${SLACK.updateRate}/s; beyond that 429 with Retry-After: 1`,
      );
    }
    for (const dialect of DIALECTS) {
      const variants: [Shape, string, 1 | 2][] = [
        [MAIN, policies.main, 1],
        ...(DUAL.pages > 0 && !SLACK ? [[DUAL, policies.dual, 2] as [Shape, string, 2]] : []),
      ];
      for (const [shape, policy, instances] of variants) {
        if (dialect === 'sqlite') {
          const sub = mkdtempSync(join(dir, 'db-'));
          try {
            ok = (await run('SQLite', `file:${join(sub, 'steward.db')}`, policy, shape, instances)) && ok;
          } finally {
            rmSync(sub, { recursive: true, force: true });
          }
        } else if (await pgAvailable()) {
          const db = await createPgDatabase();
          try {
            ok = (await run('PostgreSQL', db.url, policy, shape, instances)) && ok;
          } finally {
            await db.drop();
          }
        } else {
          console.log('  PostgreSQL not reachable: skipped');
          break;
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await slackFake?.close();
  }
  console.log(
    `  overall: ${ok ? 'PASS' : 'FAIL'} (target: p99 lateness ≤ ${TARGET_P99_MS} ms, every step fired, no double fires)`,
  );
}
