// Calendar jobs on a real database: exact instants across daylight-saving days, replicas, restarts and catch-up, per-team zones, policy reloads.
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { policySchema } from '../../src/core/policy/schema.js';
import { Directory } from '../../src/core/directory.js';
import type { CalendarJob, CalendarSlot } from '../../src/core/jobs/job.js';
import type { Clock } from '../../src/core/ports.js';
import { ManualClock } from '../support/clock.js';
import { createLogger } from '../../src/observability/logger.js';
import { CalendarScheduler } from '../../src/scheduler/calendar.js';
import { sqlitePath } from '../../src/store/dialect.js';
import { openStore } from '../../src/store/index.js';
import { forEachDialect } from '../support/databases.js';

type Store = Awaited<ReturnType<typeof openStore>>;

const log = createLogger({ level: 'silent', secrets: [] });
const MIN = 60_000;
const NY = 'America/New_York';
const BER = 'Europe/Berlin';

interface Run {
  key: string;
  occurrence: string;
  now: string;
  late: boolean;
  holder: string;
}

/** A test clock that only moves when told to; moving it fires the timers a started scheduler armed. */
function manualClock(start: string) {
  const clock = new ManualClock(start);
  return { clock, set: (iso: string | Date) => clock.set(iso), now: () => clock.now() };
}

const directory = (teams: Array<{ id: string; timezone?: string }> = []) =>
  new Directory(policySchema.parse({ timezone: 'UTC', teams: teams.map((t) => ({ name: t.id, ...t })) }), 'test');

/** A job whose runs are appended to `runs`; `fail` makes it throw. */
function recordingJob(
  name: string,
  slots: (dir: Directory) => CalendarSlot[],
  runs: Run[],
  opts: { catchUp?: boolean; fail?: boolean; holder?: string } = {},
): CalendarJob {
  return {
    name,
    slots,
    catchUp: opts.catchUp ?? true,
    async run(r) {
      runs.push({
        key: r.scope ? `${name}:${r.scope}` : name,
        occurrence: r.occurrence.toISOString(),
        now: r.now.toISOString(),
        late: r.late,
        holder: opts.holder ?? '',
      });
      if (opts.fail) throw new Error('digest failed');
    },
  };
}

