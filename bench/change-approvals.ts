// 1,000 signed Slack Approve clicks on 100 change requests, 50 in flight at a time, against one
// Steward in this process (Slack over HTTP): every outcome decided exactly once (checked in the
// database and in the replies), click-to-ack and click-to-reply latency, and the ratio against
// `/service list` acknowledgements measured in the same run at the same concurrency.
// Three threads of one process, each with its own event loop: Steward (startSteward, and the
// changes requested through its core), the FakeSlack (Web API, response_urls), and the load.
// SQLite, then PostgreSQL when TEST_DATABASE_URL (or the default server) answers.
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import pg from 'pg';
import { buildBlockActions, FakeSlack, type SlackUserSeed } from '../test/fakes/slack.js';
import { createPgDatabase, pgAvailable } from '../test/support/databases.js';
import { closeAgent, send, slashBody, type Target } from './lib/slack-load.js';
import { cpuMs, fmt, rssMb, summarize, type Summary } from './lib/stats.js';
import { seededRandom } from './lib/setup.js';

const env = process.env;
const root = new URL('../', import.meta.url).pathname;
const CHANGES = Number(env.BENCH_CHANGES ?? 100);
const WIDTH = Number(env.BENCH_WIDTH ?? 50);
const CAB = Number(env.BENCH_CAB ?? 20);
const SERVICES = 10;
/** From the CAB, plus one owner of the service. */
const QUORUM = 3;
const CLICKS_PER_CHANGE = 2 * (QUORUM + 1) + 2;
const SECRET = 'bench-signing-secret';
const BOT_TOKEN = 'xoxb-bench';
const DIALECTS = (env.BENCH_DIALECTS ?? 'sqlite,postgresql').split(',');
const LOG_LEVEL = env.BENCH_LOG_LEVEL ?? 'info';
/** One clock for every thread (epoch milliseconds, sub-millisecond precision). */
const now = () => performance.timeOrigin + performance.now();

// ---- the organisation: a CAB of 20, two owners for each of 10 services, one requester ----
const cab = Array.from({ length: CAB }, (_, i) => `cab${String(i).padStart(2, '0')}`);
const owners = (s: number) => [`own${s}a`, `own${s}b`];
const people = ['req', ...cab, ...Array.from({ length: SERVICES }, (_, s) => owners(s)).flat()];
const slackId = (id: string) => `U${id.toUpperCase()}`;
const CHANNEL = 'C0CHANGES';

function policyYaml(): string {
  return [
    'timezone: UTC',
    'people:',
    ...people.map((p) => `  - { id: ${p}, name: ${p}, slack: ${slackId(p)} }`),
    'teams:',
    `  - { id: ops, name: Ops, members: [req], channels: { slack: ${CHANNEL} } }`,
    'services:',
    ...Array.from(
      { length: SERVICES },
      (_, s) => `  - { id: svc${s}, name: Service ${s}, team: ops, tier: 2, owners: [${owners(s).join(', ')}] }`,
    ),
    'groups:',
    `  - { id: cab, name: Change Advisory Board, members: [${cab.join(', ')}] }`,
    'changes:',
    '  approvalTimeout: 3d',
    '  rules:',
    `    - { match: {}, approve: [{ group: cab, count: ${QUORUM} }, { owners: 1 }] }`,
    '',
  ].join('\n');
}

// ---- threads ----
type Role =
  | { role: 'steward'; databaseUrl: string; policyFile: string; apiUrl: string; logFile: string; fromDist: boolean }
  | { role: 'fake' };
/** A button click to build: who clicks which value. */
interface ClickSpec {
  value: string;
  user: string;
}
type ToFake = { type: 'build'; seq: number; clicks: ClickSpec[] } | { type: 'reset' } | { type: 'stop' };
type FromThread =
  | { type: 'ready'; port: number; createdMs: number }
  | { type: 'fake-ready'; apiUrl: string }
  | { type: 'built'; seq: number; items: { body: string; replyId: string }[] }
  | { type: 'reply'; id: string; at: number; text: string };

