// Service catalog use cases: list services, show one service, show its escalation path.
import type { EscalationPolicy, NotifyTarget, Service } from '../policy/schema.js';
import { type Card, type Rich, type Reply, br, code, ephemeral, join, link, strong, txt, user } from '../card.js';
import type { Ctx } from '../context.js';
import { fail, ok, type Outcome } from '../errors.js';
import { formatDuration, parseDuration } from '../shared/duration.js';
import type { Directory } from '../directory.js';
import { call } from '../module.js';
import { ServiceOps } from './ops.js';

/** Buttons offered under the service list (one per service, first ones only). */
export const LIST_BUTTONS = 5;

export class Catalog {
  /**
   * Catalog cards depend only on the policy version: computed once per version and command. Only answers about
   * ids the policy knows are kept, so the cache is bounded by the policy's size whatever ids people type.
   */
  private cache = new WeakMap<Directory, Map<string, Outcome<Reply>>>();

  constructor(private readonly dir: () => Directory) {}

  private memo(key: string, build: () => Outcome<Reply>): Outcome<Reply> {
    const d = this.dir();
    let m = this.cache.get(d);
    if (!m) this.cache.set(d, (m = new Map<string, Outcome<Reply>>()));
    let r = m.get(key);
    if (!r) m.set(key, (r = build()));
    return r;
  }

  /** Number of cached answers for the current policy version. */
  get cachedAnswers(): number {
    return this.cache.get(this.dir())?.size ?? 0;
  }

  list(ctx: Ctx, cmd: { team?: string }): Outcome<Reply> {
    if (cmd.team && !this.dir().team(cmd.team)) return this.buildList(ctx, cmd);
    return this.memo(`list:${cmd.team ?? ''}`, () => this.buildList(ctx, cmd));
  }

  show(ctx: Ctx, cmd: { id: string }): Outcome<Reply> {
    if (!this.dir().service(cmd.id)) return this.buildShow(ctx, cmd);
    return this.memo(`show:${cmd.id}`, () => this.buildShow(ctx, cmd));
  }

  escalation(ctx: Ctx, cmd: { id: string }): Outcome<Reply> {
    if (!this.dir().service(cmd.id)) return this.buildEscalation(ctx, cmd);
    return this.memo(`escalation:${cmd.id}`, () => this.buildEscalation(ctx, cmd));
  }

  private buildList(_ctx: Ctx, cmd: { team?: string }): Outcome<Reply> {
    const d = this.dir();
    let services = d.allServices();
    let teams = d.allTeams();
    let ofTeam: string | undefined;
    if (cmd.team) {
      const team = d.team(cmd.team);
      if (!team)
        return fail(
          'TEAM.NOT_FOUND',
          `There is no team "${cmd.team}".`,
          `Teams: ${teams.map((t) => t.id).join(', ') || 'none'}`,
        );
      teams = [team];
      ofTeam = team.name;
      services = d.servicesOfTeam(team.id);
    }
    if (services.length === 0) {
      return ok(
        ephemeral({
          title: 'Service catalog',
          tone: 'info',
          body: [txt(cmd.team ? 'This team owns no services yet.' : 'No services are defined in the policy yet.')],
        }),
      );
    }
    const sections = teams
      .map((t) => ({ team: t, services: services.filter((s) => s.team === t.id) }))
      .filter((g) => g.services.length > 0)
      .map((g) => ({
        heading: `${g.team.name} (${g.services.length})`,
        body: join(
          g.services.map((s) => this.line(s)),
          br,
        ),
      }));
    const sorted = [...services].sort((a, b) => a.tier - b.tier || a.name.localeCompare(b.name));
    const card: Card = {
      title: ofTeam !== undefined ? `Services of ${ofTeam}` : 'Service catalog',
      tone: 'info',
      body: [
        txt(
          `${services.length} service${services.length === 1 ? '' : 's'} in ${sections.length} team${sections.length === 1 ? '' : 's'}.`,
        ),
      ],
      sections,
      buttons: sorted
        .slice(0, LIST_BUTTONS)
        .map((s) => ({ label: s.name, command: call(ServiceOps.show, { id: s.id }) })),
      context: [
        txt(services.length > LIST_BUTTONS ? 'Most critical services shown as buttons. ' : ''),
        txt('Details: '),
        code('/service show <id>'),
      ],
    };
    return ok(ephemeral(card));
  }

