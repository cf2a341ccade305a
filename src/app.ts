// Composition root: settings → policy → store → core → renderers → adapters → scheduler,
// and the graceful shutdown that undoes it in reverse order.
import type { Readable, Writable } from 'node:stream';
import type { DestinationStream } from 'pino';
import type { Settings } from './config/env.js';
import { namedSecretsOf, secretsOf } from './config/env.js';
import { loadPolicyFile, PolicyError } from './config/policy.js';
import { systemClock, type Clock } from './core/ports.js';
import { Steward } from './core/steward.js';
import type { StewardModule } from './core/module.js';
import { STANDARD_MODULES } from './modules.js';
import { ActionCodec } from './render/action-codec.js';
import { createDispatcher } from './adapters/shared/dispatch.js';
import { startHttp, type HttpServer, type Route } from './adapters/http/server.js';
import { createApi } from './adapters/http/api.js';
import { TrustedProxies } from './adapters/http/client-address.js';
import { moduleRoutes } from './adapters/http/routes.js';
import { siteListenerRoutes, siteRoutes } from './adapters/http/sites.js';
import type { PolicyReloadResult } from './core/policy/reload.js';
import type { ActorRef } from './core/ports.js';
import { FailureLimiter } from './core/api/tokens.js';
import type { SlackAdapter } from './adapters/slack/app.js';
import type { DiscordAdapter } from './adapters/discord/client.js';
import { startConsole, type ConsoleAdapter } from './adapters/console/console.js';
import { createLogger, type Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { SlackRenderer } from './render/slack/blocks.js';
import { DiscordRenderer } from './render/discord/message.js';
import { ConsoleRenderer } from './render/console/text.js';
import type { LimitPolicy } from './render/limits.js';
import { Scheduler } from './scheduler/scheduler.js';
import { CalendarScheduler } from './scheduler/calendar.js';
import { auditVerifyJob, outboxJob } from './scheduler/jobs.js';
import { openStore } from './store/index.js';
import { stewardVersion } from './store/backup/version.js';
import { AuditHeadFile } from './store/audit-head-file.js';
import { markAuditKeyEnabled } from './core/audit/audit.js';

export interface RunningSteward {
  port: number;
  /** The port of the status page's own listener (STATUS_PORT), when there is one. */
  statusPort?: number;
  steward: Steward;
  log: Logger;
  metrics: Metrics;
  /** The calendar jobs' scheduler (its next occurrences; runDue() after an injected clock moves). */
  calendar: CalendarScheduler;
  /** Resolves when the console input ends (console mode only). */
  consoleDone?: Promise<void>;
  /** Re-reads settings.policyFile: a valid file replaces the policy, an invalid one is refused (SIGHUP, POST /api/v1/policy/reload). */
  reloadPolicy(actor?: ActorRef): Promise<PolicyReloadResult>;
  shutdown(reason: string): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  stdin?: Readable;
  stdout?: Writable;
  logDestination?: DestinationStream;
  /** The modules to compose (default: the standard ones, src/modules.ts). */
  modules?: readonly StewardModule[];
}

export async function startSteward(settings: Settings, io: StartOptions = {}): Promise<RunningSteward> {
  const log = createLogger({
    level: settings.logLevel,
    secrets: secretsOf(settings),
    destination: io.logDestination,
    fd: settings.logFd,
  });
  const clock = io.clock ?? systemClock;
  const metrics = new Metrics();

  const policy = loadPolicyFile(settings.policyFile);
  const store = await openStore({
    url: settings.databaseUrl,
    migrate: true,
    auditKey: settings.auditKey,
    backup: { recipients: settings.backupRecipients, secrets: namedSecretsOf(settings), steward: stewardVersion() },
  }).catch((err) => {
    metrics.dbErrors.inc({ operation: 'open' });
    throw err;
  });
  // The reloader reads the file and swaps the policy into this Steward (SIGHUP, POST /api/v1/policy/reload).
  let reloadPolicy: RunningSteward['reloadPolicy'] = () => Promise.reject(new Error('not started'));
  const steward = new Steward({
    store,
    clock,
    policy,
    modules: io.modules ?? STANDARD_MODULES,
    holder: settings.replicaId,
    log,
    reloadPolicy: (actor) => reloadPolicy(actor),
    hooks: {
      onOperation: (op, entry, outcome) => metrics.operations.inc({ op, entry, outcome }),
      onEffect: (kind, ok) => metrics.effects.inc({ kind, outcome: ok ? 'ok' : 'failed' }),
      onStepFired: (step, firedAt) =>
        metrics.stepLateness.observe({ kind: step.kind }, Math.max(0, firedAt.getTime() - step.dueAt.getTime()) / 1000),
      onStepFailed: (step) => metrics.stepsFailed.inc({ kind: step.kind }),
      onBackup: (r) => {
        if (r.ok) metrics.backupLastSuccess.set(r.at.getTime() / 1000);
      },
    },
  });
  const { changed } = await steward.applyPolicy();
  // Side effects a previous run of this replica claimed and never finished (it was killed) run now.
  const released = await store.outboxWorker.releaseAbandoned(settings.replicaId);
  if (released) log.warn({ released }, 'side effects left unfinished by a previous run will run now');
  log.info({ policy: policy.file, sha256: policy.sha256.slice(0, 12), changed, db: store.dialect }, 'policy loaded');
  if (settings.auditKey && (await markAuditKeyEnabled(store, clock.now())))
    log.warn('STEWARD_AUDIT_KEY is new to this audit log: audit.key_enabled appended; entries from now on carry a MAC');

  const limits: LimitPolicy = {
    strict: settings.strictLimits,
    onTruncate: (platform, limit) => metrics.truncations.inc({ platform, limit }),
  };
  const actions = new ActionCodec(steward.registry);
  const dispatcher = createDispatcher({ steward, actions, metrics, log });

  let slack: SlackAdapter | undefined;
  let discord: DiscordAdapter | undefined;
  let cons: ConsoleAdapter | undefined;
  const routes: Record<string, Route> = {};
  // The HTTP API: every /api/v1 route shares the token check and the failed-attempt limit.
  const api = createApi({
    dir: () => steward.dir,
    limiter: new FailureLimiter({ clock }),
    trustedProxies: new TrustedProxies(settings.trustedProxies),
    log,
    metrics,
  });
  reloadPolicy = policyReloader(settings.policyFile, steward, log, metrics);
  Object.assign(routes, moduleRoutes(api, steward, { maxReportBytes: settings.maxReportBytes }));
  // Public web sites (the status page at /status), readable without a token.
  Object.assign(routes, siteRoutes(steward));
  if (settings.slack) {
    // Platform SDKs are loaded only when configured: each costs tens of MB of resident memory.
    const { createSlackAdapter } = await import('./adapters/slack/app.js');
    slack = createSlackAdapter(settings.slack, {
      clock,
      dispatcher,
      render: new SlackRenderer(limits, actions),
      log,
      metrics,
    });
    if (slack.requestListener) routes['POST /slack/events'] = slack.requestListener;
  }

  const http: HttpServer = await startHttp({
    host: settings.host,
    port: settings.port,
    log,
    metrics,
    routes,
    readiness: [
      {
        name: 'database',
        check: async () => {
          try {
            await store.ping();
            const pending = await store.pendingMigrations();
            return pending === 0 ? { ok: true } : { ok: false, detail: `${pending} migration(s) pending` };
          } catch (err) {
            metrics.dbErrors.inc({ operation: 'ping' });
            throw err;
          }
        },
      },
      ...(settings.slack
        ? [
            {
              name: 'slack',
              check: async () => ({ ok: !!slack?.ready, detail: slack?.ready ? undefined : 'not connected to Slack' }),
            },
          ]
        : []),
      ...(settings.discord
        ? [
            {
              name: 'discord',
              check: async () => ({
                ok: !!discord?.ready,
                detail: discord?.ready ? undefined : 'gateway not connected',
              }),
            },
          ]
        : []),
    ],
  });

  // The status page alone on STATUS_PORT: the one listener that may be exposed to the public.
  let statusHttp: HttpServer | undefined;
  if (settings.statusPort !== undefined) {
    try {
      statusHttp = await startHttp({
        host: settings.host,
        port: settings.statusPort,
        log,
        metrics,
        readiness: [],
        routes: siteListenerRoutes(steward, 'status'),
        bare: true,
        name: 'status page',
      });
    } catch (err) {
      await http.close(0);
      await store.close();
      throw err;
    }
  }

  try {
    await slack?.start();
    if (slack) steward.gateways.set('slack', slack.gateway);
    if (settings.discord) {
      const { createDiscordAdapter } = await import('./adapters/discord/client.js');
      discord = createDiscordAdapter(settings.discord, {
        dispatcher,
        render: new DiscordRenderer(limits, actions),
        log,
        incidentsGuild: () => steward.dir.policy.incidents.discord,
      });
      await discord.start();
      steward.gateways.set('discord', discord.gateway);
    }
  } catch (err) {
    // A platform refused to connect: release what is already open before reporting it.
    await http.close(0);
    await statusHttp?.close(0);
    await Promise.allSettled([slack?.stop(), discord?.stop()]);
    await store.close();
    throw err;
  }

  const scheduler = new Scheduler({ leases: store.leases, clock, holder: settings.replicaId, log }, [
    auditVerifyJob(steward, metrics, log, {
      key: settings.auditKey,
      headFile: settings.auditHeadFile ? new AuditHeadFile(settings.auditHeadFile) : undefined,
    }),
    outboxJob(steward),
    ...steward.jobs().interval,
  ]);
  scheduler.start();
  // Calendar jobs (cron in a time zone): each occurrence once across restarts and replicas.
  const calendar = new CalendarScheduler(
    {
      jobRuns: store.jobRuns,
      clock,
      dir: () => steward.dir,
      holder: settings.replicaId,
      log,
      onRun: (job, _scope, _occurrence, late, ok) =>
        metrics.jobRuns.inc({ job, outcome: ok ? 'ok' : 'failed', late: late ? 'yes' : 'no' }),
    },
    steward.jobs().calendar,
  );
  await calendar.start();

  if (settings.console.enabled) {
    const user = settings.console.user ?? policy.policy.people[0]?.id ?? 'console';
    const person = steward.dir.person(user);
    const stdin = io.stdin ?? process.stdin;
    cons = startConsole(
      {
        input: stdin,
        output: io.stdout ?? process.stdout,
        user,
        userName: person?.name,
        interactive: !!(stdin as NodeJS.ReadStream).isTTY,
      },
      { dispatcher, render: new ConsoleRenderer({ timezone: steward.dir.timezoneOf(person?.id) }) },
    );
    steward.gateways.set('console', cons.gateway);
  }
  // The modules' background work starts (escalation steps that fell due while down fire now).
  steward.start();

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) =>
    (stopping ??= (async () => {
      log.info({ reason }, 'shutting down');
      cons?.stop();
      await Promise.all([http.close(settings.shutdownTimeoutMs), statusHttp?.close(settings.shutdownTimeoutMs)]);
      await Promise.allSettled([slack?.stop(), discord?.stop()]);
      await scheduler.stop();
      await calendar.stop();
      await steward.stop();
      await store.close();
      log.info('stopped');
      log.flush();
    })());

  return {
    port: http.port,
    statusPort: statusHttp?.port,
    steward,
    log,
    metrics,
    calendar,
    consoleDone: cons?.done,
    shutdown,
    reloadPolicy,
  };
}

