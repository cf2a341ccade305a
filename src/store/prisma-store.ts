// Store (src/core/ports.ts) on a Prisma client, for SQLite and PostgreSQL.
import type { AuditReader, IdentityRepo, LeaseRepo, Store, Tx } from '../core/ports.js';
import type { JobRunRepo } from '../core/jobs/ports.js';
import { PrismaJobRunRepo } from './job-runs.js';
import { PrismaFormDraftRepo } from './form-drafts.js';
import { PrismaAuditReader, PrismaAuditRepo } from './audit.js';
import type { Db, Queryable, TxClient } from './client.js';
import type { Dialect } from './dialect.js';
import { PrismaIdempotencyRepo } from './idempotency.js';
import { PrismaIdentityRepo } from './identity.js';
import { PrismaLeaseRepo } from './leases.js';
import { migrationNames } from './migrations/files.js';
import { PrismaSettingsRepo } from './settings.js';
import { PrismaIncidentRepo } from './incidents.js';
import { PrismaOutboxRepo, PrismaOutboxWorkerRepo } from './outbox.js';
import { PrismaOverrideRepo, PrismaPageRepo } from './pages.js';
import { PrismaChangeRepo } from './changes.js';
import { PrismaExceptionRepo } from './exceptions.js';
import { PrismaFindingRepo } from './findings.js';
import { PrismaAlertRepo } from './alerts.js';
import { PrismaPatchDigestRepo } from './patch-digests.js';
import { PrismaStatusRepo } from './status.js';
import type { OutboxWorkerRepo } from '../core/outbox/ports.js';
import type { BackupWriter } from '../core/lifecycle/ports.js';
import { PrismaRetentionRepo } from './retention.js';

/**
 * The repositories bound to one transaction client of `dialect` (`auditKey`: STEWARD_AUDIT_KEY);
 * `committed` collects what runs after the commit.
 */
export function txRepos(
  tx: TxClient,
  dialect: Dialect,
  auditKey?: string,
  committed: (() => void)[] = [],
): Tx & { audit: PrismaAuditRepo } {
  return {
    afterCommit: (fn) => void committed.push(fn),
    audit: new PrismaAuditRepo(tx, auditKey),
    identity: new PrismaIdentityRepo(tx),
    idempotency: new PrismaIdempotencyRepo(tx),
    settings: new PrismaSettingsRepo(tx),
    incidents: new PrismaIncidentRepo(tx),
    outbox: new PrismaOutboxRepo(tx),
    drafts: new PrismaFormDraftRepo(tx),
    pages: new PrismaPageRepo(tx, dialect),
    overrides: new PrismaOverrideRepo(tx),
    findings: new PrismaFindingRepo(tx, dialect),
    changes: new PrismaChangeRepo(tx),
    exceptions: new PrismaExceptionRepo(tx),
    digests: new PrismaPatchDigestRepo(tx),
    alerts: new PrismaAlertRepo(tx),
    status: new PrismaStatusRepo(tx),
    retention: new PrismaRetentionRepo(tx),
  };
}

/** Names of the migrations recorded as successfully applied (none when the table is missing). */
export async function appliedMigrationNames(db: Queryable, dialect: Dialect): Promise<Set<string>> {
  const present =
    dialect === 'sqlite'
      ? (
          await db.$queryRaw<
            Array<{ n: number | bigint }>
          >`SELECT COUNT(*) AS "n" FROM "sqlite_master" WHERE "type" = 'table' AND "name" = '_prisma_migrations'`
        )[0]?.n
      : (
          await db.$queryRaw<
            Array<{ n: number | bigint }>
          >`SELECT COUNT(*)::int AS "n" FROM pg_catalog.pg_tables WHERE "tablename" = '_prisma_migrations' AND "schemaname" = current_schema()`
        )[0]?.n;
  if (!present || Number(present) === 0) return new Set();
  const rows = await db.$queryRaw<Array<{ migration_name: string }>>`
    SELECT "migration_name" FROM "_prisma_migrations" WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL`;
  return new Set(rows.map((r) => r.migration_name));
}

export class PrismaStore implements Store {
  readonly auditReader: AuditReader;
  readonly identity: IdentityRepo;
  readonly leases: LeaseRepo;
  readonly outboxWorker: OutboxWorkerRepo;
  readonly jobRuns: JobRunRepo;
  readonly writeConcurrency: number;
  #known: string[] | undefined;
  #closed = false;

