// Data lifecycle as a module: the scheduled backup (a calendar job, with a watch that tells the
// operators' channel when one is missing), retention and disposal (a daily calendar job, and
// `npm run steward -- dispose [--dry-run]`), and their policy keys `backup` and `retention`.
// Writing, restoring and checking backup files are operator commands of the CLI (src/adapters/cli).
import type { CliCommandDecl, CliIO, CliInput, EntryCtx } from '../entry.js';
import { cliCommand, type StewardModule } from '../module.js';
import { backupEffects, BackupService } from './backups.js';
import { checkLifecyclePolicy } from './policy-checks.js';
import { lifecyclePolicy } from './policy-section.js';
import { RetentionService, type DisposalRun } from './retention.js';

export const RETENTION_JOB = 'retention';

export const DISPOSE_CLI: CliCommandDecl = {
  name: 'dispose',
  usage:
    "dispose [--dry-run] — dispose of what the policy's retention says has been kept long enough (what an open item refers to stays); --dry-run says what would go",
  op: 'retention.dispose',
  flags: ['dry-run'],
  args: 0,
};

const WHAT: Record<string, string> = {
  incidents: 'closed incidents, closed',
  changes: 'decided changes, last updated',
  alerts: 'resolved alert groups, resolved',
  pages: 'resolved pages, resolved',
  findings: 'fixed findings, fixed',
  drafts: 'form drafts, saved',
  audit: 'audit entries, written',
};

function print(run: DisposalRun, io: CliIO): void {
  if (!run.kinds.length) {
    io.out('the policy keeps everything (no retention.<kind> is set): nothing to dispose of');
    return;
  }
  io.out(`${run.dryRun ? 'dry run: would dispose of' : 'disposed of'} (retention at ${run.at.toISOString()}):`);
  for (const k of run.kinds) {
    const kept = k.kept ? `; ${k.kept} kept: an open item refers to them` : '';
    io.out(
      `  ${k.kind.padEnd(9)} ${String(k.records).padStart(7)}  ${WHAT[k.kind]} before ${k.cutoff.toISOString()}${kept}`,
    );
  }
}

export const lifecycleModule: StewardModule = {
  id: 'lifecycle',
  policy: lifecyclePolicy,
  checkPolicy: checkLifecyclePolicy,
  commands: [],
  operations: [],
  help: [],
  cli: [DISPOSE_CLI],
  create(k) {
    const retention = new RetentionService({ store: k.store, clock: k.clock, dir: k.dir });
    const backups = new BackupService({
      store: k.store,
      clock: k.clock,
      dir: k.dir,
      platforms: k.platforms,
      kick: k.kick,
      hooks: k.hooks,
      log: k.log,
    });
    const dispose = async (ctx: EntryCtx, input: CliInput, io: CliIO) => {
      const run = await retention.run(ctx.now, { dryRun: input.options['dry-run'] === 'true', actor: ctx.actor });
      print(run, io);
      return 0;
    };
    return {
      operations: [],
      effects: backupEffects({ gateways: k.gateways }),
      jobs: {
        calendar: [
          backups.job(),
          {
            name: RETENTION_JOB,
            slots: (dir) =>
              dir.policy.retention ? [{ cron: dir.policy.retention.cron, timezone: dir.policy.timezone }] : [],
            catchUp: true,
            run: async (r) => {
              const run = await retention.run(r.now);
              const disposed = Object.fromEntries(run.kinds.map((x) => [x.kind, x.records]));
              k.log.info({ occurrence: r.occurrence.toISOString(), late: r.late, disposed }, 'retention run');
            },
          },
        ],
        interval: [backups.watchJob()],
      },
      cli: [cliCommand(DISPOSE_CLI, dispose)],
      start: () =>
        void backups.report().catch((err: unknown) => k.log.error({ err: String(err) }, 'last backup not readable')),
    };
  },
};
