// Repository and infrastructure ports the core depends on. Implemented by src/store (Prisma)
// and by nothing else: tests use the real store on SQLite or PostgreSQL.
// The kernel's ports live here; each domain adds its repositories to `Tx` from its own ports
// file (`declare module '../ports.js' { interface Tx { … } }`), so this file imports no domain.
import type { ActorRef, Platform } from './platform.js';
import type { OutboxRepo, OutboxWorkerRepo } from './outbox/ports.js';
import type { JobRunRepo } from './jobs/ports.js';
import type { FormDraftRepo } from './forms/ports.js';

export type { ActorPlatform, ActorRef, Platform } from './platform.js';
export type { Clock } from './clock.js';
export { systemClock } from './clock.js';

export interface AuditEntryInput {
  actor: ActorRef;
  /** Dotted verb, e.g. `policy.applied`, `identity.first_seen`, `incident.declared`. */
  action: string;
  /** What the change is about, e.g. `policy`, `identity:slack:U123`, `incident:INC-7`. */
  subject: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditRecord {
  seq: number;
  at: Date;
  actor: ActorRef;
  action: string;
  subject: string;
  /** Canonical JSON text of `before`/`after` exactly as hashed (null when absent). */
  before: string | null;
  after: string | null;
  prevHash: string;
  hash: string;
  /** HMAC-SHA256 of `hash` under the audit key (STEWARD_AUDIT_KEY); absent when no key was set. */
  mac?: string;
}

/** The last entry of the audit log as the database's head row (`audit_head`) records it. */
export interface AuditHead {
  seq: number;
  hash: string;
}

export interface AuditRepo {
  /**
   * Appends one entry, chained to the previous one, as part of the current transaction (the store
   * writes a transaction's entries together when its work is done, in the order appended).
   */
  append(entry: AuditEntryInput, at: Date): Promise<void>;
}

export interface AuditReader {
  /** Entries with seq > afterSeq in ascending order, at most `limit`. */
  page(afterSeq: number, limit: number): Promise<AuditRecord[]>;
  count(): Promise<number>;
  /** The head row, or null when it does not exist (a log nothing was ever appended to). */
  head(): Promise<AuditHead | null>;
  /** The entries about one subject (e.g. `change:CHG-3`), oldest first, at most `limit`. */
  bySubject(subject: string, limit: number): Promise<AuditRecord[]>;
}

export interface SeenUser {
  platform: Platform;
  platformUserId: string;
  displayName: string | null;
  personId: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

export interface IdentityRepo {
  /** Upserts a platform user; `created` is true the first time the user is ever seen. */
  recordSeen(
    u: { platform: Platform; platformUserId: string; displayName: string | null; personId: string | null },
    at: Date,
  ): Promise<{ created: boolean; user: SeenUser }>;
  find(platform: Platform, platformUserId: string): Promise<SeenUser | null>;
}

export interface IdempotencyRepo {
  /**
   * Claims a delivery/decision key once. Returns true for the first claim of `key`, false for every
   * later claim (retries, double clicks, other replicas). Inside a transaction the claim commits or
   * rolls back with the rest of the work.
   */
  claim(key: string, at: Date): Promise<boolean>;
}

export interface SettingsRepo {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, at: Date): Promise<void>;
}

/** The repositories available inside one database transaction (domains add theirs, see above). */
export interface Tx {
  audit: AuditRepo;
  identity: IdentityRepo;
  idempotency: IdempotencyRepo;
  settings: SettingsRepo;
  outbox: OutboxRepo;
  drafts: FormDraftRepo;
  /**
   * Runs `fn` in this process once the transaction has committed (never when it rolls back): for
   * what must follow the commit here, such as marking a cache stale. Errors it throws are ignored.
   */
  afterCommit(fn: () => void): void;
}

export interface LeaseRepo {
  /**
   * Takes or renews lease `name` for `holder` until now + ttlMs with one conditional write.
   * True when `holder` holds it afterwards; false when another holder's lease has not expired.
   */
  acquire(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean>;
  release(name: string, holder: string): Promise<void>;
}

export interface Store {
  /**
   * How many writing transactions are worth running at once: 1 where the database takes one writer
   * at a time (SQLite), more where writers proceed in parallel (PostgreSQL).
   */
  readonly writeConcurrency: number;
  /** Runs `fn` in one database transaction; everything it writes commits or rolls back together. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  readonly auditReader: AuditReader;
  readonly identity: IdentityRepo;
  readonly leases: LeaseRepo;
  readonly outboxWorker: OutboxWorkerRepo;
  /** Occurrences of calendar jobs, each claimed once (src/scheduler). */
  readonly jobRuns: JobRunRepo;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  /** Number of known migrations not yet applied (0 = ready). */
  pendingMigrations(): Promise<number>;
  close(): Promise<void>;
}
