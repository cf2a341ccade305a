// Repository port every kind of approval implements (change requests, risk exceptions): the row
// lock deciders take turns on, the versioned update, decisions recorded once per person, what has
// expired, and the messages kept current. Each kind's repository extends it with its own queries.
import type { Platform } from '../platform.js';
import type { RecordedDecision } from './decision.js';

/** What the workflow needs of a subject: its row, its number (CHG-n, EXC-n) and its version. */
export interface Approvable {
  id: number;
  number: number;
  version: number;
}

/** A message Steward sent about a subject and keeps current (edited in place). */
export interface ApprovalMessage<K extends string = string> {
  kind: K;
  personId: string | null;
  platform: Platform;
  channelId: string;
  messageId: string;
}

export interface ApprovalRepo<S extends Approvable, P> {
  byNumber(n: number): Promise<S | null>;
  /**
   * Locks the subject for this transaction without changing it (its version moves only with
   * `update`): deciders on one subject take turns, so each sees the others' decisions and the
   * outcome is decided exactly once. Null when there is no such subject.
   */
  lock(n: number, at: Date): Promise<S | null>;
  /** Applies `patch` if the subject is still at `expectedVersion`; null when it moved on. */
  update(id: number, expectedVersion: number, patch: P, at: Date): Promise<S | null>;
  /** Records a person's decision once; false when that person already decided on this subject. */
  decide(subjectId: number, d: RecordedDecision): Promise<boolean>;
  /** The subject's decisions in the order they were taken. */
  decisions(subjectId: number): Promise<RecordedDecision[]>;
  /** Subjects whose expiry has come and that may still expire, at most `limit`. */
  expiring(now: Date, limit: number): Promise<S[]>;
}

/** The messages a subject's copies live in: each delivery recorded once under its send key. */
export interface ApprovalMessageRepo<K extends string> {
  /** False when a message with this send key exists. */
  addMessage(subjectId: number, sendKey: string, m: ApprovalMessage<K>, at: Date): Promise<boolean>;
  hasMessage(sendKey: string): Promise<boolean>;
  messages(subjectId: number, kind?: K): Promise<ApprovalMessage<K>[]>;
}
