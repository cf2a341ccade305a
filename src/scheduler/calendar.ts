// Calendar jobs (cron in an IANA zone): each (job, scope) occurrence claimed once in job_run, then run.
//
// Planning, at start and at every step after it (a timer wakes at the nearest occurrence, at least
// every 30 s, so policy reloads and clock changes are picked up):
// - slots are read from `slots(dir())` each step; a slot that is new, or whose cron or time zone
//   changed, is armed at its first occurrence at or after now (times already passed are not run);
// - an armed occurrence that is ≤ now is due; when several passed (a stalled process, a clock
//   jump) only the latest runs; then the slot is armed at its next occurrence;
// - at the first step a job with `catchUp` also runs the latest occurrence ≤ now that is later than
//   its latest claimed one, once, with `late: true` (it was missed while Steward was down). A scope
//   that never ran has nothing to catch up (no backlog on a fresh database).
// Every due occurrence is claimed with jobRuns.claim (a unique row): only the winner runs it, so
// replicas and restarts run each occurrence once. Failures are recorded, not retried.
import type { Directory } from '../core/directory.js';
import type { CalendarJob, CalendarSlot } from '../core/jobs/job.js';
import type { JobRunRepo } from '../core/jobs/ports.js';
import type { Clock } from '../core/ports.js';
import type { Logger } from '../observability/logger.js';
import { cronTime, type CronTime } from '../core/jobs/cron.js';

/** Longest sleep between planning steps. */
export const MAX_SLEEP_MS = 30_000;

export interface CalendarSchedulerDeps {
  jobRuns: JobRunRepo;
  clock: Clock;
  /** The current policy (read at every planning step). */
  dir: () => Directory;
  /** This process's id in job_run.claimed_by. */
  holder: string;
  log: Logger;
  onRun?(job: string, scope: string | undefined, occurrence: Date, late: boolean, ok: boolean): void;
}

/** What became of one due occurrence on this scheduler. */
export interface CalendarOutcome {
  job: string;
  scope?: string;
  /** The claim key: `job` or `job:scope`. */
  key: string;
  occurrence: Date;
  late: boolean;
  /**
   * 'lost': another replica (or an earlier run) holds the claim; 'skipped': the previous occurrence
   * of this key still runs here, or the scheduler stopped; 'error': the claim failed (retried).
   */
  result: 'done' | 'failed' | 'lost' | 'skipped' | 'error';
}

export interface PlannedOccurrence {
  job: string;
  scope?: string;
  key: string;
  cron: string;
  timezone: string;
  /** null when the expression never matches again. */
  next: Date | null;
}

interface Arm {
  job: CalendarJob;
  slot: CalendarSlot;
  time: CronTime;
  next: Date | null;
  /** A due occurrence whose claim failed (database error): claimed again at the next step. */
  retry?: Due;
}

interface Due {
  job: CalendarJob;
  scope?: string;
  key: string;
  occurrence: Date;
  late: boolean;
}

export const claimKey = (job: string, scope?: string) => (scope === undefined ? job : `${job}:${scope}`);