/** job_run rows, read directly from the database. */
async function jobRunRows(
  url: string,
): Promise<Array<{ job: string; state: string; late: boolean; claimed_by: string; error: string | null }>> {
  const sql = 'SELECT "job", "state", "late", "claimed_by", "error" FROM "job_run" ORDER BY "id"';
  let rows: Array<Record<string, unknown>>;
  if (url.startsWith('file:')) {
    const db = new Database(sqlitePath(url), { readonly: true });
    try {
      rows = db.prepare(sql).all() as Array<Record<string, unknown>>;
    } finally {
      db.close();
    }
  } else {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      rows = (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }
  return rows.map((r) => ({
    job: String(r.job),
    state: String(r.state),
    late: Boolean(Number(r.late)),
    claimed_by: String(r.claimed_by),
    error: (r.error as string | null) ?? null,
  }));
}

await forEachDialect('calendar scheduler', ({ dialect, createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function database() {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const open = async () => {
      const store = await openStore({ url: db.url, migrate: true });
      cleanup.push(() => store.close());
      return store;
    };
    return { url: db.url, store: await open(), open };
  }

  function scheduler(
    store: Store,
    clock: Clock,
    jobs: CalendarJob[],
    holder = 'steward-1',
    dir: () => Directory = () => directory(),
  ) {
    const s = new CalendarScheduler({ jobRuns: store.jobRuns, clock, dir, holder, log }, jobs);
    cleanup.push(() => s.stop());
    return s;
  }

  /**
   * One planning step on every scheduler at the same instant. On PostgreSQL they run concurrently.
   * On SQLite one after the other: better-sqlite3 is synchronous, so two connections in one process
   * (unlike two processes) would block each other's wait for the write lock.
   */
  async function stepAll(schedulers: CalendarScheduler[]) {
    if (dialect === 'postgresql') return (await Promise.all(schedulers.map((s) => s.runDue()))).flat();
    const out = [];
    for (const s of schedulers) out.push(...(await s.runDue()));
    return out;
  }

  /** Moves the clock from `from` to `to` (inclusive) in `stepMin` steps, planning on every scheduler at each step. */
  async function walk(
    set: (iso: Date) => unknown,
    schedulers: CalendarScheduler[],
    from: string,
    to: string,
    stepMin: number,
  ) {
    const results: string[] = [];
    for (let t = new Date(from).getTime(); t <= new Date(to).getTime(); t += stepMin * MIN) {
      await set(new Date(t));
      results.push(...(await stepAll(schedulers)).map((o) => o.result));
    }
    return results;
  }

  const dstCases = [
    {
      what: '02:30 on the spring-forward day in New York (does not exist): 03:30 EDT',
      cron: '30 2 * * *',
      zone: NY,
      from: '2026-03-07T12:00:00Z',
      runs: ['2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z'],
    },
    {
      what: '01:30 on the fall-back day in New York (occurs twice): the first, 01:30 EDT',
      cron: '30 1 * * *',
      zone: NY,
      from: '2026-10-31T12:00:00Z',
      runs: ['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
    },
    {
      what: '09:00 on the spring-forward day in Berlin: 07:00Z',
      cron: '0 9 * * *',
      zone: BER,
      from: '2026-03-28T12:00:00Z',
      runs: ['2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z'],
    },
    {
      what: '09:00 on the fall-back day in Berlin: 08:00Z',
      cron: '0 9 * * *',
      zone: BER,
      from: '2026-10-24T12:00:00Z',
      runs: ['2026-10-25T08:00:00.000Z', '2026-10-26T08:00:00.000Z'],
    },
  ];
  for (const c of dstCases) {
    it(`${c.what}, once, at its instant, walking two days in 5-minute steps`, async () => {
      const { store, url } = await database();
      const { clock, set } = manualClock(c.from);
      const runs: Run[] = [];
      const s = scheduler(store, clock, [recordingJob('digest', () => [{ cron: c.cron, timezone: c.zone }], runs)]);
      const end = new Date(new Date(c.from).getTime() + 48 * 60 * MIN).toISOString();
      await walk(set, [s], c.from, end, 5);
      expect(runs.map((r) => r.occurrence)).toEqual(c.runs);
      expect(runs.map((r) => r.now)).toEqual(c.runs); // run at the step that reached the instant, not later
      expect(runs.every((r) => !r.late)).toBe(true);
      expect(await jobRunRows(url)).toEqual(
        c.runs.map(() => ({ job: 'digest', state: 'done', late: false, claimed_by: 'steward-1', error: null })),
      );
    });
  }

  it('two replicas on one database, planning at the same instants, run each occurrence once', async () => {
    const { store, open, url } = await database();
    const other = await open(); // a second connection (pool), as another process would have
    const { clock, set } = manualClock('2026-03-07T12:00:00Z');
    const runs: Run[] = [];
    const slots = () => [
      { scope: 'payments', cron: '30 2 * * *', timezone: NY },
      { scope: 'platform', cron: '0 9 * * *', timezone: BER },
    ];
    const a = scheduler(store, clock, [recordingJob('digest', slots, runs, { holder: 'a' })], 'a');
    const b = scheduler(other, clock, [recordingJob('digest', slots, runs, { holder: 'b' })], 'b');
    const results = await walk(set, [a, b], '2026-03-07T12:00:00Z', '2026-03-09T12:00:00Z', 10);
    expect(results.sort()).toEqual(['done', 'done', 'done', 'done', 'lost', 'lost', 'lost', 'lost']);
    expect(runs.map((r) => `${r.key}@${r.occurrence}`).sort()).toEqual([
      'digest:payments@2026-03-08T07:30:00.000Z',
      'digest:payments@2026-03-09T06:30:00.000Z',
      'digest:platform@2026-03-08T08:00:00.000Z',
      'digest:platform@2026-03-09T08:00:00.000Z',
    ]);
    const rows = await jobRunRows(url);
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => r.claimed_by).sort()).toEqual(runs.map((r) => r.holder).sort()); // each row claimed by the replica that ran it
    // The loser of a claim sees it as lost.
    await set('2026-03-10T06:30:00Z');
    expect((await stepAll([a, b])).map((o) => o.result).sort()).toEqual(['done', 'lost']);
  });

  it('a restart past several occurrences runs the latest missed one once, marked late, and never again on a further restart', async () => {
    const { store, url } = await database();
    const { clock, set } = manualClock('2026-06-01T06:00:00Z');
    const runs: Run[] = [];
    const job = () => recordingJob('digest', () => [{ cron: '0 9 * * *', timezone: BER }], runs);
    const first = scheduler(store, clock, [job()]);
    expect(await first.start()).toEqual([]); // fresh database: nothing to catch up
    await walk(set, [first], '2026-06-01T06:00:00Z', '2026-06-01T08:00:00Z', 30);
    await first.stop();
    expect(runs).toEqual([
      {
        key: 'digest',
        occurrence: '2026-06-01T07:00:00.000Z',
        now: '2026-06-01T07:00:00.000Z',
        late: false,
        holder: '',
      },
    ]);

    // Down from 08:00Z on 06-01 until 12:00Z on 06-04: 06-02, 06-03 and 06-04 at 09:00 CEST were missed.
    await set('2026-06-04T12:00:00Z');
    const second = scheduler(store, clock, [job()]);
    const started = await second.start();
    expect(started.map((o) => [o.occurrence.toISOString(), o.late, o.result])).toEqual([
      ['2026-06-04T07:00:00.000Z', true, 'done'],
    ]);
    expect(runs.slice(1)).toEqual([
      {
        key: 'digest',
        occurrence: '2026-06-04T07:00:00.000Z',
        now: '2026-06-04T12:00:00.000Z',
        late: true,
        holder: '',
      },
    ]);
    expect(await second.runDue()).toEqual([]);
    await second.stop();

    await set('2026-06-04T12:30:00Z');
    const third = scheduler(store, clock, [job()]);
    expect(await third.start()).toEqual([]);
    await walk(set, [third], '2026-06-04T12:30:00Z', '2026-06-05T08:00:00Z', 30);
    expect(runs.slice(2).map((r) => [r.occurrence, r.late])).toEqual([['2026-06-05T07:00:00.000Z', false]]);
    expect((await jobRunRows(url)).map((r) => [r.state, r.late])).toEqual([
      ['done', false],
      ['done', true],
      ['done', false],
    ]);
  });

  it('a restart past one occurrence runs it once, late; with catchUp off it is skipped and the next one runs on time', async () => {
    const { store } = await database();
    const { clock, set } = manualClock('2026-06-01T07:00:00Z');
    const runs: Run[] = [];
    const jobs = (catchUp: boolean) => [
      recordingJob('catching-up', () => [{ cron: '0 9 * * *', timezone: BER }], runs, { catchUp }),
      recordingJob('on-time-only', () => [{ cron: '0 9 * * *', timezone: BER }], runs, { catchUp: false }),
    ];
    await scheduler(store, clock, jobs(true)).runDue(); // both run 06-01 07:00Z
    await set('2026-06-02T07:20:00Z');
    const restarted = scheduler(store, clock, jobs(true));
    await restarted.start();
    await set('2026-06-03T07:00:00Z');
    await restarted.runDue();
    expect(runs.map((r) => `${r.key}@${r.occurrence.slice(0, 16)}${r.late ? ' late' : ''}`).sort()).toEqual([
      'catching-up@2026-06-01T07:00',
      'catching-up@2026-06-02T07:00 late',
      'catching-up@2026-06-03T07:00',
      'on-time-only@2026-06-01T07:00',
      'on-time-only@2026-06-03T07:00', // 06-02 was missed and is not run
    ]);
  });

  it('a fresh database does not catch up, even long after an occurrence', async () => {
    const { store, url } = await database();
    const { clock, set } = manualClock('2026-06-04T12:00:00Z');
    const runs: Run[] = [];
    const s = scheduler(store, clock, [recordingJob('digest', () => [{ cron: '0 9 * * *', timezone: BER }], runs)]);
    expect(await s.start()).toEqual([]);
    expect(s.nextOccurrences().map((o) => o.next?.toISOString())).toEqual(['2026-06-05T07:00:00.000Z']);
    await set('2026-06-05T06:59:59.999Z');
    expect(await s.runDue()).toEqual([]);
    expect(await jobRunRows(url)).toEqual([]);
    // The started scheduler's timer wakes at 07:00 and runs it; a planning step then finds nothing.
    await set('2026-06-05T07:00:00Z');
    expect(await s.runDue()).toEqual([]);
    expect(runs.map((r) => [r.occurrence, r.now])).toEqual([['2026-06-05T07:00:00.000Z', '2026-06-05T07:00:00.000Z']]);
    expect(await jobRunRows(url)).toEqual([
      { job: 'digest', state: 'done', late: false, claimed_by: 'steward-1', error: null },
    ]);
  });

  it("a per-team job runs each team at 09:00 in the team's own time zone (or the policy's)", async () => {
    const { store } = await database();
    const { clock, set } = manualClock('2026-06-01T00:00:00Z');
    const runs: Run[] = [];
    const teams = [
      { id: 'payments', timezone: NY },
      { id: 'platform', timezone: BER },
      { id: 'search', timezone: 'Asia/Kolkata' },
      { id: 'ops' },
    ];
    const perTeam = (dir: Directory) =>
      dir.allTeams().map((t) => ({ scope: t.id, cron: '0 9 * * *', timezone: t.timezone ?? dir.policy.timezone }));
    const s = scheduler(store, clock, [recordingJob('digest', perTeam, runs)], 'steward-1', () => directory(teams));
    await walk(set, [s], '2026-06-01T00:00:00Z', '2026-06-01T23:45:00Z', 15);
    expect(runs.map((r) => [r.key, r.now])).toEqual([
      ['digest:search', '2026-06-01T03:30:00.000Z'], // 09:00 IST
      ['digest:platform', '2026-06-01T07:00:00.000Z'], // 09:00 CEST
      ['digest:ops', '2026-06-01T09:00:00.000Z'], // 09:00 UTC (policy time zone)
      ['digest:payments', '2026-06-01T13:00:00.000Z'], // 09:00 EDT
    ]);
    expect((await store.jobRuns.latest('digest:payments'))?.toISOString()).toBe('2026-06-01T13:00:00.000Z');
  });

  it('a policy reload that changes a team time zone or the cron moves the next run; a removed team stops', async () => {
    const { store } = await database();
    const { clock, set } = manualClock('2026-06-01T05:00:00Z');
    const runs: Run[] = [];
    let policy = directory([
      { id: 'payments', timezone: NY },
      { id: 'platform', timezone: BER },
    ]);
    let cron = '0 9 * * *';
    const perTeam = (dir: Directory) => dir.allTeams().map((t) => ({ scope: t.id, cron, timezone: t.timezone! }));
    const s = scheduler(store, clock, [recordingJob('digest', perTeam, runs)], 'steward-1', () => policy);
    await s.start();
    const next = () => Object.fromEntries(s.nextOccurrences().map((o) => [o.scope, o.next?.toISOString()]));
    expect(next()).toEqual({ platform: '2026-06-01T07:00:00.000Z', payments: '2026-06-01T13:00:00.000Z' });

    policy = directory([
      { id: 'payments', timezone: BER },
      { id: 'platform', timezone: BER },
    ]); // payments moves to Berlin
    await set('2026-06-01T05:30:00Z');
    await s.runDue();
    expect(next()).toEqual({ platform: '2026-06-01T07:00:00.000Z', payments: '2026-06-01T07:00:00.000Z' });
    await walk(set, [s], '2026-06-01T05:30:00Z', '2026-06-01T08:00:00Z', 15);
    expect(runs.map((r) => [r.key, r.now]).sort()).toEqual([
      ['digest:payments', '2026-06-01T07:00:00.000Z'],
      ['digest:platform', '2026-06-01T07:00:00.000Z'],
    ]);

    // At 08:00Z (10:00 CEST) on Monday 06-01 the cron moves to 10:30 on weekdays: the next run is
    // 10:30 the same day (a reload moves the next run; it does not know the day's digest went out).
    cron = '30 10 * * 1-5'; // 2026-06-06 is a Saturday
    policy = directory([{ id: 'platform', timezone: BER }]); // payments leaves
    await walk(set, [s], '2026-06-01T08:00:00Z', '2026-06-08T12:00:00Z', 30);
    expect(runs.slice(2).map((r) => `${r.key}@${r.now}`)).toEqual(
      ['01', '02', '03', '04', '05', '08'].map((d) => `digest:platform@2026-06-${d}T08:30:00.000Z`),
    );
    expect(s.nextOccurrences().map((o) => [o.key, o.next?.toISOString()])).toEqual([
      ['digest:platform', '2026-06-09T08:30:00.000Z'],
    ]);
  });

  it('a failing run is recorded as failed, reported, and not retried by this or another replica', async () => {
    const { store, open, url } = await database();
    const other = await open();
    const { clock, set } = manualClock('2026-06-01T06:00:00Z');
    const runs: Run[] = [];
    const reported: Array<[string, boolean]> = [];
    const job = recordingJob('digest', () => [{ cron: '0 9 * * *', timezone: BER }], runs, { fail: true });
    const a = new CalendarScheduler(
      {
        jobRuns: store.jobRuns,
        clock,
        dir: () => directory(),
        holder: 'a',
        log,
        onRun: (j, _s, o, _l, ok) => reported.push([`${j}@${o.toISOString()}`, ok]),
      },
      [job],
    );
    const b = scheduler(other, clock, [job], 'b');
    await a.runDue();
    await b.runDue();
    await set('2026-06-01T07:00:00Z');
    expect((await a.runDue()).map((o) => o.result)).toEqual(['failed']);
    expect((await b.runDue()).map((o) => o.result)).toEqual(['lost']);
    await set('2026-06-01T07:00:30Z');
    expect(await a.runDue()).toEqual([]);
    expect(runs).toHaveLength(1);
    expect(reported).toEqual([['digest@2026-06-01T07:00:00.000Z', false]]);
    expect(await jobRunRows(url)).toEqual([
      { job: 'digest', state: 'failed', late: false, claimed_by: 'a', error: 'digest failed' },
    ]);
  });

  it('a claim that fails (database unreachable) is claimed again at the next step, and runs once', async () => {
    const { store } = await database();
    const { clock, set } = manualClock('2026-06-01T06:00:00Z');
    const runs: Run[] = [];
    let outage = true;
    const flaky = {
      ...store.jobRuns,
      claim: (...a: Parameters<Store['jobRuns']['claim']>) =>
        outage ? Promise.reject(new Error('connection refused')) : store.jobRuns.claim(...a),
    };
    const s = new CalendarScheduler({ jobRuns: flaky, clock, dir: () => directory(), holder: 'a', log }, [
      recordingJob('digest', () => [{ cron: '0 9 * * *', timezone: BER }], runs),
    ]);
    await s.runDue();
    await set('2026-06-01T07:00:00Z');
    expect((await s.runDue()).map((o) => o.result)).toEqual(['error']);
    outage = false;
    await set('2026-06-01T07:00:30Z');
    expect((await s.runDue()).map((o) => [o.occurrence.toISOString(), o.result])).toEqual([
      ['2026-06-01T07:00:00.000Z', 'done'],
    ]);
    expect(await s.runDue()).toEqual([]);
    expect(runs.map((r) => r.occurrence)).toEqual(['2026-06-01T07:00:00.000Z']);
  });

  it('start() arms a timer on the clock that wakes at the next occurrence; stop() waits for the run in flight and runs nothing more', async () => {
    const { store } = await database();
    const clock = new ManualClock('2026-06-01T06:59:59.980Z'); // 20 ms before 09:00 CEST
    let finished = 0;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const job: CalendarJob = {
      name: 'digest',
      catchUp: true,
      slots: () => [{ cron: '* * * * *', timezone: BER }],
      async run() {
        started();
        await released;
        finished++;
      },
    };
    const s = scheduler(store, clock, [job]);
    await s.start();
    expect(clock.pending()).toEqual([new Date('2026-06-01T07:00:00.000Z')]);
    await clock.advance(19);
    expect(finished).toBe(0);
    await clock.advance(1);
    await running; // woken by the timer at 07:00:00.000
    let stopped = false;
    const stopping = s.stop().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    expect([stopped, finished]).toEqual([false, 0]); // stop() waits for the run
    release();
    await stopping;
    expect(finished).toBe(1);
    expect(clock.pending()).toEqual([]); // nothing armed after stop()
    expect((await store.jobRuns.latest('digest'))?.toISOString()).toBe('2026-06-01T07:00:00.000Z');
    expect(await s.runDue()).toEqual([]); // stopped: no new runs
  });
});
