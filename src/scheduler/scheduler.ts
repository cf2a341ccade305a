// Named periodic jobs, each run under a database lease so that one replica fires each tick.
import type { Clock, LeaseRepo } from '../core/ports.js';
import type { Logger } from '../observability/logger.js';

export interface Job {
  name: string;
  everyMs: number;
  run(now: Date): Promise<void>;
  /** false: runs on every replica each tick (the job coordinates itself, e.g. outbox claims). */
  exclusive?: boolean;
}

export interface SchedulerDeps {
  leases: LeaseRepo;
  clock: Clock;
  holder: string;
  log: Logger;
}

export class Scheduler {
  /** Cancels each job's armed tick. */
  private timers = new Map<string, () => void>();
  private running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly jobs: Job[],
  ) {}

  start(): void {
    for (const job of this.jobs) this.arm(job, 0);
  }

  /**
   * One tick of one job: take the lease for slightly less than the period, run if we hold it.
   * Returns whether this replica ran the job.
   */
  async tick(job: Job): Promise<boolean> {
    const now = this.deps.clock.now();
    const ttl = Math.max(1_000, job.everyMs - 500);
    if (job.exclusive !== false && !(await this.deps.leases.acquire(`job:${job.name}`, this.deps.holder, ttl, now)))
      return false;
    const started = performance.now();
    await job.run(now);
    this.deps.log.debug({ job: job.name, ms: Math.round(performance.now() - started) }, 'job ran');
    return true;
  }

  /** Waits `delay` on the clock, then ticks `job` and arms its next tick. */
  private arm(job: Job, delay: number) {
    if (this.stopped) return;
    const cancel = this.deps.clock.setTimer(delay, () => {
      const p = this.tick(job)
        .then(() => undefined)
        .catch((err) => this.deps.log.error({ err, job: job.name }, 'job failed'))
        .finally(() => {
          this.running.delete(p);
          this.arm(job, job.everyMs);
        });
      this.running.add(p);
      return p;
    });
    this.timers.set(job.name, cancel);
  }

  /** Stops arming new ticks and waits for running ones. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const cancel of this.timers.values()) cancel();
    await Promise.all(this.running);
  }
}
