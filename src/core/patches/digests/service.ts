// Patch SLA digests: one per team at each occurrence of patches.digest.cron in the team's time zone
// (a calendar job, so each occurrence runs once across restarts and replicas), and on demand with
// /patch digest [team]. A digest counts the team's open findings with aggregate queries (never by
// loading them), is recorded once per team and occurrence (the baseline of the next one's "new",
// "fixed" and trend), and is posted to the team's channel on every connected platform by the outbox.
import type { Ctx } from '../../context.js';
import { type Reply, ephemeral, txt } from '../../card.js';
import type { Directory } from '../../directory.js';
import { fail, ok, type Outcome } from '../../errors.js';
import type { CalendarJob, CalendarRun, CalendarSlot } from '../../jobs/job.js';
import { call } from '../../module.js';
import { enqueue } from '../../outbox/effects.js';
import { teamChannels } from '../../people/addresses.js';
import type { Clock, Platform, Store } from '../../ports.js';
import { sleep } from '../../clock.js';
import { digestCard } from './cards.js';
import {
  type DigestData,
  type DigestItem,
  DUE_SOON_DAYS,
  EXPIRING_DAYS,
  EXPIRING_SHOWN,
  SOON_SHOWN,
  WORST_SHOWN,
} from './model.js';
import type { DigestRecord } from './ports.js';
import './ports.js';
import type { Finding, Severity } from '../findings/model.js';
import { DigestPost } from '../notices/kinds.js';
import { PatchOps } from '../ops.js';
import { noticePolicy } from '../findings/policy.js';

const DAY = 86_400_000;
/** Teams shown at once by /patch digest (each is a card). */
export const DIGESTS_SHOWN = 3;
export const DIGEST_JOB = 'patch-digest';
/** Tries of one occurrence before it is recorded as failed, RETRY_MS × the try apart. */
const RUN_ATTEMPTS = 3;
const RETRY_MS = 2_000;

const item = (f: Finding): DigestItem => ({
  id: f.id,
  serviceId: f.serviceId,
  vulnId: f.vulnId,
  packageName: f.packageName,
  installedVersion: f.installedVersion,
  severity: f.severity,
  deadline: f.deadline!.toISOString(),
});

export interface DigestDeps {
  store: Store;
  clock: Clock;
  dir: () => Directory;
  kick: () => void;
  platforms: () => Platform[];
}

export class DigestService {
  constructor(private readonly d: DigestDeps) {}

  /** One slot per team that owns a service, at patches.digest.cron in the team's time zone. */
  slots(dir: Directory): CalendarSlot[] {
    const { cron } = noticePolicy(dir).digest;
    return dir
      .allTeams()
      .filter((t) => dir.servicesOfTeam(t.id).length > 0)
      .map((t) => ({ scope: t.id, cron, timezone: t.timezone ?? dir.policy.timezone }));
  }

  job(): CalendarJob {
    return { name: DIGEST_JOB, slots: (dir) => this.slots(dir), catchUp: true, run: (r) => this.post(r) };
  }

  /** The team's digest at `now`, against its previous recorded digest. */
  async compute(
    teamId: string,
    now: Date,
    previous: DigestRecord | null,
    occurrence: Date | null,
    late: boolean,
  ): Promise<DigestData> {
    const dir = this.d.dir();
    const team = dir.team(teamId);
    const services = dir.servicesOfTeam(teamId).map((s) => s.id);
    const since = previous?.at ?? null;
    const soon = new Date(now.getTime() + DUE_SOON_DAYS * DAY);
    const read = await this.d.store.transaction(async (tx) => {
      const counts = await tx.findings.digestCounts(services, now, soon, since);
      const worst = await tx.findings.worstOverdue(services, now, WORST_SHOWN);
      const next = await tx.findings.dueSoon(services, now, soon, SOON_SHOWN);
      const fixed = since ? await tx.findings.fixedSince(services, since) : 0;
      const expiring = await tx.exceptions.endingBetween(
        services,
        now,
        new Date(now.getTime() + EXPIRING_DAYS * DAY),
        EXPIRING_SHOWN,
      );
      const expired = since ? await tx.exceptions.expiredSince(services, since) : 0;
      return { counts, worst, next, fixed, expiring, expired };
    });
    const overdueBy: Partial<Record<Severity, number>> = {};
    const soonBy: Partial<Record<Severity, number>> = {};
    let open = 0;
    let excepted = 0;
    let fresh = 0;
    for (const c of read.counts) {
      open += c.open;
      excepted += c.excepted;
      fresh += c.fresh;
      if (c.overdue) overdueBy[c.severity] = c.overdue;
      if (c.dueSoon) soonBy[c.severity] = c.dueSoon;
    }
    const total = (x: Partial<Record<Severity, number>>) => Object.values(x).reduce((a, b) => a + (b ?? 0), 0);
    return {
      team: teamId,
      teamName: team?.name ?? teamId,
      at: now.toISOString(),
      occurrence: occurrence?.toISOString() ?? null,
      late,
      since: since?.toISOString() ?? null,
      previousOverdue: previous?.overdue ?? null,
      open,
      excepted,
      overdue: { total: total(overdueBy), bySeverity: overdueBy, worst: read.worst.map(item) },
      dueSoon: { total: total(soonBy), bySeverity: soonBy, next: read.next.map(item) },
      fresh: since ? fresh : 0,
      fixed: read.fixed,
      expiring: {
        total: read.expiring.total,
        items: read.expiring.items.map((e) => ({
          exception: e.number,
          findingId: e.findingId,
          serviceId: e.serviceId,
          until: e.until.toISOString(),
        })),
      },
      expired: read.expired,
    };
  }

