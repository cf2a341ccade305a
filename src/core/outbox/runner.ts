// Runs outbox items at least once: claims due items (one claimer per item across replicas),
// calls the handler of its kind, and retries failures with exponential backoff.
import type { Clock, Store } from '../ports.js';
import { RateLimitedError, RetryableError } from '../chat/gateway.js';
import type { EffectHandler } from './effects.js';
import type { OutboxItem } from './ports.js';

export interface OutboxLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const OUTBOX_BATCH = 100;
/** Items claimed and not yet done, across the batches running at once. */
export const OUTBOX_MAX_IN_FLIGHT = 400;
export const OUTBOX_LOCK_MS = 60_000;
export const OUTBOX_MAX_ATTEMPTS = 8;
/** Tries of an item a platform keeps rate-limiting before it is given up (each waits what the platform asked). */
export const OUTBOX_MAX_RATE_LIMITED = 100;

/** 1 s, 2 s, 4 s … capped at 5 minutes, or what the platform asked for. */
export const backoffMs = (attempts: number, asked?: number) =>
  Math.max(asked ?? 0, Math.min(300_000, 1000 * 2 ** Math.max(0, attempts - 1)));

export class OutboxRunner {
  private running: Promise<void> | null = null;
  private again = false;
  /** Ends the wait for running batches when a kick brings new items. */
  private wakeup: (() => void) | null = null;
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

