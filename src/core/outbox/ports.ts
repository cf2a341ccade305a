// Repository ports of the side-effect outbox (implemented in src/store/outbox.ts).

export interface OutboxItem {
  id: number;
  key: string;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
}

export interface OutboxRepo {
  /** Enqueues once per key (a second enqueue of the same key is a no-op returning false). */
  enqueue(key: string, kind: string, payload: Record<string, unknown>, at: Date, dueAt?: Date): Promise<boolean>;
  /** Enqueues many items (each once per key) in as few statements as the database allows; how many were new. */
  enqueueMany(items: readonly NewOutboxItem[], at: Date): Promise<number>;
}

/** An item to enqueue: due at `at` unless `dueAt` says later. */
export interface NewOutboxItem {
  key: string;
  kind: string;
  payload: Record<string, unknown>;
  dueAt?: Date;
}

/** A failed item to try again. */
export interface OutboxRetry {
  id: number;
  error: string;
  dueAt: Date;
}

export interface OutboxWorkerRepo {
  /** Locks up to `limit` due items for `holder` until `lockedUntil`, in one conditional update; oldest first. */
  claimDue(now: Date, limit: number, holder: string, lockedUntil: Date): Promise<OutboxItem[]>;
  /** Completes the items of a batch whose handlers ran, in one statement. */
  completeMany(ids: readonly number[], holder: string, at: Date): Promise<void>;
  /** Puts failed items of a batch back, each due again at its own instant with its error, in one statement. */
  retryMany(rows: readonly OutboxRetry[], holder: string): Promise<void>;
  giveUp(id: number, holder: string, error: string, at: Date): Promise<void>;
  pending(): Promise<number>;
  /**
   * At start: frees the claims a previous run of `holder` left behind when it died (on a database
   * only one process serves, every claim), so its unfinished items run now, not when the lock expires.
   */
  releaseAbandoned(holder: string): Promise<number>;
}