/** Steward: startSteward, then the changes requested through the core (the request form's submission, as a person on Slack). */
async function stewardThread(w: Extract<Role, { role: 'steward' }>) {
  const load = <T>(rel: string): Promise<T> =>
    import(pathToFileURL(join(root, w.fromDist ? `dist/src/${rel}.js` : `src/${rel}.ts`)).href) as Promise<T>;
  const [{ startSteward }, { loadSettings }] = await Promise.all([
    load<typeof import('../src/app.js')>('app'),
    load<typeof import('../src/config/env.js')>('config/env'),
  ]);
  const logStream = createWriteStream(w.logFile);
  const running = await startSteward(
    loadSettings({
      NODE_ENV: 'production',
      DATABASE_URL: w.databaseUrl,
      STEWARD_CONFIG: w.policyFile,
      PORT: '0',
      HOST: '127.0.0.1',
      STEWARD_CONSOLE: 'off',
      LOG_LEVEL,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: w.apiUrl,
    }),
    { logDestination: logStream },
  );
  const t0 = Date.now();
  for (let i = 0; i < CHANGES; i++) {
    const r = await running.steward.submit(
      { platform: 'slack', userId: slackId('req'), requestId: `bench-${i}` },
      { kind: 'change.request', nonce: `bench-${i}` },
      {
        title: `Bench change ${i + 1}`,
        service: `svc${i % SERVICES}`,
        kind: 'normal-medium',
        window: 'now +2h',
        details: 'Roll out the new build; roll back with the previous image.',
      },
    );
    if (!r.ok) throw new Error(`change ${i + 1} was refused: ${JSON.stringify(r.error)}`);
  }
  parentPort!.postMessage({ type: 'ready', port: running.port, createdMs: Date.now() - t0 } satisfies FromThread);
  parentPort!.once('message', async () => {
    await running.shutdown('bench');
    await new Promise((r) => logStream.end(r));
    process.exit(0);
  });
}

/** The FakeSlack: builds the click payloads (their response_urls point at it) and reports each reply's arrival. */
async function fakeThread() {
  const fake = await FakeSlack.start({
    botToken: BOT_TOKEN,
    defaultTimeoutMs: 600_000,
    users: people.map((p): SlackUserSeed => ({ id: slackId(p), name: p })),
    channels: [
      { id: CHANNEL, name: 'changes' },
      { id: 'C0GENERAL', name: 'general' },
    ],
  });
  const ctx = fake.payloadContext();
  parentPort!.on('message', async (m: ToFake) => {
    if (m.type === 'reset') return fake.resetCalls();
    if (m.type === 'stop') {
      await fake.close();
      process.exit(0);
    }
    const items = m.clicks.map((c) => {
      const payload = buildBlockActions(
        { action_id: 'steward:0', value: c.value, text: 'Approve', user: c.user, channel: CHANNEL },
        ctx,
      );
      const replyId = String(payload.response_url).split('/response/')[1]!;
      void fake
        .waitForResponse((p) => p.id === replyId)
        .then((p) =>
          parentPort!.postMessage({
            type: 'reply',
            id: replyId,
            at: now(),
            text: JSON.stringify(p.body),
          } satisfies FromThread),
        );
      return { body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), replyId };
    });
    parentPort!.postMessage({ type: 'built', seq: m.seq, items } satisfies FromThread);
  });
  parentPort!.postMessage({ type: 'fake-ready', apiUrl: fake.apiUrl } satisfies FromThread);
}

function startThread(input: Role) {
  const w = new Worker(
    `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); });`,
    { eval: true, workerData: input },
  );
  const next = <T extends FromThread['type']>(type: T) =>
    new Promise<Extract<FromThread, { type: T }>>((resolve, reject) => {
      const onMessage = (m: FromThread) => {
        if (m.type !== type) return;
        w.off('message', onMessage);
        w.off('error', reject);
        resolve(m as Extract<FromThread, { type: T }>);
      };
      w.on('message', onMessage);
      w.once('error', reject);
    });
  return {
    worker: w,
    next,
    post: (m: unknown) => w.postMessage(m),
    async stop() {
      const exited = new Promise((r) => w.once('exit', r));
      w.postMessage({ type: 'stop' });
      await exited;
    },
  };
}

// ---- the clicks ----
/** The same clicks in every run. */
const random = seededRandom(Number(env.BENCH_SEED ?? 7));
function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}
const pick = <T>(xs: readonly T[], n: number) => shuffle([...xs]).slice(0, n);

/** One planned click: who, on which change, and what it should do. */
interface Click {
  change: number;
  person: string;
  /** The first click of each needed approver counts; every other click changes nothing. */
  counts: boolean;
  kind: 'approval' | 'double' | 'after';
}

