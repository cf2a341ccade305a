// The injected clock: tests drive schedules, SLAs and escalations to exact instants. Everything in
// the core that waits (the escalation runner, the job schedulers, retries) waits through setTimer,
// so a test clock that moves only when told fires those waits at exact instants too.

export interface Clock {
  now(): Date;
  /**
   * Calls `fn` once, `ms` from now on this clock; returns a function that cancels the call. The
   * timer does not keep the process alive. A promise `fn` returns is the work the timer started:
   * a test clock waits for it before it moves on.
   */
  setTimer(ms: number, fn: () => unknown): () => void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return () => clearTimeout(t);
  },
};

/** Resolves `ms` from now on `clock`. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => void clock.setTimer(ms, resolve));
}
