// The jobs Steward runs on a schedule (each under a lease, see scheduler.ts).
import type { KnownHead } from '../core/audit/audit.js';
import type { Steward } from '../core/steward.js';
import type { AuditHeadFile } from '../store/audit-head-file.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Job } from './scheduler.js';

export interface AuditVerifyOptions {
  /** STEWARD_AUDIT_KEY: MACs are checked. */
  key?: string;
  /** STEWARD_AUDIT_HEAD_FILE: the last verified head, compared with and then moved forward. */
  headFile?: AuditHeadFile;
}

/**
 * Re-verifies the audit log at start and hourly; a broken log is logged and exported as a metric.
 * The verified head (sequence and hash) is logged and its sequence exported, so that it is kept
 * outside the database (log store, Prometheus) where a rollback shows.
 */
export function auditVerifyJob(
  steward: Steward,
  metrics: Metrics,
  log: Logger,
  audit: AuditVerifyOptions = {},
  everyMs = 3_600_000,
): Job {
  return {
    name: 'audit-verify',
    everyMs,
    async run(now) {
      const known: KnownHead[] = [];
      try {
        const remembered = audit.headFile?.read();
        if (remembered) known.push(remembered);
      } catch (err) {
        metrics.auditIntact.set(0);
        log.error({ err }, 'audit head file unreadable; audit log not verified');
        return;
      }
      const r = await steward.verifyAudit({ key: audit.key, known });
      metrics.auditIntact.set(r.ok ? 1 : 0);
      if (r.ok) {
        metrics.auditHeadSequence.set(r.head.seq);
        audit.headFile?.remember(r.head, now);
        log.info(
          { checked: r.checked, head: { seq: r.head.seq, hash: r.head.hash }, macs: audit.key ? r.macs : undefined },
          'audit chain intact',
        );
      } else log.error({ checked: r.checked, problem: r.problem }, 'audit chain broken');
    },
  };
}

/** Carries out due side effects (new ones are run at once; this picks up retries and leftovers). */
export function outboxJob(steward: Steward, everyMs = 2_000): Job {
  return { name: 'outbox', everyMs, exclusive: false, run: () => steward.outbox.kick() };
}
