// Typed outbox effect kinds: each kind names its payload with a zod schema. Producers enqueue
// through the kind (the payload is checked by the compiler), and the runner parses the stored
// payload with the same schema before the handler sees it.
import type { z } from 'zod';
import type { NewOutboxItem, OutboxRepo } from './ports.js';

export interface EffectKind<S extends z.ZodType<Record<string, unknown>> = z.ZodType<Record<string, unknown>>> {
  kind: string;
  payload: S;
}

/** Declares an effect kind (the handler is attached where the side effect is carried out). */
export const effectKind = <S extends z.ZodType<Record<string, unknown>>>(kind: string, payload: S): EffectKind<S> => ({
  kind,
  payload,
});

/** An effect kind with the code that carries it out (safe to repeat: it may run more than once). */
export interface EffectHandler<S extends z.ZodType<Record<string, unknown>> = z.ZodType<Record<string, unknown>>> {
  kind: EffectKind<S>;
  run(payload: z.infer<S>): Promise<void>;
  /**
   * Carries out several items of the kind at once (reading and recording for all of them in a few
   * statements); each item's outcome, in order. Without it, items run one by one through `run`.
   */
  runMany?(payloads: z.infer<S>[]): Promise<PromiseSettledResult<unknown>[]>;
}

export const handle = <S extends z.ZodType<Record<string, unknown>>>(
  kind: EffectKind<S>,
  run: (payload: z.infer<S>) => Promise<void>,
): EffectHandler => ({ kind, run });

/** A handler that carries out a batch of items together (`run` is a batch of one). */
export const handleMany = <S extends z.ZodType<Record<string, unknown>>>(
  kind: EffectKind<S>,
  runMany: (payloads: z.infer<S>[]) => Promise<PromiseSettledResult<unknown>[]>,
): EffectHandler => ({
  kind,
  runMany,
  run: async (payload: z.infer<S>) => {
    const [r] = await runMany([payload]);
    if (r?.status === 'rejected') throw r.reason;
  },
});

/** Enqueues one effect once per key (see OutboxRepo.enqueue). */
export function enqueue<S extends z.ZodType<Record<string, unknown>>>(
  outbox: OutboxRepo,
  kind: EffectKind<S>,
  key: string,
  payload: z.input<S>,
  at: Date,
  dueAt?: Date,
): Promise<boolean> {
  return outbox.enqueue(key, kind.kind, payload as Record<string, unknown>, at, dueAt);
}

/** An item of a kind, its payload checked by the compiler, for `OutboxRepo.enqueueMany`. */
export function item<S extends z.ZodType<Record<string, unknown>>>(
  kind: EffectKind<S>,
  key: string,
  payload: z.input<S>,
  dueAt?: Date,
): NewOutboxItem {
  return { key, kind: kind.kind, payload: payload as Record<string, unknown>, ...(dueAt ? { dueAt } : {}) };
}

/** The handlers by kind; two handlers of one kind are a programming error. */
export function effectRegistry(handlers: readonly EffectHandler[]): ReadonlyMap<string, EffectHandler> {
  const m = new Map<string, EffectHandler>();
  for (const h of handlers) {
    if (m.has(h.kind.kind)) throw new Error(`two handlers for outbox kind ${h.kind.kind}`);
    m.set(h.kind.kind, h);
  }
  return m;
}
