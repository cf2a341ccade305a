// Repository port of the calendar scheduler: one row per job occurrence is its claim.

export interface JobRunRepo {
  /**
   * Claims occurrence `occurrence` of `job` for `holder` (one insert on a unique key): true for
   * the first claim only, false for every later one (another replica, a restart, a retry).
   */
  claim(job: string, occurrence: Date, holder: string, late: boolean, now: Date): Promise<boolean>;
  /** Records how a claimed occurrence ended. */
  finish(job: string, occurrence: Date, state: 'done' | 'failed', error: string | null, at: Date): Promise<void>;
  /** The latest claimed occurrence of `job`, or null when it never ran. */
  latest(job: string): Promise<Date | null>;
}