export class CalendarScheduler {
  private readonly arms = new Map<string, Arm>();
  private readonly caughtUp = new Set<string>();
  private readonly running = new Map<string, Promise<CalendarOutcome>>();
  private readonly reported = new Set<string>();
  /** Occurrences before this instant were missed while Steward was down. */
  private readonly baseline: Date;
  private planning: Promise<unknown> = Promise.resolve();
  /** Cancels the armed wait for the next planning step. */
  private cancel: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly deps: CalendarSchedulerDeps,
    private readonly jobs: CalendarJob[],
  ) {
    this.baseline = deps.clock.now();
    const names = new Set<string>();
    for (const j of jobs) {
      if (names.has(j.name)) throw new Error(`calendar job "${j.name}" is declared twice`);
      names.add(j.name);
    }
  }

  /** Runs the first planning step (catch-up included), then keeps planning on a timer. */
  async start(): Promise<CalendarOutcome[]> {
    try {
      return await this.runDue();
    } catch (err) {
      this.deps.log.error({ err }, 'calendar planning failed at start; trying again shortly');
      return [];
    } finally {
      this.arm();
    }
  }

  /** Stops planning and waits for the runs in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    await this.planning.catch(() => undefined);
    await Promise.all(this.running.values());
  }

  /**
   * One planning step at the clock's now: claims and runs every due occurrence, waits for them and
   * for the runs the timer started before (so the state is settled when it returns).
   */
  async runDue(): Promise<CalendarOutcome[]> {
    const due = await this.plan();
    const outcomes = await Promise.all(due.map((d) => this.execute(d)));
    await Promise.all(this.running.values());
    return outcomes;
  }

  /** The next occurrence of every slot armed at the last planning step, soonest first. */
  nextOccurrences(): PlannedOccurrence[] {
    return [...this.arms.entries()]
      .map(([key, a]) => ({
        job: a.job.name,
        scope: a.slot.scope,
        key,
        cron: a.slot.cron,
        timezone: a.slot.timezone,
        next: a.next,
      }))
      .sort((a, b) => (a.next?.getTime() ?? Infinity) - (b.next?.getTime() ?? Infinity));
  }

  private plan(): Promise<Due[]> {
    const step = this.planning.then(() => (this.stopped ? [] : this.planAt(this.deps.clock.now())));
    this.planning = step.catch(() => undefined);
    return step;
  }

  private async planAt(now: Date): Promise<Due[]> {
    const due: Due[] = [];
    const seen = new Set<string>();
    const dir = this.deps.dir();
    for (const job of this.jobs) {
      let slots: CalendarSlot[];
      try {
        slots = job.slots(dir);
      } catch (err) {
        this.deps.log.error({ err, job: job.name }, 'calendar job slots failed; keeping its previous times');
        for (const key of this.arms.keys()) if (this.arms.get(key)!.job === job) seen.add(key);
        continue;
      }
      const catchUp = job.catchUp && !this.caughtUp.has(job.name);
      for (const slot of slots) {
        const key = claimKey(job.name, slot.scope);
        if (seen.has(key)) {
          this.report(key, `${key}:duplicate`, 'calendar job has two slots with the same scope; the second is ignored');
          continue;
        }
        seen.add(key);
        const d = await this.planSlot(job, slot, key, now, catchUp);
        if (d) due.push(d);
      }
      this.caughtUp.add(job.name);
    }
    for (const key of [...this.arms.keys()]) if (!seen.has(key)) this.arms.delete(key);
    return due;
  }

  /** The occurrence of one slot due at `now`, if any; re-arms the slot. */
  private async planSlot(
    job: CalendarJob,
    slot: CalendarSlot,
    key: string,
    now: Date,
    catchUp: boolean,
  ): Promise<Due | undefined> {
    let arm = this.arms.get(key);
    if (!arm || arm.slot.cron !== slot.cron || arm.slot.timezone !== slot.timezone) {
      let time: CronTime;
      try {
        time = cronTime(slot.cron, slot.timezone);
      } catch (err) {
        this.report(
          key,
          `${key}:${slot.cron}:${slot.timezone}`,
          `calendar slot not scheduled: ${(err as Error).message}`,
        );
        this.arms.delete(key);
        return undefined;
      }
      let missed: Due | undefined;
      if (catchUp && !arm) missed = await this.missed(job, slot, key, time, now);
      arm = { job, slot, time, next: time.atOrAfter(now) };
      if (missed && arm.next && arm.next.getTime() <= missed.occurrence.getTime())
        arm.next = time.after(missed.occurrence);
      this.arms.set(key, arm);
      if (missed) return missed;
    }
    arm.slot = slot;
    const retry = arm.retry;
    arm.retry = undefined;
    if (arm.next && arm.next.getTime() <= now.getTime()) {
      const occurrence = arm.time.atOrBefore(now) ?? arm.next;
      arm.next = arm.time.after(now);
      return { job, scope: slot.scope, key, occurrence, late: occurrence < this.baseline };
    }
    return retry;
  }

  /** The latest occurrence ≤ now later than the latest claimed one (none if the key never ran). */
  private async missed(
    job: CalendarJob,
    slot: CalendarSlot,
    key: string,
    time: CronTime,
    now: Date,
  ): Promise<Due | undefined> {
    const latest = await this.deps.jobRuns.latest(key);
    if (!latest) return undefined;
    const occurrence = time.atOrBefore(now);
    if (!occurrence || occurrence.getTime() <= latest.getTime()) return undefined;
    return { job, scope: slot.scope, key, occurrence, late: occurrence < this.baseline };
  }

  private execute(d: Due): Promise<CalendarOutcome> {
    const outcome = (result: CalendarOutcome['result']): CalendarOutcome => ({
      job: d.job.name,
      ...(d.scope === undefined ? {} : { scope: d.scope }),
      key: d.key,
      occurrence: d.occurrence,
      late: d.late,
      result,
    });
    if (this.stopped) return Promise.resolve(outcome('skipped'));
    if (this.running.has(d.key)) {
      this.deps.log.warn(
        { job: d.key, occurrence: d.occurrence },
        'calendar job still running; this occurrence is skipped here',
      );
      return Promise.resolve(outcome('skipped'));
    }
    const p = this.claimAndRun(d).then(outcome);
    this.running.set(d.key, p);
    return p.finally(() => this.running.delete(d.key));
  }

  private async claimAndRun(d: Due): Promise<CalendarOutcome['result']> {
    const { jobRuns, clock, holder, log } = this.deps;
    const now = clock.now();
    try {
      if (!(await jobRuns.claim(d.key, d.occurrence, holder, d.late, now))) return 'lost';
    } catch (err) {
      log.error(
        { err, job: d.key, occurrence: d.occurrence },
        'calendar job claim failed; trying again at the next step',
      );
      const arm = this.arms.get(d.key);
      if (arm && arm.job === d.job) arm.retry = d;
      return 'error';
    }
    let error: string | null = null;
    const started = performance.now();
    try {
      await d.job.run({
        occurrence: d.occurrence,
        ...(d.scope === undefined ? {} : { scope: d.scope }),
        late: d.late,
        now,
      });
      log.info(
        { job: d.key, occurrence: d.occurrence, late: d.late, ms: Math.round(performance.now() - started) },
        'calendar job ran',
      );
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      log.error({ err, job: d.key, occurrence: d.occurrence, late: d.late }, 'calendar job failed');
    }
    try {
      await jobRuns.finish(d.key, d.occurrence, error === null ? 'done' : 'failed', error, clock.now());
    } catch (err) {
      log.error({ err, job: d.key, occurrence: d.occurrence }, 'calendar job outcome not recorded');
    }
    try {
      this.deps.onRun?.(d.job.name, d.scope, d.occurrence, d.late, error === null);
    } catch (err) {
      log.error({ err, job: d.key }, 'calendar onRun callback failed');
    }
    return error === null ? 'done' : 'failed';
  }

  /**
   * Waits on the clock until the nearest armed occurrence (at most MAX_SLEEP_MS), then plans and
   * fires. The timer's promise is the planning step; the runs it starts are not awaited.
   */
  private arm(): void {
    if (this.stopped) return;
    const nowMs = this.deps.clock.now().getTime();
    const nearest = Math.min(...this.nextOccurrences().map((o) => o.next?.getTime() ?? Infinity));
    const delay = Math.max(0, Math.min(MAX_SLEEP_MS, nearest - nowMs));
    this.cancel = this.deps.clock.setTimer(delay, () =>
      this.plan()
        .then((due) => {
          // Not awaited: a long run does not hold back the other jobs' times.
          for (const d of due) void this.execute(d);
        })
        .catch((err) => this.deps.log.error({ err }, 'calendar planning failed'))
        .finally(() => this.arm()),
    );
  }

  /** Logs a problem with a slot once (not at every planning step). */
  private report(key: string, id: string, msg: string): void {
    if (this.reported.has(id)) return;
    this.reported.add(id);
    this.deps.log.error({ job: key }, msg);
  }
}
