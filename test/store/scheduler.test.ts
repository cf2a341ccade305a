// Scheduled jobs under database leases: with several replicas on one database, one fires each period.
import { afterEach, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { Scheduler, type Job } from '../../src/scheduler/scheduler.js';
import { openStore } from '../../src/store/index.js';
import { forEachDialect } from '../support/databases.js';
import { ManualClock } from '../support/clock.js';

const log = createLogger({ level: 'silent', secrets: [] });
const T0 = new Date('2026-03-29T00:59:00.000Z');

await forEachDialect('scheduler', ({ createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  /** `n` replicas (schedulers with their own holder id) sharing one database and one clock. */
  async function replicas(n: number) {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    const clock = new ManualClock(T0);
    const runs: string[] = [];
    const nodes = Array.from({ length: n }, (_, i) => {
      const job: Job = {
        name: 'digest',
        everyMs: 60_000,
        run: async (at) => void runs.push(`r${i}@${at.toISOString().slice(11, 19)}`),
      };
      return { scheduler: new Scheduler({ leases: store.leases, clock, holder: `replica-${i}`, log }, [job]), job };
    });
    const tick = (i: number) => nodes[i]!.scheduler.tick(nodes[i]!.job);
    return { tick, runs, nodes, clock, at: (ms: number) => clock.set(T0.getTime() + ms) };
  }

  it('five replicas ticking at the same instant run the job once', async () => {
    const { tick, runs } = await replicas(5);
    const fired = await Promise.all([0, 1, 2, 3, 4].map(tick));
    expect(fired.filter(Boolean)).toHaveLength(1);
    expect(runs).toHaveLength(1);
  });

  it('within a period only the holder runs; the next period goes to whoever ticks first', async () => {
    const { tick, runs, at } = await replicas(2);
    expect(await tick(0)).toBe(true);
    await at(30_000);
    expect(await tick(1)).toBe(false);
    expect(await tick(0)).toBe(true); // the holder renews its own lease
    await at(30_000 + 59_400);
    expect(await tick(1)).toBe(false); // renewed lease still held
    await at(30_000 + 59_500);
    expect(await tick(1)).toBe(true); // lapsed: replica 1 takes over (e.g. replica 0 died)
    expect(await tick(0)).toBe(false);
    expect(runs).toEqual(['r0@00:59:00', 'r0@00:59:30', 'r1@01:00:29']);
  });

  it('started replicas tick through the clock: at start, then every period, one run each time; stop() arms nothing more', async () => {
    const { nodes, runs, clock } = await replicas(2);
    for (const n of nodes) n.scheduler.start();
    // Each replica's first tick is due at once; nothing runs until the clock is moved.
    expect(clock.pending()).toEqual([T0, T0]);
    expect(runs).toEqual([]);
    await clock.advance(0);
    expect(runs).toEqual(['r0@00:59:00']);
    expect(clock.pending()).toEqual([new Date(T0.getTime() + 60_000), new Date(T0.getTime() + 60_000)]);
    await clock.advance(59_999);
    expect(runs).toHaveLength(1);
    await clock.advance(1);
    expect(runs).toEqual(['r0@00:59:00', 'r0@01:00:00']); // the lease holder renews it first
    await Promise.all(nodes.map((n) => n.scheduler.stop()));
    expect(clock.pending()).toEqual([]);
    await clock.advance(120_000);
    expect(runs).toHaveLength(2);
  });

  it('a failing job is reported and the lease is still taken (no other replica re-runs it this period)', async () => {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    const clock = new ManualClock(T0);
    const boom: Job = { name: 'boom', everyMs: 60_000, run: async () => Promise.reject(new Error('job failed')) };
    const a = new Scheduler({ leases: store.leases, clock, holder: 'a', log }, [boom]);
    const b = new Scheduler({ leases: store.leases, clock, holder: 'b', log }, [boom]);
    await expect(a.tick(boom)).rejects.toThrow('job failed');
    expect(await b.tick(boom)).toBe(false);
  });
});
