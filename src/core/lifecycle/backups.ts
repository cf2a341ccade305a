// The scheduled backup: at each occurrence of `backup.schedule.cron` one replica writes an
// encrypted backup into the folder and keeps the newest `keep`; success is recorded (setting
// `backup.last_success`, audit `backup.written`) and reported through the hooks (the metric); a
// failure is recorded (`backup.failed`) and told to the operators' channel. A watch tells them
// too when an occurrence has had no backup `grace` after its time and no replica took it up
// (Steward was down, or its scheduler stuck).
import { inChannel, txt, type Card } from '../card.js';
import { gatewayOf, type ChatGateway } from '../chat/gateway.js';
import type { Directory } from '../directory.js';
import { cronTime } from '../jobs/cron.js';
import type { CalendarJob, CalendarRun, IntervalJob } from '../jobs/job.js';
import type { Hooks, KernelLog } from '../module.js';
import { enqueue, handle, type EffectHandler } from '../outbox/effects.js';
import type { Clock, Platform, Store, Tx } from '../ports.js';
import { parseDuration } from '../shared/duration.js';
import { BackupNotice } from './kinds.js';

export const BACKUP_JOB = 'backup';
export const BACKUP_WATCH_JOB = 'backup-watch';
export const LAST_SUCCESS = 'backup.last_success';
/** The console has no channel ids: its notices go to this one. */
export const CONSOLE_OPERATORS = 'operators';

export interface LastBackup {
  at: string;
  file: string;
  bytes: number;
  rows: number;
}

export interface BackupDeps {
  store: Store;
  clock: Clock;
  dir: () => Directory;
  platforms: () => Platform[];
  kick: () => void;
  hooks: Hooks;
  log: KernelLog;
}

export class BackupService {
  /** Occurrences before this instant are not reported missing (this process was not watching). */
  private readonly since: Date;

  constructor(private readonly d: BackupDeps) {
    this.since = d.clock.now();
  }

  job(): CalendarJob {
    return {
      name: BACKUP_JOB,
      slots: (dir) => {
        const s = dir.policy.backup?.schedule;
        return s ? [{ cron: s.cron, timezone: s.timezone ?? dir.policy.timezone }] : [];
      },
      catchUp: true,
      run: (r) => this.scheduled(r),
    };
  }

  watchJob(everyMs = 300_000): IntervalJob {
    return { name: BACKUP_WATCH_JOB, everyMs, run: (now) => this.watch(now) };
  }

  /** The last successful backup recorded, or null. */
  async last(): Promise<LastBackup | null> {
    const raw = await this.d.store.transaction((tx) => tx.settings.get(LAST_SUCCESS));
    if (!raw) return null;
    try {
      return JSON.parse(raw) as LastBackup;
    } catch {
      return null;
    }
  }

  /** Tells the hooks about the last success recorded (at start: the metric survives restarts). */
  async report(): Promise<void> {
    const last = await this.last();
    if (last) this.d.hooks.onBackup?.({ ok: true, at: new Date(last.at) });
  }

  async scheduled(r: CalendarRun): Promise<void> {
    const s = this.d.dir().policy.backup;
    const schedule = s?.schedule;
    if (!schedule) return;
    const writer = this.d.store.backups;
    try {
      if (!writer) throw new Error('this store cannot write backups');
      const b = await writer.write({
        directory: schedule.directory,
        keep: schedule.keep,
        recipients: s.recipients,
        at: r.now,
      });
      const at = this.d.clock.now();
      const last: LastBackup = { at: at.toISOString(), file: b.file, bytes: b.bytes, rows: b.rows };
      await this.d.store.transaction(async (tx) => {
        await tx.settings.set(LAST_SUCCESS, JSON.stringify(last), at);
        await tx.audit.append(
          {
            actor: { platform: 'system' },
            action: 'backup.written',
            subject: 'backup',
            after: {
              ...last,
              tables: b.tables,
              occurrence: r.occurrence.toISOString(),
              late: r.late,
              removed: b.removed,
            },
          },
          at,
        );
      });
      this.d.hooks.onBackup?.({ ok: true, at });
      this.d.log.info({ file: b.file, bytes: b.bytes, rows: b.rows, removed: b.removed.length }, 'backup written');
    } catch (err) {
      const at = this.d.clock.now();
      const detail = err instanceof Error ? err.message : String(err);
      this.d.hooks.onBackup?.({ ok: false, at });
      this.d.log.error({ error: detail, occurrence: r.occurrence.toISOString() }, 'backup failed');
      await this.d.store.transaction(async (tx) => {
        await tx.audit.append(
          {
            actor: { platform: 'system' },
            action: 'backup.failed',
            subject: 'backup',
            after: { occurrence: r.occurrence.toISOString(), error: detail },
          },
          at,
        );
        await this.notify(tx, 'failed', r.occurrence, detail, at);
      });
      this.d.kick();
      throw err;
    }
  }