/**
 * Per change: 3 CAB members and 1 owner approve, each with a double click (two clicks sent
 * together); after every outcome, another CAB member and the same owner click again. In flight 50
 * at a time, the clicks of different changes mixed; the after-outcome clicks go once every change
 * is decided (all earlier replies are in).
 */
function plan(): { before: Click[]; after: Click[] } {
  const units: Click[][] = [];
  const after: Click[] = [];
  for (let n = 1; n <= CHANGES; n++) {
    const [a1, a2, a3, late] = pick(cab, QUORUM + 1) as [string, string, string, string];
    const owner = pick(owners((n - 1) % SERVICES), 1)[0]!;
    for (const p of [a1, a2, a3, owner])
      units.push([
        { change: n, person: p, counts: true, kind: 'approval' },
        { change: n, person: p, counts: false, kind: 'double' },
      ]);
    after.push(
      { change: n, person: late, counts: false, kind: 'after' },
      { change: n, person: owner, counts: false, kind: 'after' },
    );
  }
  return { before: shuffle(units).flat(), after: shuffle(after) };
}

const batches = <T>(xs: T[], n: number) =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

async function run(
  label: string,
  databaseUrl: string,
  count: (sql: string) => Promise<number>,
  rowsOf: (sql: string) => Promise<Record<string, unknown>[]>,
) {
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-chg-'));
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, policyYaml());
  const fake = startThread({ role: 'fake' });
  const { apiUrl } = await fake.next('fake-ready');
  const replies = new Map<string, (r: { at: number; text: string }) => void>();
  fake.worker.on('message', (m: FromThread) => {
    if (m.type === 'reply') replies.get(m.id)?.(m);
  });
  let buildSeq = 0;
  const builds = new Map<number, (items: { body: string; replyId: string }[]) => void>();
  fake.worker.on('message', (m: FromThread) => {
    if (m.type === 'built') builds.get(m.seq)?.(m.items);
  });
  const build = (clicks: ClickSpec[]) =>
    new Promise<{ body: string; replyId: string }[]>((resolve) => {
      const seq = ++buildSeq;
      builds.set(seq, (items) => {
        builds.delete(seq);
        resolve(items);
      });
      fake.post({ type: 'build', seq, clicks } satisfies ToFake);
    });

  const rssBefore = rssMb(process.pid);
  const cpuBefore = cpuMs(process.pid);
  const steward = startThread({
    role: 'steward',
    databaseUrl,
    policyFile,
    apiUrl,
    logFile: join(dir, 'steward.log'),
    fromDist,
  });
  const { port, createdMs } = await steward.next('ready');
  const target: Target = { port, secret: SECRET };
  const pending = () => count('select count(*) as n from outbox_item where done_at is null');
  const drained = async (what: string, timeoutMs = 600_000) => {
    const t0 = Date.now();
    while ((await pending()) > 0) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: outbox not drained after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return Date.now() - t0;
  };

  /** Sends the clicks at once; each one's ack time, and the time until its reply reached the response_url. */
  const clickAll = (items: { body: string; replyId: string }[]) =>
    Promise.all(
      items.map(async (c) => {
        const replied = new Promise<{ at: number; text: string }>((resolve) => replies.set(c.replyId, resolve));
        const t0 = now();
        const acked = await send(target, c.body);
        if (acked.status !== 200) throw new Error(`click answered HTTP ${acked.status}`);
        const r = await replied;
        replies.delete(c.replyId);
        return { ack: acked.ms, reply: r.at - t0, text: r.text };
      }),
    );
  const slash = slashBody('/service', 'list', slackId('req'));
  const slashBurst = async () => {
    const rs = await Promise.all(Array.from({ length: WIDTH }, () => send(target, slash)));
    for (const r of rs)
      if (r.status !== 200 || r.bytes < 200)
        throw new Error(`/service list answered HTTP ${r.status} with ${r.bytes} bytes`);
    return rs.map((r) => r.ms);
  };

  try {
    const announceMs = await drained('announcing the changes');
    fake.post({ type: 'reset' } satisfies ToFake);

    // Warm-up (the JIT compiles both paths): /service list, and catalog buttons from every person (their identities get recorded).
    for (let round = 0; round < 10; round++) {
      await slashBurst();
      await clickAll(
        await build(
          Array.from({ length: WIDTH }, (_, k) => ({
            value: `st1|service.show|svc${k % SERVICES}`,
            user: slackId(people[(round * WIDTH + k) % people.length]!),
          })),
        ),
      );
      fake.post({ type: 'reset' } satisfies ToFake);
    }

    // Measured: click turns (50 in flight until every reply is in) and /service list bursts of 50 alternate, the first of each pair alternating.
    const { before, after } = plan();
    const turns = [...batches(before, WIDTH), ...batches(after, WIDTH)];
    const built = await Promise.all(
      turns.map((t) => build(t.map((c) => ({ value: `st1|change.approve|${c.change}`, user: slackId(c.person) })))),
    );
    const clicks: (Click & { ack: number; reply: number; text: string })[] = [];
    const slashAcks: number[] = [];
    const cpu0 = cpuMs(process.pid);
    const wall0 = Date.now();
    let clickWallMs = 0;
    for (let i = 0; i < turns.length; i++) {
      const clickTurn = async () => {
        const b0 = Date.now();
        const rs = await clickAll(built[i]!);
        clickWallMs += Date.now() - b0;
        rs.forEach((r, k) => clicks.push({ ...turns[i]![k]!, ...r }));
      };
      const slashTurn = async () => void slashAcks.push(...(await slashBurst()));
      for (const turn of i % 2 === 0 ? [clickTurn, slashTurn] : [slashTurn, clickTurn]) await turn();
      fake.post({ type: 'reset' } satisfies ToFake);
    }
    const wallMs = Date.now() - wall0;
    const cpu = cpuMs(process.pid) - cpu0;
    const rssAfter = rssMb(process.pid);
    const settleMs = await drained('refreshing the cards');

    // ---- exactly once: what the clicks should give, against the database and the replies ----
    const problems: string[] = [];
    const check = (what: string, got: number, want: number) => {
      if (got !== want) problems.push(`${what}: ${got}, expected ${want}`);
      return `${what} ${got}/${want}${got === want ? '' : ' MISMATCH'}`;
    };
    const approved = (c: { text: string }) => c.text.includes('You approved');
    const want = clicks.filter((c) => c.counts).length;
    const decisive = clicks.filter((c) => c.text.includes('is now approved'));
    // Either click of a double click may be the one that counts (they are in flight together).
    const pairs = new Map<string, number>();
    for (const c of clicks)
      if (c.kind !== 'after')
        pairs.set(`${c.change}:${c.person}`, (pairs.get(`${c.change}:${c.person}`) ?? 0) + Number(approved(c)));
    const lines = [
      check('change_decision rows', await count('select count(*) as n from change_decision'), want),
      check(
        'change.approval_given',
        await count("select count(*) as n from audit_entry where action = 'change.approval_given'"),
        want,
      ),
      check(
        'change.approved',
        await count("select count(*) as n from audit_entry where action = 'change.approved'"),
        CHANGES,
      ),
      check('changes approved', await count("select count(*) as n from change where approval = 'approved'"), CHANGES),
      check('replies "You approved"', clicks.filter(approved).length, want),
      check('replies "is now approved"', decisive.length, CHANGES),
      check(
        'double clicks with exactly one counted',
        [...pairs.values()].filter((k) => k === 1).length,
        CHANGES * (QUORUM + 1),
      ),
      check(
        'clicks after the outcome refused',
        clicks.filter((c) => c.kind === 'after' && !approved(c)).length,
        CHANGES * 2,
      ),
    ];
    for (const d of await rowsOf(
      "select subject, count(*) as n from audit_entry where action = 'change.approved' group by subject having count(*) > 1",
    ))
      problems.push(`DOUBLE DECISION: ${d.subject} approved ${d.n} times`);
    for (const r of await rowsOf(
      'select c.number as num, count(d.id) as n from change c left join change_decision d on d.change_id = c.id group by c.number',
    ))
      if (Number(r.n) !== QUORUM + 1) problems.push(`CHG-${r.num}: ${r.n} decisions recorded, expected ${QUORUM + 1}`);
    const decidedBy = new Map<number, number>();
    for (const c of decisive) decidedBy.set(c.change, (decidedBy.get(c.change) ?? 0) + 1);
    for (const [n, k] of decidedBy)
      if (k > 1) problems.push(`DOUBLE DECISION: CHG-${n} answered "is now approved" ${k} times`);
    const copies = await count('select count(*) as n from change_message');

    const ack = summarize(clicks.map((c) => c.ack));
    const reply = summarize(clicks.map((c) => c.reply));
    const svc = summarize(slashAcks);
    const ratio = (a: Summary, b: Summary) => `p50 ${(a.p50 / b.p50).toFixed(2)}  p99 ${(a.p99 / b.p99).toFixed(2)}`;
    console.log(
      `\n  ${label}  (${fromDist ? 'dist/' : 'src/'}; ${copies} card copies: ${CHANGES} team cards + ${CAB + 2} approvers asked per change)`,
    );
    console.log(
      `    setup             ${CHANGES} changes requested through the core in ${createdMs} ms; cards and approver messages sent ${announceMs} ms later`,
    );
    console.log(`    click → ack       ${fmt(ack)}`);
    console.log(`    click → reply     ${fmt(reply)}   ("You approved" or the refusal, at the response_url)`);
    console.log(`    /service list ack ${fmt(svc)}`);
    console.log(
      `    ratio click ack / /service list ack   ${ratio(ack, svc)}   (click → reply / /service list ack: ${ratio(reply, svc)})`,
    );
    console.log(
      `    throughput        ${((clicks.length / clickWallMs) * 1000).toFixed(0)} clicks/s over ${(clickWallMs / 1000).toFixed(1)} s of click turns (${want} decisions, ${CHANGES} outcomes); ${(wallMs / 1000).toFixed(1)} s with the /service list turns; every card copy current ${settleMs} ms after the last reply`,
    );
    console.log(
      `    CPU               ${(cpu / (clicks.length + slashAcks.length)).toFixed(2)} ms per request over the measured turns (the whole process: Steward, FakeSlack, load; ${((cpuMs(process.pid) - cpuBefore) / 1000) | 0} s since Steward started)`,
    );
    console.log(
      `    RSS               ${rssBefore.toFixed(0)} MB before Steward started, ${rssAfter.toFixed(0)} MB after the clicks (the whole process)`,
    );
    console.log(`    exactly once      ${lines.join('; ')}`);
    if (problems.length) {
      console.log(`    FAIL: ${problems.length} problem(s)`);
      for (const p of problems.slice(0, 50)) console.log(`      ${p}`);
    } else console.log(`    PASS: every outcome decided exactly once (${clicks.length} clicks)`);
    return problems;
  } finally {
    await steward.stop();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Built code (dist/, what `npm run bench` builds and production runs) unless BENCH_FROM=src or dist/ is missing.
const fromDist = env.BENCH_FROM !== 'src' && existsSync(join(root, 'dist/src/app.js'));

async function main() {
  console.log(
    `\nchange approvals: ${CHANGES} changes (${QUORUM} of a CAB of ${CAB} + 1 of 2 owners each), ${CHANGES * CLICKS_PER_CHANGE} signed Approve clicks ${WIDTH} in flight (double clicks, clicks after the outcome), in turns with /service list at the same concurrency`,
  );
  let failed = false;
  for (const dialect of DIALECTS) {
    if (dialect === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'steward-bench-chg-db-'));
      const file = join(dir, 'steward.db');
      const q = (sql: string) => {
        const db = new Database(file, { readonly: true, timeout: 10_000 });
        try {
          return db.prepare(sql).all() as Record<string, unknown>[];
        } finally {
          db.close();
        }
      };
      try {
        failed =
          (
            await run(
              'SQLite',
              `file:${file}`,
              async (sql) => Number(q(sql)[0]!.n),
              async (sql) => q(sql),
            )
          ).length > 0 || failed;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } else if (dialect === 'postgresql') {
      if (!(await pgAvailable())) {
        console.log('\n  PostgreSQL not reachable (TEST_DATABASE_URL): skipped');
        continue;
      }
      const db = await createPgDatabase();
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const q = async (sql: string) => (await client.query(sql)).rows as Record<string, unknown>[];
      try {
        failed = (await run('PostgreSQL', db.url, async (sql) => Number((await q(sql))[0]!.n), q)).length > 0 || failed;
      } finally {
        await client.end();
        await db.drop();
      }
    }
  }
  closeAgent();
  if (failed) {
    console.log('\nFAIL: an outcome was not decided exactly once, or a count is off (see above)');
    process.exitCode = 1;
  }
}

if (isMainThread) await main();
else if ((workerData as Role).role === 'steward') await stewardThread(workerData as Extract<Role, { role: 'steward' }>);
else await fakeThread();