  constructor(
    private readonly db: Db,
    readonly dialect: Dialect,
    private readonly auditKey?: string,
    /** Scheduled backups of this database (src/store/backup). */
    readonly backups?: BackupWriter,
  ) {
    this.writeConcurrency = dialect === 'sqlite' ? 1 : 8;
    const run = this.#outsideTransaction.bind(this);
    this.auditReader = {
      page: (afterSeq, limit) => run((q) => new PrismaAuditReader(q).page(afterSeq, limit)),
      count: () => run((q) => new PrismaAuditReader(q).count()),
      head: () => run((q) => new PrismaAuditReader(q).head()),
      bySubject: (subject, limit) => run((q) => new PrismaAuditReader(q).bySubject(subject, limit)),
    };
    this.identity = {
      recordSeen: (u, at) => run((q) => new PrismaIdentityRepo(q).recordSeen(u, at)),
      find: (platform, platformUserId) => run((q) => new PrismaIdentityRepo(q).find(platform, platformUserId)),
    };
    this.outboxWorker = {
      claimDue: (now, limit, holder, lockedUntil) =>
        run((q) => new PrismaOutboxWorkerRepo(q, dialect).claimDue(now, limit, holder, lockedUntil)),
      completeMany: (ids, holder, at) =>
        run((q) => new PrismaOutboxWorkerRepo(q, dialect).completeMany(ids, holder, at)),
      retryMany: (rows, holder) => run((q) => new PrismaOutboxWorkerRepo(q, dialect).retryMany(rows, holder)),
      giveUp: (id, holder, error, at) =>
        run((q) => new PrismaOutboxWorkerRepo(q, dialect).giveUp(id, holder, error, at)),
      pending: () => run((q) => new PrismaOutboxWorkerRepo(q, dialect).pending()),
      // One process serves a SQLite file: every claim left in it is a previous run's.
      releaseAbandoned: (holder) =>
        run((q) => new PrismaOutboxWorkerRepo(q, dialect).releaseLocks(dialect === 'sqlite' ? null : holder)),
    };
    this.jobRuns = {
      claim: (job, occurrence, holder, late, now) =>
        run((q) => new PrismaJobRunRepo(q).claim(job, occurrence, holder, late, now)),
      finish: (job, occurrence, state, error, at) =>
        run((q) => new PrismaJobRunRepo(q).finish(job, occurrence, state, error, at)),
      latest: (job) => run((q) => new PrismaJobRunRepo(q).latest(job)),
    };
    this.leases = {
      acquire: (name, holder, ttlMs, now) => run((q) => new PrismaLeaseRepo(q).acquire(name, holder, ttlMs, now)),
      release: (name, holder) => run((q) => new PrismaLeaseRepo(q).release(name, holder)),
    };
  }

  /**
   * Runs work that is not part of a caller's transaction. The SQLite adapter has one connection:
   * a plain query issued while an interactive transaction is open would run inside it (and be
   * rolled back with it), so on SQLite the work gets its own short transaction, which waits for
   * the open one to finish. PostgreSQL takes another pooled connection.
   */
  #outsideTransaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    return this.dialect === 'sqlite' ? this.db.$transaction((tx) => fn(tx)) : fn(this.db);
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const committed: (() => void)[] = [];
    const out = await this.db.$transaction(async (tx) => {
      const repos = txRepos(tx, this.dialect, this.auditKey, committed);
      const out = await fn(repos);
      // The audit entries last: the head row's lock is held only while they are written.
      await repos.audit.flush();
      return out;
    });
    for (const hook of committed)
      try {
        hook();
      } catch {
        // A hook's failure is its own: the transaction committed.
      }
    return out;
  }

  /** Plain read on the root client: never queued behind an open SQLite transaction. */
  async ping(): Promise<void> {
    await this.db.$queryRaw`SELECT 1`;
  }

  /** Compares the migration folder (read once) with `_prisma_migrations`: two cheap queries. */
  async pendingMigrations(): Promise<number> {
    this.#known ??= migrationNames(this.dialect);
    const applied = await appliedMigrationNames(this.db, this.dialect);
    return this.#known.filter((name) => !applied.has(name)).length;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.db.$disconnect();
  }
}
