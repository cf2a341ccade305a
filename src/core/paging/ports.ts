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
  addStep(s: { pageId: number; seq: number; round: number; level: number; kind: StepKind; dueAt: Date }): Promise<void>;
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
}

declare module '../ports.js' {
  interface Tx {
    pages: PageRepo;
  }
}
