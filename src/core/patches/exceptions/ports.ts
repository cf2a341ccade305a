// Repository port of risk exceptions (implemented in src/store/exceptions.ts).
import type { ExceptionDecisionRow, ExceptionMessage, ExceptionState, RiskException } from './model.js';

export type NewException = Omit<RiskException, 'id' | 'number' | 'version' | 'updatedAt' | 'decidedAt' | 'expiredAt'>;
export type ExceptionPatch = Partial<Pick<RiskException, 'state' | 'decidedAt' | 'expiredAt'>>;

export interface ExceptionRepo {
  create(e: NewException, at: Date): Promise<RiskException>;
  byNumber(n: number): Promise<RiskException | null>;
  byKey(key: string): Promise<RiskException | null>;
  /** The finding's latest exception (pending, accepted or past), or null. */
  latestOf(findingId: number): Promise<RiskException | null>;
  /**
   * Locks the exception for this transaction without changing it: deciders take turns, so each
   * sees the others' decisions and the outcome is decided once. Null when there is no such exception.
   */
  lock(n: number, at: Date): Promise<RiskException | null>;
  /** Applies `patch` if the exception is still at `expectedVersion`; null when it moved on. */
  update(id: number, expectedVersion: number, patch: ExceptionPatch, at: Date): Promise<RiskException | null>;
  /** Records a person's decision once; false when that person already decided on this exception. */
  decide(exceptionId: number, d: ExceptionDecisionRow): Promise<boolean>;
  decisions(exceptionId: number): Promise<ExceptionDecisionRow[]>;
  /** Pending or accepted exceptions whose `until` has come, at most `limit`. */
  expiring(now: Date, limit: number): Promise<RiskException[]>;
  /** Accepted exceptions of `serviceIds` that end in (from, to], soonest first (at most `limit`), and how many there are. */
  endingBetween(
    serviceIds: readonly string[],
    from: Date,
    to: Date,
    limit: number,
  ): Promise<{ total: number; items: RiskException[] }>;
  /** Accepted exceptions of `serviceIds` that expired after `since`. */
  expiredSince(serviceIds: readonly string[], since: Date): Promise<number>;
  /** False when a message with this send key exists. */
  addMessage(exceptionId: number, sendKey: string, m: ExceptionMessage, at: Date): Promise<boolean>;
  hasMessage(sendKey: string): Promise<boolean>;
  messages(exceptionId: number, kind?: ExceptionMessage['kind']): Promise<ExceptionMessage[]>;
}

export type { ExceptionState };

declare module '../../ports.js' {
  interface Tx {
    exceptions: ExceptionRepo;
  }
}