  private buildShow(_ctx: Ctx, cmd: { id: string }): Outcome<Reply> {
    const d = this.dir();
    const s = d.service(cmd.id);
    if (!s) return this.notFound(cmd.id);
    const team = d.team(s.team)!;
    const owners = s.owners.map((o) => d.person(o)!).map((p) => [user(p)]);
    const fields: Card['fields'] = [
      { label: 'Team', value: [txt(team.name)] },
      { label: 'Tier', value: [txt(`${s.tier}${s.tier === 1 ? ' (most critical)' : ''}`)] },
      { label: 'Owners', value: owners.length ? join(owners) : [txt('none documented')] },
      {
        label: 'Escalation path',
        value: s.escalation
          ? [code(s.escalation), txt(` · ${this.pathSummary(d.escalation(s.escalation)!)}`)]
          : [txt('none: pages go to the owners')],
      },
    ];
    const chans = s.channels ?? team.channels;
    if (chans?.slack || chans?.discord)
      fields.push({
        label: 'Channels',
        value: [{ t: 'channel', name: team.name, slack: chans.slack, discord: chans.discord }],
      });
    if (s.runbook) fields.push({ label: 'Runbook', value: [link(s.runbook, 'runbook')] });
    if (s.repository)
      fields.push({ label: 'Repository', value: [link(s.repository, s.repository.replace(/^https?:\/\//, ''))] });
    const buttons: Card['buttons'] = [];
    if (s.escalation)
      buttons.push({ label: 'Escalation path', command: call(ServiceOps.escalation, { id: s.id }), style: 'primary' });
    buttons.push({ label: `${team.name} services`, command: call(ServiceOps.list, { team: team.id }) });
    return ok(
      ephemeral({
        title: `${s.name}`,
        tone: s.tier === 1 ? 'warning' : 'info',
        body: s.description ? [txt(s.description)] : undefined,
        fields,
        buttons,
        context: [txt('Service '), code(s.id), txt(' · from the policy')],
      }),
    );
  }

  private buildEscalation(_ctx: Ctx, cmd: { id: string }): Outcome<Reply> {
    const d = this.dir();
    const s = d.service(cmd.id);
    if (!s) return this.notFound(cmd.id);
    if (!s.escalation) {
      return ok(
        ephemeral({
          title: `Escalation path of ${s.name}`,
          tone: 'warning',
          body: [txt('This service has no escalation path; pages go to its owners.')],
        }),
      );
    }
    const ep = d.escalation(s.escalation)!;
    const team = d.team(s.team)!;
    let elapsed = 0;
    const sections = ep.levels.map((lvl, i) => {
      const at = elapsed;
      elapsed += parseDuration(lvl.ackTimeout);
      return {
        heading: `Level ${i + 1}${at ? ` · after ${formatDuration(at)}` : ' · at once'}`,
        body: [...join(lvl.notify.map((t) => this.target(t))), txt(` · acknowledge within ${lvl.ackTimeout}`)],
      };
    });
    const tail: Rich = [
      txt(ep.repeat ? `Then the path repeats ${ep.repeat} more time${ep.repeat === 1 ? '' : 's'}; ` : 'Then '),
      txt(`if nobody acknowledged, the ${team.name} team channel is told.`),
    ];
    return ok(
      ephemeral({
        title: `Escalation path of ${s.name}`,
        tone: 'info',
        body: [code(ep.id), ...(ep.name ? [txt(` ${ep.name}`)] : [])],
        sections: [...sections, { heading: 'Afterwards', body: tail }],
        buttons: [{ label: 'Back to service', command: call(ServiceOps.show, { id: s.id }) }],
      }),
    );
  }

  private line(s: Service): Rich {
    const d = this.dir();
    const owners = s.owners.map((o) => d.person(o)!).map((p) => [user(p)]);
    return [
      strong(s.name),
      txt(' '),
      code(s.id),
      txt(` · tier ${s.tier}`),
      ...(owners.length ? [txt(' · '), ...join(owners)] : [txt(' · no owners')]),
    ];
  }

  private target(t: NotifyTarget): Rich {
    const d = this.dir();
    if ('person' in t) return [user(d.person(t.person)!)];
    if ('team' in t) return [txt(`team ${d.team(t.team)!.name}`)];
    const sch = d.schedule(t.schedule)!;
    const rotations = [...(sch.rotation ? [sch.rotation] : []), ...(sch.layers ?? []).map((l) => l.rotation)];
    const people = new Set(rotations.flatMap((r) => r.members)).size;
    const [first] = rotations;
    return [
      txt('on call in '),
      code(sch.id),
      txt(
        ` (${people} in rotation${rotations.length > 1 ? `, ${rotations.length} layers` : first ? `, every ${first.every}` : ''})`,
      ),
    ];
  }

  private pathSummary(ep: EscalationPolicy): string {
    const total = ep.levels.reduce((n, l) => n + parseDuration(l.ackTimeout), 0);
    return `${ep.levels.length} level${ep.levels.length === 1 ? '' : 's'}, ${formatDuration(total)} per pass${ep.repeat ? `, repeats ${ep.repeat}×` : ''}`;
  }

  private notFound(id: string): Outcome<never> {
    const known = this.dir()
      .allServices()
      .map((s) => s.id);
    const close = known.filter((k) => k.includes(id) || id.includes(k)).slice(0, 3);
    return fail(
      'SERVICE.NOT_FOUND',
      `There is no service "${id}".`,
      close.length ? `Did you mean ${close.join(', ')}?` : 'See /service list.',
    );
  }
}
