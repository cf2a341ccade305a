// Prometheus metrics: one registry per process (tests create their own).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const EVENT_LOOP_SAMPLE_MS = 100;

export class Metrics {
  readonly registry = new Registry();
  readonly commands = new Counter({
    name: 'steward_commands_total',
    help: 'Slash commands handled, by platform, command and outcome (ok or an error code)',
    labelNames: ['platform', 'command', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly interactions = new Counter({
    name: 'steward_interactions_total',
    help: 'Button clicks and form submissions handled, by platform, action and outcome',
    labelNames: ['platform', 'action', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'steward_request_duration_seconds',
    help: 'Time from receiving a command or interaction to the reply being ready',
    labelNames: ['platform', 'kind'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly dbErrors = new Counter({
    name: 'steward_db_errors_total',
    help: 'Database operations that failed',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  readonly truncations = new Counter({
    name: 'steward_render_truncations_total',
    help: 'Messages cut to fit a platform limit',
    labelNames: ['platform', 'limit'] as const,
    registers: [this.registry],
  });

  readonly effects = new Counter({
    name: 'steward_side_effects_total',
    help: 'Chat side effects carried out from the outbox (war rooms, announcements, edits, DMs), by kind and outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly stepLateness = new Histogram({
    name: 'steward_page_step_lateness_seconds',
    help: 'How long after its due instant each escalation step fired, by step kind',
    labelNames: ['kind'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30, 300],
    registers: [this.registry],
  });
  readonly jobRuns = new Counter({
    name: 'steward_job_runs_total',
    help: 'Calendar job occurrences run by this replica (digests, reminders), by job, outcome and whether it ran late (missed while down)',
    labelNames: ['job', 'outcome', 'late'] as const,
    registers: [this.registry],
  });
  readonly stepsFailed = new Counter({
    name: 'steward_page_steps_failed_total',
    help: 'Escalation steps set aside after repeated failures to fire (the team channel is told), by step kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly policyReloads = new Counter({
    name: 'steward_policy_reloads_total',
    help: 'Policy reloads (SIGHUP, POST /api/v1/policy/reload), by outcome: applied, unchanged or refused',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly apiRequests = new Counter({
    name: 'steward_api_requests_total',
    help: 'HTTP API requests answered, by the scope the route needs and the status code',
    labelNames: ['scope', 'status'] as const,
    registers: [this.registry],
  });

  readonly backupLastSuccess = new Gauge({
    name: 'steward_backup_last_success_timestamp_seconds',
    help: 'When the last scheduled backup was written (Unix time; 0 until one is known): alert when it is older than the schedule allows',
    registers: [this.registry],
  });

  readonly operations = new Counter({
    name: 'steward_operations_total',
    help: 'Operations run, whichever way they came in (entry: slack, discord, console, http, cli, job), by outcome (ok, or the error code, HTTP status or exit code that refused them)',
    labelNames: ['op', 'entry', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly requestsDropped = new Counter({
    name: 'steward_requests_dropped_total',
    help: 'Platform requests dropped before reaching the core, by platform and reason (future_timestamp, foreign_workspace, foreign_app, foreign_guild, direct_message)',
    labelNames: ['platform', 'reason'] as const,
    registers: [this.registry],
  });

  readonly auditIntact = new Gauge({
    name: 'steward_audit_chain_intact',
    help: '1 when the last audit chain verification found no tampering, 0 when it did',
    registers: [this.registry],
  });
  readonly auditHeadSequence = new Gauge({
    name: 'steward_audit_head_sequence',
    help: 'Sequence number of the last audit entry the last successful verification reached (it never goes down on an intact log)',
    registers: [this.registry],
  });

  constructor(opts: { defaults?: boolean } = {}) {
    // Every outcome is exported from the start (at 0), so an alert on refusals sees the first one.
    for (const outcome of ['applied', 'unchanged', 'refused']) this.policyReloads.inc({ outcome }, 0);
    // No backup known yet: 0, so that an alert on its age fires until one is written.
    this.backupLastSuccess.set(0);
    // The event-loop delay is sampled every EVENT_LOOP_SAMPLE_MS; prom-client's default (10 ms)
    // wakes an idle process 100 times a second (idle CPU: bench/slack-service-list.ts).
    if (opts.defaults !== false)
      collectDefaultMetrics({
        register: this.registry,
        prefix: 'steward_',
        eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
      });
  }
}
