// /patch use cases: the open findings of a service or team (paged, worst first) and one finding with
// its history and its latest risk exception (exceptions.ts runs those).
import { type Reply, type Rich, br, ephemeral, join, strong, txt } from '../../card.js';
import { call } from '../../module.js';
import type { Ctx } from '../../context.js';
import type { Directory } from '../../directory.js';
import { fail, ok, type Outcome } from '../../errors.js';
import type { Store } from '../../ports.js';
import { PAGE_SIZE, listCard, showCard } from './cards.js';
import { findingRef } from './model.js';
import type { ImportRecord } from './ports.js';
import { PatchOps } from '../ops.js';
import { exceptionFields } from '../exceptions/cards.js';
import { exceptionRef } from '../exceptions/model.js';
import type { ExceptionService } from '../exceptions/service.js';

/** History lines shown under a finding (Discord fields hold 1,024 characters): the latest ones. */
export const HISTORY_LINES = 8;

export class PatchesService {
  constructor(private readonly deps: { store: Store; dir: () => Directory; exceptions: ExceptionService }) {}

  async list(ctx: Ctx, a: { scope?: string; overdue?: boolean; offset?: number }): Promise<Outcome<Reply>> {
    const d = this.deps.dir();
    let serviceIds: string[] | undefined;
    let what = 'all services';
    if (a.scope) {
      const service = d.service(a.scope);
      const team = d.team(a.scope);
      if (service) {
        serviceIds = [service.id];
        what = service.name;
      } else if (team) {
        serviceIds = d.servicesOfTeam(team.id).map((s) => s.id);
        what = `team ${team.name}`;
      } else {
        return fail(
          'SERVICE.NOT_FOUND',
          `There is no service or team "${a.scope}".`,
          `Services: ${
            d
              .allServices()
              .map((s) => s.id)
              .join(', ') || 'none'
          } · teams: ${
            d
              .allTeams()
              .map((t) => t.id)
              .join(', ') || 'none'
          }`,
        );
      }
    }
    const offset = a.offset ?? 0;
    const overdue = a.overdue ?? false;
    const { total, findings } = await this.deps.store.transaction((tx) =>
      tx.findings.listOpen({ serviceIds, overdueAt: overdue ? ctx.now : undefined }, offset, PAGE_SIZE),
    );
    const card = listCard({
      title: `${overdue ? 'Overdue' : 'Open'} findings · ${what}`,
      what: overdue ? 'overdue findings' : 'open findings',
      findings,
      total,
      offset,
      now: ctx.now,
      at: (o) => call(PatchOps.list, { scope: a.scope, overdue: overdue ? 'true' : undefined, offset: o }),
      show: (id) => call(PatchOps.show, { finding: id }),
    });
    return ok({ ...ephemeral(card), replaceOriginal: offset > 0 || undefined });
  }

  async show(_ctx: Ctx, a: { finding: number }, now: Date): Promise<Outcome<Reply>> {
    const ref = findingRef(a.finding);
    const found = await this.deps.store.transaction(async (tx) => {
      const f = await tx.findings.byId(a.finding);
      if (!f) return null;
      const events = await tx.findings.events(f.id);
      const imports = await tx.findings.imports(f.serviceId, f.firstSeenAt, 500);
      return { f, events, imports };
    });
    if (!found)
      return fail('COMMAND.INVALID', `There is no finding ${ref}.`, 'List them with /patch list [service|team].');
    const { f, events, imports } = found;
    const byId = new Map<number, ImportRecord>(imports.map((i) => [i.id, i]));
    const firstImport = imports.find((i) => i.at.getTime() === f.firstSeenAt.getTime());
    // An identical report does not rewrite the row: it was last seen at the latest import of a scanner listing it.
    const listing = imports.filter((i) => i.scanner in f.scanners);
    const lastSeenAt = listing.at(-1)?.at ?? f.lastSeenAt;
    const audit = (await this.deps.store.auditReader.bySubject(`finding:${ref}`, 50)).map((e) => ({
      at: e.at,
      action: e.action,
      by: e.actor.personId ?? e.actor.platformUserId ?? e.actor.platform,
    }));
    const shown = events.slice(-HISTORY_LINES);
    const card = showCard({
      finding: f,
      serviceName: this.deps.dir().service(f.serviceId)?.name ?? f.serviceId,
      now,
      events: shown,
      imports: byId,
      firstImport,
      lastSeenAt,
      audit: audit.slice(-HISTORY_LINES),
      exception: call(PatchOps.exception, { finding: f.id }),
    });
    if (events.length > shown.length)
      card.context = [txt(`History: the latest ${shown.length} of ${events.length} events.`)];
    const exc = await this.deps.exceptions.latestOf(f.id);
    if (exc) {
      card.sections = [
        {
          heading: `Risk exception ${exceptionRef(exc.e)}`,
          body: join(
            exceptionFields(this.deps.dir(), exc).map((x): Rich => [strong(`${x.label}: `), ...x.value]),
            br,
          ),
        },
        ...(card.sections ?? []),
      ];
      // One open exception at a time: no second request while one waits or holds.
      if (exc.e.state === 'pending' || (exc.e.state === 'accepted' && exc.e.until > now)) card.buttons = [];
    }
    return ok(ephemeral(card));
  }
}