  /**
   * Drains due items now; concurrent kicks coalesce into one more pass. Batches overlap: a new
   * batch is claimed while earlier ones are still sending (up to OUTBOX_MAX_IN_FLIGHT items), so a
   * slow or rate-limited platform holds up only its own messages. Resolves once nothing due is
   * left and every batch it started is done; does nothing once stopped.
   */
  kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      this.wakeup?.();
      return this.running;
    }
    this.running = (async () => {
      const inflight = new Set<Promise<void>>();
      let items = 0;
      let failure: unknown = null;
      this.again = false;
      try {
        while (!this.stopped && failure === null) {
          const room = OUTBOX_MAX_IN_FLIGHT - items;
          if (room <= 0) {
            await Promise.race(inflight);
            continue;
          }
          const want = Math.min(OUTBOX_BATCH, room);
          const batch = await this.claim(want);
          if (batch.length) {
            items += batch.length;
            const run: Promise<void> = this.runBatch(batch)
              .catch((err: unknown) => void (failure ??= err))
              .finally(() => {
                items -= batch.length;
                inflight.delete(run);
              });
            inflight.add(run);
          }
          // A full batch: more may be due, claimed while this one runs.
          if (batch.length === want) continue;
          if (!inflight.size) {
            if (!this.again) break;
            this.again = false;
            continue;
          }
          // Nothing more due now: wait for the batches running (they may leave more due), or for a
          // kick (new items) meanwhile, then look again.
          if (!this.again) await Promise.race([Promise.all(inflight), new Promise<void>((r) => (this.wakeup = r))]);
          this.wakeup = null;
          this.again = false;
        }
      } finally {
        await Promise.all(inflight);
        this.running = null;
      }
      // A kick that came as this run was ending: its items get a run of their own.
      if (this.again && !this.stopped && failure === null) void this.kick().catch(() => undefined);
      if (failure !== null)
        throw failure instanceof Error ? failure : new Error('outbox batch failed', { cause: failure });
    })();
    return this.running;
  }

  /**
   * Starts no further batch and resolves once the batches in flight are done, so the store can
   * close under no one. Items not yet claimed stay due for the next start (or another replica).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
  }

  /** One batch, claimed and run: returns how many items it claimed. */
  async drainOnce(): Promise<number> {
    const items = await this.claim(OUTBOX_BATCH);
    await this.runBatch(items);
    return items.length;
  }

  private claim(limit: number): Promise<OutboxItem[]> {
    const now = this.d.clock.now();
    return this.d.store.outboxWorker.claimDue(now, limit, this.d.holder, new Date(now.getTime() + OUTBOX_LOCK_MS));
  }

  /** Runs a claimed batch, completes the items that ran and puts back the ones to try again. */
  private async runBatch(items: OutboxItem[]): Promise<void> {
    // Items are independent (each handler is safe to repeat and re-reads state), so a batch runs
    // concurrently: the items of a kind whose handler takes batches together, the others one by
    // one; the ones that ran are completed together, and the ones to retry put back together.
    const ran = new Map<OutboxItem, boolean>();
    const retries: Retry[] = [];
    const byKind = new Map<string, OutboxItem[]>();
    for (const i of items) byKind.set(i.kind, [...(byKind.get(i.kind) ?? []), i]);
    await Promise.all(
      [...byKind].map(async ([kind, group]) => {
        const handler = this.d.handlers.get(kind);
        if (handler?.runMany && group.length > 1) {
          for (const [i, ok] of await this.runGroup(handler, group, retries)) ran.set(i, ok);
        } else await Promise.all(group.map(async (i) => ran.set(i, await this.runItem(i, retries))));
      }),
    );
    const done = items.filter((i) => ran.get(i));
    if (done.length) {
      await this.d.store.outboxWorker.completeMany(
        done.map((i) => i.id),
        this.d.holder,
        this.d.clock.now(),
      );
      for (const i of done) this.d.onDone?.(i.kind, true);
    }
    if (retries.length) await this.putBack(retries);
  }

  /** Runs a batch of one kind through its handler's `runMany`; each item and whether it ran. */
  private async runGroup(
    handler: EffectHandler,
    group: OutboxItem[],
    retries: Retry[],
  ): Promise<[OutboxItem, boolean][]> {
    const out: [OutboxItem, boolean][] = [];
    const parsed: { item: OutboxItem; payload: Record<string, unknown> }[] = [];
    for (const item of group) {
      const p = parsePayload(handler, item);
      if (p instanceof Error) out.push([item, await this.failed(item, p, retries)]);
      else parsed.push({ item, payload: p });
    }
    let results: PromiseSettledResult<unknown>[];
    try {
      results = await handler.runMany!(parsed.map((p) => p.payload));
    } catch (err) {
      results = parsed.map(() => ({ status: 'rejected', reason: err }));
    }
    for (const [k, { item }] of parsed.entries()) {
      const r = results[k];
      out.push([
        item,
        r?.status === 'fulfilled' ? true : await this.failed(item, r ? r.reason : new Error('no outcome'), retries),
      ]);
    }
    return out;
  }

  /** Runs one item's handler; true when it ran (the caller completes it), false when it failed (retried or given up). */
  private async runItem(item: OutboxItem, retries: Retry[]): Promise<boolean> {
    const handler = this.d.handlers.get(item.kind);
    try {
      if (!handler) throw new Error(`no handler for outbox kind ${item.kind}`);
      const payload = parsePayload(handler, item);
      if (payload instanceof Error) throw payload;
      await handler.run(payload);
      return true;
    } catch (err) {
      return this.failed(item, err, retries);
    }
  }

  /** Gives up on an item that failed for good, or adds it to the batch's retries; always false (it did not run). */
  private async failed(item: OutboxItem, err: unknown, retries: Retry[]): Promise<boolean> {
    const message = err instanceof Error ? err.message : String(err);
    // A platform that named when to come back (a rate limit) is not failing: the item waits exactly
    // that long and the wait does not count towards giving up, up to a bound that still ends a loop.
    const asked = err instanceof RateLimitedError ? err.retryAfterMs : undefined;
    const final =
      asked !== undefined
        ? item.attempts >= OUTBOX_MAX_RATE_LIMITED
        : !(err instanceof RetryableError) && item.attempts >= 3
          ? true
          : item.attempts >= OUTBOX_MAX_ATTEMPTS;
    if (final) {
      await this.d.store.outboxWorker.giveUp(item.id, this.d.holder, message, this.d.clock.now());
      this.d.log.error({ outbox: item.key, attempts: item.attempts, err: message }, 'side effect failed for good');
      this.d.onDone?.(item.kind, false);
    } else {
      const due = new Date(
        this.d.clock.now().getTime() +
          (asked ?? backoffMs(item.attempts, err instanceof RetryableError ? err.retryAfterMs : undefined)),
      );
      retries.push({ item, error: message, dueAt: due, rateLimited: asked !== undefined });
    }
    return false;
  }

  /**
   * Puts a batch's failed items back in one statement. Each failure is logged, except rate limits,
   * which are one line per batch: a platform's pause holds back many items at once.
   */
  private async putBack(retries: Retry[]): Promise<void> {
    await this.d.store.outboxWorker.retryMany(
      retries.map((r) => ({ id: r.item.id, error: r.error, dueAt: r.dueAt })),
      this.d.holder,
    );
    const warn = (o: object, msg: string) => this.d.log.warn(o, msg);
    const limited = retries.filter((r) => r.rateLimited);
    for (const r of retries)
      if (!r.rateLimited)
        warn(
          { outbox: r.item.key, attempts: r.item.attempts, retryAt: r.dueAt.toISOString(), err: r.error },
          'side effect failed; will retry',
        );
    if (limited.length) {
      const at = limited.map((r) => r.dueAt.getTime());
      warn(
        {
          items: limited.length,
          kinds: [...new Set(limited.map((r) => r.item.kind))],
          first: limited[0]!.item.key,
          retryFrom: new Date(Math.min(...at)).toISOString(),
          retryUntil: new Date(Math.max(...at)).toISOString(),
          err: limited[0]!.error,
        },
        'side effects rate limited; will retry when the platform allows',
      );
    }
  }
}

/** A failed item of a batch, to be put back. */
interface Retry {
  item: OutboxItem;
  error: string;
  dueAt: Date;
  rateLimited: boolean;
}

/** The item's payload checked against its kind's schema, or the error that says why not. */
function parsePayload(handler: EffectHandler, item: OutboxItem): Record<string, unknown> | Error {
  const payload = handler.kind.payload.safeParse(item.payload);
  if (payload.success) return payload.data;
  return new Error(
    `outbox ${item.kind} payload: ${payload.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
  );
}
