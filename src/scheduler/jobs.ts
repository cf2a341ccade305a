// The jobs Steward runs on a schedule (each under a lease, see scheduler.ts).
import type { Steward } from '../core/steward.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Job } from './scheduler.js';

/** Re-verifies the audit hash chain hourly; a broken chain is logged and exported as a metric. */
export function auditVerifyJob(steward: Steward, metrics: Metrics, log: Logger, everyMs = 3_600_000): Job {
  return {
    name: 'audit-verify',
    everyMs,
    async run() {
      const r = await steward.verifyAudit();
      metrics.auditIntact.set(r.ok ? 1 : 0);
      if (r.ok) log.info({ checked: r.checked }, 'audit chain intact');
      else log.error({ checked: r.checked, problem: r.problem }, 'audit chain broken');
    },
  };
}

/** Carries out due side effects (new ones are run at once; this picks up retries and leftovers). */
export function outboxJob(steward: Steward, everyMs = 2_000): Job {
  return { name: 'outbox', everyMs, exclusive: false, run: () => steward.outbox.kick() };
}