  /**
   * The calendar job's run: records the team's digest for this occurrence once, then posts it.
   * The scheduler does not run an occurrence twice, so a failure (a database hiccup) is tried again
   * here; recording is idempotent per team and occurrence, so a try that did commit is not repeated.
   */
  async post(r: CalendarRun): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.postOnce(r);
      } catch (err) {
        if (attempt >= RUN_ATTEMPTS) throw err;
        await sleep(this.d.clock, RETRY_MS * attempt);
      }
    }
  }

  private async postOnce(r: CalendarRun): Promise<void> {
    const teamId = r.scope!;
    const dir = this.d.dir();
    if (!dir.team(teamId)) return;
    const previous = await this.d.store.transaction((tx) => tx.digests.latest(teamId, r.occurrence));
    const data = await this.compute(teamId, r.now, previous, r.occurrence, r.late);
    const quiet = noticePolicy(dir).digest.quiet && data.open === 0;
    const posted = await this.d.store.transaction(async (tx) => {
      const id = await tx.digests.record({
        team: teamId,
        occurrence: r.occurrence,
        late: r.late,
        overdue: data.overdue.total,
        summary: JSON.stringify(data),
        at: r.now,
      });
      if (id === null || quiet) return false;
      for (const c of teamChannels(dir, this.d.platforms(), teamId))
        await enqueue(
          tx.outbox,
          DigestPost,
          `patch_digest:${id}:${c.platform}`,
          { digest: id, platform: c.platform, to: c.to },
          r.now,
        );
      return true;
    });
    if (posted) this.d.kick();
  }

  /** /patch digest [team]: the same digest now, for the named team or the viewer's teams. */
  async show(ctx: Ctx, teamArg: string | undefined): Promise<Outcome<Reply>> {
    const dir = this.d.dir();
    let teams: string[];
    if (teamArg) {
      const t = dir.team(teamArg) ?? (dir.service(teamArg) ? dir.team(dir.service(teamArg)!.team) : undefined);
      if (!t)
        return fail(
          'SERVICE.NOT_FOUND',
          `There is no team "${teamArg}".`,
          `Teams: ${
            dir
              .allTeams()
              .map((x) => x.id)
              .join(', ') || 'none'
          }`,
        );
      teams = [t.id];
    } else {
      teams = ctx.actor.person ? dir.teamsOf(ctx.actor.person.id).map((t) => t.id) : [];
      if (teams.length === 0)
        return fail(
          'COMMAND.INVALID',
          'You are in no team, so there is no digest of yours.',
          `Name one: /patch digest <team> (teams: ${
            dir
              .allTeams()
              .map((x) => x.id)
              .join(', ') || 'none'
          })`,
        );
    }
    const shown = teams.slice(0, DIGESTS_SHOWN);
    const cards = [];
    for (const id of shown) {
      const previous = await this.d.store.transaction((tx) => tx.digests.latest(id));
      cards.push(this.card(await this.compute(id, ctx.now, previous, null, false)));
    }
    const last = cards.at(-1);
    if (last && teams.length > shown.length)
      last.context = [
        ...(last.context ?? []),
        txt(` Also your teams ${teams.slice(shown.length).join(', ')}: /patch digest <team>.`),
      ];
    return ok(ephemeral(...cards));
  }

  card(d: DigestData) {
    return digestCard(d, {
      showOverdue: call(PatchOps.list, { scope: d.team, overdue: 'true' }),
      requestException: call(PatchOps.requestException, { team: d.team }),
    });
  }
}
