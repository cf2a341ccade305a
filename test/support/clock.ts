// Clocks for tests, implementations of the core's Clock port. ManualClock stands still until the
// test moves it and fires the timers the code under test set on it (the escalation runner, the job
// schedulers, retries) at their exact instants, so tests assert states, not elapsed time.
import { systemClock, type Clock } from '../../src/core/clock.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => unknown;
}

export interface ManualClockOptions {
  /**
   * Timers run on real time (the system's) while now() stays where the test puts it: for wire
   * tests whose background work (outbox ticks, polls) should go on by itself.
   */
  realTimers?: boolean;
}

const instant = (t: number | string | Date) =>
  typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) : t.getTime();

export class ManualClock implements Clock {
  private ms: number;
  private readonly timers: Timer[] = [];
  private seq = 0;
  private moving = false;
  private readonly real: boolean;

  constructor(start: number | string | Date, opts: ManualClockOptions = {}) {
    this.ms = instant(start);
    if (Number.isNaN(this.ms)) throw new Error(`ManualClock: not an instant: ${String(start)}`);
    this.real = opts.realTimers ?? false;
  }

  now(): Date {
    return new Date(this.ms);
  }

  setTimer(ms: number, fn: () => unknown): () => void {
    if (this.real) return systemClock.setTimer(ms, fn);
    const t: Timer = { at: this.ms + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(t);
    return () => {
      const i = this.timers.indexOf(t);
      if (i >= 0) this.timers.splice(i, 1);
    };
  }

  /** When the armed timers fall due, soonest first. */
  pending(): Date[] {
    return this.sorted().map((t) => new Date(t.at));
  }

  /** Whether a timer is armed exactly `ms` from now (e.g. a runner that went back to waiting). */
  armedIn(ms: number): boolean {
    return this.timers.some((t) => t.at === this.ms + ms);
  }

  /**
   * Time passes: every timer due within `ms` fires at its own instant, in order (ties in the order
   * they were set), and the clock waits for the work each returns before it moves on — so
   * timers that work sets fire in turn. Ends at now + ms.
   */
  advance(ms: number): Promise<void> {
    if (ms < 0) throw new Error(`ManualClock: cannot advance by ${ms} ms`);
    return this.move(this.ms + ms, false);
  }

  /** advance() to `to` (a later instant); an earlier one sets the clock back and fires nothing. */
  set(to: number | string | Date): Promise<void> {
    const target = instant(to);
    if (target >= this.ms) return this.move(target, false);
    this.ms = target;
    return Promise.resolve();
  }

  /**
   * The clock jumps `ms` at once (a suspended process, a clock step): every timer due by then fires
   * once, in order, each seeing the new instant. For long moves, where advance() would run every
   * poll on the way.
   */
  jump(ms: number): Promise<void> {
    if (ms < 0) throw new Error(`ManualClock: cannot jump by ${ms} ms`);
    return this.move(this.ms + ms, true);
  }

  private sorted(): Timer[] {
    return [...this.timers].sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  private async move(target: number, jump: boolean): Promise<void> {
    if (this.real) {
      this.ms = target;
      return;
    }
    if (this.moving) throw new Error('ManualClock: already moving (await the previous advance, set or jump)');
    this.moving = true;
    try {
      if (jump) this.ms = target;
      for (;;) {
        const next = this.sorted().find((t) => t.at <= target);
        if (!next) break;
        this.timers.splice(this.timers.indexOf(next), 1);
        this.ms = Math.max(this.ms, next.at);
        await next.fn();
        // Let I/O the timer's work started without returning it (e.g. an outbox kick) take its turn.
        await new Promise((r) => setImmediate(r));
      }
      this.ms = target;
    } finally {
      this.moving = false;
    }
  }
}

/**
 * The system clock moved by `offset` ms, with real timers: for processes that must run in real time.
 * Pass a function to move the clock during a test (it is read at every now()).
 */
export function offsetClock(offset: number | (() => number)): Clock {
  const read = typeof offset === 'function' ? offset : () => offset;
  return { now: () => new Date(Date.now() + read()), setTimer: systemClock.setTimer };
}

/**
 * A clock for code that only reads the time: now() is `at` (an instant, or a function the test
 * moves); it runs no timers, and setTimer throws (code that waits needs a ManualClock).
 */
export function fixedClock(at: number | string | Date | (() => number | Date)): Clock {
  const read = typeof at === 'function' ? at : () => at;
  return {
    now: () => new Date(instant(read())),
    setTimer: () => {
      throw new Error('fixedClock runs no timers: use a ManualClock for code that waits');
    },
  };
}
