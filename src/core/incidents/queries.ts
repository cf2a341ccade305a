// Read-only incident use cases: list, stats, timeline, postmortem.
import { type Card, type Reply, br, ephemeral, join, strong, time, txt } from '../card.js';
import type { Directory } from '../directory.js';
import type { Ctx } from '../context.js';
import { ok, type Outcome, fail } from '../errors.js';
import type { Store } from '../ports.js';
import { formatDuration } from '../shared/duration.js';
import { postmortemCard, statusLabel, timelineCard } from './cards.js';
import { personSpan } from '../people/spans.js';
import { CLOSED_STATUSES, type Incident, OPEN_STATUSES, durations, ref } from './model.js';
import type { IncidentService } from './service.js';

const WINDOW_DAYS = { '7d': 7, '30d': 30, '90d': 90, '365d': 365 } as const;

export class IncidentQueries {
  constructor(
    private readonly store: Store,
    private readonly dir: () => Directory,
    private readonly service: IncidentService,
  ) {}

  async list(_ctx: Ctx): Promise<Outcome<Reply>> {
    const open = await this.store.transaction((tx) => tx.incidents.list({ statuses: OPEN_STATUSES }));
    const order = this.dir().policy.incidents.severities.map((s) => s.id);
    open.sort(
      (a, b) =>
        order.indexOf(a.severity) - order.indexOf(b.severity) || a.declaredAt.getTime() - b.declaredAt.getTime(),
    );
    if (!open.length) return ok(ephemeral({ title: 'No open incidents', tone: 'good', body: [txt('All quiet.')] }));
    const lines = open.map((i) => [
      strong(`${ref(i)} ${i.severity}`),
      txt(` ${i.title} · ${statusLabel(i.status)} · `),
      ...(i.warRoom.channelId
        ? [
            { t: 'channel' as const, name: i.warRoom.name ?? undefined, [i.warRoom.platform]: i.warRoom.channelId },
            txt(' · '),
          ]
        : []),
      txt('commander '),
      ...personSpan(this.dir(), i.roles.commander),
      txt(' · since '),
      time(i.declaredAt, 'relative'),
    ]);
    return ok(ephemeral({ title: `Open incidents (${open.length})`, tone: 'warning', body: join(lines, br) }));
  }

  async stats(ctx: Ctx, window: keyof typeof WINDOW_DAYS): Promise<Outcome<Reply>> {
    const since = new Date(ctx.now.getTime() - WINDOW_DAYS[window] * 86_400_000);
    const all = await this.store.transaction((tx) => tx.incidents.list({ declaredSince: since }));
    const group = (key: (i: Incident) => string) => {
      const m = new Map<string, Incident[]>();
      for (const i of all) m.set(key(i), [...(m.get(key(i)) ?? []), i]);
      return [...m].sort(([a], [b]) => a.localeCompare(b));
    };
    const mean = (xs: (number | null)[]) => {
      const v = xs.filter((x): x is number => x !== null);
      return v.length ? formatDuration(Math.round(v.reduce((a, b) => a + b, 0) / v.length)) : '—';
    };
    const row = (label: string, xs: Incident[]) => [
      strong(label),
      txt(
        `: ${xs.length} · MTTA ${mean(xs.map((i) => durations(i).toAcknowledgeMs))} · MTTR ${mean(xs.filter((i) => i.status === 'resolved').map((i) => durations(i).toResolveMs))}`,
      ),
    ];
    const card: Card = {
      title: `Incident stats, last ${window}`,
      tone: 'info',
      body: [
        txt(`${all.length} incidents, ${all.filter((i) => CLOSED_STATUSES.includes(i.status)).length} closed. `),
        ...row('All', all),
      ],
      sections: all.length
        ? [
            {
              heading: 'By severity',
              body: join(
                group((i) => i.severity).map(([k, xs]) => row(k, xs)),
                br,
              ),
            },
            {
              heading: 'By service',
              body: join(
                group((i) => i.serviceId ?? 'unspecified').map(([k, xs]) => row(k, xs)),
                br,
              ),
            },
          ]
        : undefined,
      context: [txt('MTTA: mean time to acknowledge; MTTR: mean time to resolve (resolved incidents).')],
    };
    return ok(ephemeral(card));
  }

  async timeline(ctx: Ctx, number: number | undefined): Promise<Outcome<Reply>> {
    const found = await this.service.find(ctx, number);
    if (!found.ok) return found;
    const entries = await this.store.transaction((tx) => tx.incidents.timeline(found.value.id));
    return ok(ephemeral(timelineCard(this.dir(), found.value, entries)));
  }

  async postmortem(ctx: Ctx, number: number | undefined): Promise<Outcome<Reply>> {
    const found = await this.service.find(ctx, number);
    if (!found.ok) return found;
    const i = found.value;
    if (!i.postmortem)
      return fail(
        'INCIDENT.UNCHANGED',
        `${ref(i)} has no postmortem draft yet.`,
        'It is written when the incident is resolved.',
      );
    return ok(ephemeral(postmortemCard(i)));
  }
}