/**
 * Reloads the policy file, one reload at a time. A valid file is applied to new work (pages
 * under way keep their frozen paths); an invalid one is refused and the running policy stays.
 */
function policyReloader(
  file: string,
  steward: Steward,
  log: Logger,
  metrics: Metrics,
): (actor?: ActorRef) => Promise<PolicyReloadResult> {
  let last: Promise<unknown> = Promise.resolve();
  const reload = async (actor?: ActorRef): Promise<PolicyReloadResult> => {
    let next;
    try {
      next = loadPolicyFile(file);
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      metrics.policyReloads.inc({ outcome: 'refused' });
      log.error(
        { policy: file, sha256: steward.dir.version.slice(0, 12), error: err.message },
        'policy reload refused; the running policy stays',
      );
      return { ok: false, error: err.message };
    }
    if (next.sha256 === steward.dir.version) {
      metrics.policyReloads.inc({ outcome: 'unchanged' });
      log.info({ policy: file, sha256: next.sha256.slice(0, 12) }, 'policy reload: unchanged');
      return { ok: true, changed: false, sha256: next.sha256 };
    }
    const before = steward.dir.version;
    const { effects } = await steward.replacePolicy(next, actor);
    const p = next.policy;
    metrics.policyReloads.inc({ outcome: 'applied' });
    log.info(
      {
        policy: file,
        sha256: next.sha256.slice(0, 12),
        before: before.slice(0, 12),
        people: p.people.length,
        teams: p.teams.length,
        services: p.services.length,
        tokens: p.api.tokens.length,
        ...effects,
      },
      'policy reloaded',
    );
    return { ok: true, changed: true, sha256: next.sha256 };
  };
  return (actor) => {
    const run = last.then(
      () => reload(actor),
      () => reload(actor),
    );
    last = run.catch(() => undefined);
    return run;
  };
}
