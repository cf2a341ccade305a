// Scheduled work a module declares. Calendar jobs run at a local time of day (cron in an IANA
// time zone), each occurrence exactly once across restarts and replicas; interval jobs tick.
import type { Directory } from '../directory.js';

/** One schedule of a calendar job: per scope (e.g. one per team), in that scope's time zone. */
export interface CalendarSlot {
  /** Distinguishes the occurrences of one job per scope, e.g. a team id; absent for a single slot. */
  scope?: string;
  /** Five-field cron expression, e.g. `0 9 * * 1-5`. */
  cron: string;
  /** IANA time zone the expression is read in, e.g. `America/New_York`. */
  timezone: string;
}

export interface CalendarRun {
  /** The scheduled instant of this occurrence. */
  occurrence: Date;
  scope?: string;
  /** The occurrence was missed (Steward was down) and runs now, after its instant. */
  late: boolean;
  now: Date;
}

export interface CalendarJob {
  name: string;
  /** Read at every planning step from the current policy, so a reload moves the times. */
  slots(dir: Directory): CalendarSlot[];
  /** Run the latest occurrence missed while Steward was down, once at start (marked late). */
  catchUp: boolean;
  run(r: CalendarRun): Promise<void>;
}

export interface IntervalJob {
  name: string;
  everyMs: number;
  /** false: runs on every replica each tick (the job coordinates itself, e.g. outbox claims). */
  exclusive?: boolean;
  run(now: Date): Promise<void>;
}
