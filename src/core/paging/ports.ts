// Repository ports for paging: pages, their escalation steps and the messages sent about them.
import type { Page, PageMessage, PageStatus, PageStep, StepKind, StepTargets } from './model.js';

export type NewPage = Omit<
  Page,
  | 'id'
  | 'number'
  | 'version'
  | 'updatedAt'
  | 'stepSeq'
  | 'notified'
  | 'exhaustedAt'
  | 'ackBy'
  | 'ackPlatform'
  | 'ackAt'
  | 'resolvedBy'
  | 'resolvedAt'
>;
export type PagePatch = Partial<
  Pick<
    Page,
    'status' | 'stepSeq' | 'notified' | 'exhaustedAt' | 'ackBy' | 'ackPlatform' | 'ackAt' | 'resolvedBy' | 'resolvedAt'
  >
>;

/** A step's failed tries to fire (page_step.attempts, last_error). */
export interface StepTries {
  attempts: number;
  lastError: string | null;
}
/** A pending step as the runner fires it. */
export type DueStep = PageStep & StepTries;
/** A step row as stored: `failed` once it was set aside after repeated failures. */
export type StepRecord = Omit<PageStep, 'state'> & StepTries & { state: PageStep['state'] | 'failed' };

/** A step row to write (pending, due at `dueAt`). */
export interface NewStep {
  pageId: number;
  seq: number;
  round: number;
  level: number;
  kind: StepKind;
  dueAt: Date;
}

/** What firing a step changes on its page: the last step fired, who was notified, whether the path is exhausted. */
export interface StepMove {
  id: number;
  stepSeq: number;
  notified: readonly string[];
  exhausted: boolean;
}

export interface PageRepo {
  nextNumber(): Promise<number>;
  create(p: NewPage, at: Date): Promise<Page>;
  byNumber(n: number): Promise<Page | null>;
  byId(id: number): Promise<Page | null>;
  byKey(key: string): Promise<Page | null>;
  list(filter: { statuses?: readonly PageStatus[]; incidentNumber?: number; limit?: number }): Promise<Page[]>;
  /** Applies `patch` if the page is still at `expectedVersion`; null when someone changed it first. */
  update(id: number, expectedVersion: number, patch: PagePatch, at: Date): Promise<Page | null>;
  /** Applies `patch` while the page is open (bumping its version); null when it is not open any more. */
  updateIfOpen(id: number, patch: PagePatch, at: Date): Promise<Page | null>;
  addStep(s: NewStep): Promise<void>;
  /** Writes many pending steps in one statement (a step that exists is left alone). */
  addSteps(steps: readonly NewStep[]): Promise<void>;
  /**
   * Claims up to `limit` pending steps due by `now` for `holder` in one statement (flipping them to
   * fired), earliest first; a step another worker claimed first is not among them.
   */
  claimDue(now: Date, holder: string, limit: number): Promise<DueStep[]>;
  /** When the earliest pending step is due; null when none is pending. */
  nextDue(): Promise<Date | null>;
  byIds(ids: readonly number[]): Promise<Page[]>;
  /**
   * Applies each move to its page while the page is open, one version more each, in one statement
   * (taking the rows' locks, so an acknowledgement either committed first or waits); the new
   * versions of the pages that were still open, by page id.
   */
  advanceIfOpen(moves: readonly StepMove[], at: Date): Promise<Map<number, number>>;
  recordTargetsMany(rows: readonly { stepId: number; targets: StepTargets }[]): Promise<void>;
  /** Pending steps due at or before `dueBefore`, earliest first, at most `limit`. */
  pendingSteps(dueBefore: Date, limit: number): Promise<DueStep[]>;
  /** Flips one pending, due step to fired; false when another worker (or a cancel) got there first. */
  claimStep(id: number, holder: string, now: Date): Promise<boolean>;
  recordTargets(stepId: number, targets: StepTargets): Promise<void>;
  /** Moves the page's pending step `seq` to `dueAt`; false when that step is not pending. */
  reschedule(pageId: number, seq: number, dueAt: Date): Promise<boolean>;
  cancelPending(pageId: number, at: Date): Promise<number>;
  /**
   * Records one more failed try of a pending step that had failed `tries` times and makes it due
   * again at `retryAt`; false when it is not pending any more or another worker recorded this try.
   */
  stepFailed(id: number, tries: number, error: string, retryAt: Date): Promise<boolean>;
  /** Sets a pending step that had failed `tries` times aside (state `failed`) after one more failure; false as above. */
  setAside(id: number, tries: number, error: string, at: Date): Promise<boolean>;
  steps(pageId: number): Promise<StepRecord[]>;
  /** False when a message with this send key exists (the delivery already happened). */
  addMessage(pageId: number, sendKey: string, m: PageMessage, at: Date): Promise<boolean>;
  hasMessage(sendKey: string): Promise<boolean>;
  messages(pageId: number): Promise<PageMessage[]>;
  byNumbers(numbers: readonly number[]): Promise<Page[]>;
  /** Which of these send keys have a message recorded. */
  sentKeys(keys: readonly string[]): Promise<Set<string>>;
  /** Records many deliveries in one statement (a send key already recorded is left alone). */
  addMessages(rows: readonly { pageId: number; sendKey: string; message: PageMessage }[], at: Date): Promise<void>;
  /** The messages of each of these pages, oldest first, by page id. */
  messagesOf(pageIds: readonly number[]): Promise<Map<number, PageMessage[]>>;
  /** The last step set aside of each of these pages that has one, by page id. */
  failedSteps(pageIds: readonly number[]): Promise<Map<number, StepRecord>>;
}

declare module '../ports.js' {
  interface Tx {
    pages: PageRepo;
  }
}