  /** Reports the latest occurrence more than `grace` ago that has no backup, once. */
  async watch(now: Date): Promise<void> {
    const dir = this.d.dir();
    const schedule = dir.policy.backup?.schedule;
    if (!schedule) return;
    const due = cronTime(schedule.cron, schedule.timezone ?? dir.policy.timezone).atOrBefore(
      new Date(now.getTime() - parseDuration(schedule.grace)),
    );
    if (!due || due < this.since) return;
    // Claimed by a replica: it ran (a failure was told then) or still runs.
    const claimed = await this.d.store.jobRuns.latest(BACKUP_JOB);
    if (claimed && claimed >= due) return;
    const last = await this.last();
    if (last && new Date(last.at) >= due) return;
    const told = await this.d.store.transaction(async (tx) => {
      if (!(await tx.idempotency.claim(`backup.missing:${due.toISOString()}`, now))) return false;
      const detail = last
        ? `the last backup was written ${last.at} (${last.file})`
        : 'no backup has been written since Steward started watching';
      await tx.audit.append(
        {
          actor: { platform: 'system' },
          action: 'backup.missing',
          subject: 'backup',
          after: { occurrence: due.toISOString(), last: last?.at ?? null },
        },
        now,
      );
      await this.notify(tx, 'missing', due, detail, now);
      return true;
    });
    if (told) {
      this.d.log.error({ occurrence: due.toISOString() }, 'scheduled backup missing');
      this.d.kick();
    }
  }

  /** Queues the notice for the operators' channel on every platform it names that is connected. */
  private async notify(tx: Tx, what: 'failed' | 'missing', occurrence: Date, detail: string, at: Date) {
    const notify = this.d.dir().policy.backup?.notify;
    for (const platform of this.d.platforms()) {
      const to =
        platform === 'slack'
          ? notify?.slack
          : platform === 'discord'
            ? notify?.discord
            : platform === 'console'
              ? CONSOLE_OPERATORS
              : undefined;
      if (!to) continue;
      await enqueue(
        tx.outbox,
        BackupNotice,
        `backup.${what}:${occurrence.toISOString()}:${platform}`,
        { platform, to, what, occurrence: occurrence.toISOString(), detail },
        at,
      );
    }
  }
}

export function noticeCard(what: 'failed' | 'missing', occurrence: string, detail: string): Card {
  return {
    title: what === 'failed' ? 'Scheduled backup failed' : 'Scheduled backup missing',
    tone: 'danger',
    body: [
      txt(
        what === 'failed'
          ? `The backup due ${occurrence} failed: ${detail}.`
          : `No backup was written for ${occurrence}: ${detail}.`,
      ),
    ],
    context: [txt('Check the log (backup failed / scheduled backup missing) and the backup folder.')],
  };
}

export function backupEffects(d: { gateways: ReadonlyMap<Platform, ChatGateway> }): EffectHandler[] {
  return [
    handle(BackupNotice, async (x) => {
      await gatewayOf(d.gateways, x.platform).post(x.to, inChannel(noticeCard(x.what, x.occurrence, x.detail)));
    }),
  ];
}
