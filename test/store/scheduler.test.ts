// Scheduled jobs under database leases: with several replicas on one database, one fires each period.
import { afterEach, expect, it } from 'vitest';
import type { Clock } from '../../src/core/ports.js';
import { createLogger } from '../../src/observability/logger.js';
import { Scheduler, type Job } from '../../src/scheduler/scheduler.js';
import { openStore } from '../../src/store/index.js';
import { forEachDialect } from '../support/databases.js';

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
    let now = T0;
    const clock: Clock = { now: () => now };
    const runs: string[] = [];
    const nodes = Array.from({ length: n }, (_, i) => {
      const job: Job = { name: 'digest', everyMs: 60_000, run: async (at) => void runs.push(`r${i}@${at.toISOString().slice(11, 19)}`) };
      return { scheduler: new Scheduler({ leases: store.leases, clock, holder: `replica-${i}`, log }, [job]), job };
    });
    const tick = (i: number) => nodes[i].scheduler.tick(nodes[i].job);
    return { tick, runs, at: (ms: number) => (now = new Date(T0.getTime() + ms)) };
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
    at(30_000);
    expect(await tick(1)).toBe(false);
    expect(await tick(0)).toBe(true); // the holder renews its own lease
    at(30_000 + 59_400);
    expect(await tick(1)).toBe(false); // renewed lease still held
    at(30_000 + 59_500);
    expect(await tick(1)).toBe(true); // lapsed: replica 1 takes over (e.g. replica 0 died)
    expect(await tick(0)).toBe(false);
    expect(runs).toEqual(['r0@00:59:00', 'r0@00:59:30', 'r1@01:00:29']);
  });

  it('a failing job is reported and the lease is still taken (no other replica re-runs it this period)', async () => {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    const clock: Clock = { now: () => T0 };
    const boom: Job = { name: 'boom', everyMs: 60_000, run: async () => Promise.reject(new Error('job failed')) };
    const a = new Scheduler({ leases: store.leases, clock, holder: 'a', log }, [boom]);
    const b = new Scheduler({ leases: store.leases, clock, holder: 'b', log }, [boom]);
    await expect(a.tick(boom)).rejects.toThrow('job failed');
    expect(await b.tick(boom)).toBe(false);
  });
});
