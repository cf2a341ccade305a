// Runs outbox items at least once: claims due items (one claimer per item across replicas),
// calls the handler of its kind, and retries failures with exponential backoff.
import type { Clock, Store } from '../ports.js';
import { RetryableError } from '../chat/gateway.js';
import type { EffectHandler } from './effects.js';

export interface OutboxLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const OUTBOX_BATCH = 20;
export const OUTBOX_LOCK_MS = 60_000;
export const OUTBOX_MAX_ATTEMPTS = 8;

/** 1 s, 2 s, 4 s … capped at 5 minutes, or what the platform asked for. */
export const backoffMs = (attempts: number, asked?: number) =>
  Math.max(asked ?? 0, Math.min(300_000, 1000 * 2 ** Math.max(0, attempts - 1)));

export class OutboxRunner {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly d: {
      store: Store;
      clock: Clock;
      holder: string;
      handlers: ReadonlyMap<string, EffectHandler>;
      log: OutboxLog;
      onDone?: (kind: string, ok: boolean) => void;
    },
  ) {}

  /** Drains due items now; concurrent kicks coalesce into one more pass. Does nothing once stopped. */
  kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          while (!this.stopped && (await this.drainOnce()) > 0);
        } while (this.again && !this.stopped);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /**
   * Starts no further batch and resolves once the batch in flight is done, so the store can close
   * under no one. Items not yet claimed stay due for the next start (or another replica).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
  }

  /** One batch: returns how many items it claimed. */
  async drainOnce(): Promise<number> {
    const now = this.d.clock.now();
    const items = await this.d.store.outboxWorker.claimDue(
      now,
      OUTBOX_BATCH,
      this.d.holder,
      new Date(now.getTime() + OUTBOX_LOCK_MS),
    );
    // Items are independent (each handler is safe to repeat and re-reads state), so a batch runs
    // concurrently; the ones that ran are completed together, in one statement.
    const ran = await Promise.all(items.map((item) => this.runItem(item)));
    const done = items.filter((_, i) => ran[i]);
    if (done.length) {
      await this.d.store.outboxWorker.completeMany(
        done.map((i) => i.id),
        this.d.holder,
        this.d.clock.now(),
      );
      for (const i of done) this.d.onDone?.(i.kind, true);
    }
    return items.length;
  }

  /** Runs one item's handler; true when it ran (the caller completes it), false when it failed (retried or given up). */
  private async runItem(item: Awaited<ReturnType<Store['outboxWorker']['claimDue']>>[number]): Promise<boolean> {
    {
      const handler = this.d.handlers.get(item.kind);
      try {
        if (!handler) throw new Error(`no handler for outbox kind ${item.kind}`);
        const payload = handler.kind.payload.safeParse(item.payload);
        if (!payload.success)
          throw new Error(
            `outbox ${item.kind} payload: ${payload.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
          );
        await handler.run(payload.data);
        return true;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const final =
          !(err instanceof RetryableError) && item.attempts >= 3 ? true : item.attempts >= OUTBOX_MAX_ATTEMPTS;
        if (final) {
          await this.d.store.outboxWorker.giveUp(item.id, this.d.holder, message, this.d.clock.now());
          this.d.log.error({ outbox: item.key, attempts: item.attempts, err: message }, 'side effect failed for good');
          this.d.onDone?.(item.kind, false);
        } else {
          const due = new Date(
            this.d.clock.now().getTime() +
              backoffMs(item.attempts, err instanceof RetryableError ? err.retryAfterMs : undefined),
          );
          await this.d.store.outboxWorker.retry(item.id, this.d.holder, message, due);
          this.d.log.warn(
            { outbox: item.key, attempts: item.attempts, retryAt: due.toISOString(), err: message },
            'side effect failed; will retry',
          );
        }
        return false;
      }
    }
  }
}
