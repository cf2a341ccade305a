// On call: who holds each schedule now and next (/oncall), cover shifts (/oncall override) and
// their cancellation. Schedules come from the policy; overrides from the policy and from the database.
import type { Schedule } from '../policy/schema.js';
import { type Card, type Reply, type Rich, br, code, ephemeral, inChannel, join, strong, time, txt } from '../card.js';
import type { Directory } from '../directory.js';
import type { Ctx } from '../context.js';
import { fail, ok, type Outcome } from '../errors.js';
import { personSpan } from '../people/spans.js';
import { resolvePerson } from '../people/resolve.js';
import type { OncallOverrideRow, OverrideRepo } from './ports.js';
import type { Clock, Store } from '../ports.js';
import { formatDuration, parseDuration } from '../shared/duration.js';
import { type Override, type ScheduleSpec, type Segment, currentAndNext, onCallAt } from './schedule.js';

/** Most schedules shown by one /oncall. */
export const ONCALL_MAX_CARDS = 6;
const LOOKAHEAD_MS = 8 * 7 * 86_400_000;

/** An override in force: from the policy, or from the database (with its row). */
type KnownOverride = Override & { row?: OncallOverrideRow };

/** Which override to cancel: its id (`#3` in /oncall), or the caller's own on a schedule (or a service's schedules). */
export type OverrideRef = { id: number } | { schedule: string };

/** "#3" or "3" → an override id; any other text names a schedule or service. */
export function overrideRef(text: string): OverrideRef {
  const m = /^#?(\d+)$/.exec(text.trim());
  return m ? { id: Number(m[1]) } : { schedule: text.trim() };
}

/** When a database override stops counting: its end, or its cancellation if that came first. */
export const overrideEnd = (r: OncallOverrideRow): Date =>
  r.cancelledAt && r.cancelledAt < r.endsAt ? r.cancelledAt : r.endsAt;

/** How far ahead "current and coming" overrides are looked up for a cancel by schedule. */
const CANCEL_LOOKAHEAD_MS = 366 * 86_400_000;
/** "2026-11-23 14:00 UTC" (error messages are plain text). */
const minuteUtc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export class OnCall {
  private specs = new WeakMap<Directory, Map<string, ScheduleSpec>>();

  constructor(private readonly d: { store: Store; clock: Clock; dir: () => Directory }) {}

  private get dir() {
    return this.d.dir();
  }

  /** The schedule as the engine sees it: the base rotation is layer 0, then the layers in order. */
  spec(s: Schedule): ScheduleSpec {
    let m = this.specs.get(this.dir);
    if (!m) this.specs.set(this.dir, (m = new Map<string, ScheduleSpec>()));
    let spec = m.get(s.id);
    if (!spec) {
      spec = {
        id: s.id,
        timezone: s.timezone ?? this.dir.policy.timezone,
        layers: [...(s.rotation ? [{ name: 'base', rotation: s.rotation }] : []), ...(s.layers ?? [])],
      };
      m.set(s.id, spec);
    }
    return spec;
  }

  /** Policy overrides (older than any made in chat) and database overrides, overlapping [from, to). */
  async overrides(repo: OverrideRepo, s: Schedule, from: Date, to: Date): Promise<KnownOverride[]> {
    return (await this.overridesOf(repo, [s], from, to)).get(s.id)!;
  }

  /** overrides() of several schedules, read in one query. */
  private async overridesOf(
    repo: OverrideRepo,
    schedules: readonly Schedule[],
    from: Date,
    to: Date,
  ): Promise<Map<string, KnownOverride[]>> {
    const out = new Map<string, KnownOverride[]>(
      schedules.map((s) => [
        s.id,
        (s.overrides ?? []).map((o, i) => ({
          id: `policy-${i}`,
          personId: o.person,
          start: new Date(o.start),
          end: new Date(o.end),
          createdAt: new Date(0),
        })),
      ]),
    );
    const rows = schedules.length ? await repo.active([...out.keys()], from, to) : [];
    for (const r of rows)
      out.get(r.scheduleId)?.push({
        id: r.id,
        personId: r.personId,
        start: r.startsAt,
        end: overrideEnd(r),
        createdAt: r.createdAt,
        row: r,
      });
    return out;
  }

  /**
   * Who is on call in each schedule at `at` (inside the caller's transaction, one query for all):
   * a person id, null for nobody, undefined for no such schedule.
   */
  async holdersAt(
    repo: OverrideRepo,
    ids: readonly string[],
    at: Date,
  ): Promise<Map<string, string | null | undefined>> {
    const known = [...new Set(ids)].flatMap((id) => this.dir.schedule(id) ?? []);
    const overrides = await this.overridesOf(repo, known, at, new Date(at.getTime() + 1));
    const out = new Map<string, string | null | undefined>(ids.map((id) => [id, undefined]));
    for (const s of known) out.set(s.id, onCallAt(this.spec(s), overrides.get(s.id)!, at).personId);
    return out;
  }

  /** holdersAt() of one schedule. */
  async holderAt(repo: OverrideRepo, id: string, at: Date): Promise<string | null | undefined> {
    return (await this.holdersAt(repo, [id], at)).get(id);
  }

  /** Every person who takes part in a schedule, in any layer. */
  members(s: Schedule): Set<string> {
    return new Set(this.spec(s).layers.flatMap((l) => l.rotation.members));
  }

  /** Schedules a service's escalation path reaches. */
  schedulesOfService(serviceId: string): Schedule[] {
    const ep = this.dir.escalation(this.dir.service(serviceId)?.escalation ?? '');
    const ids = new Set(
      ep?.levels.flatMap((l) => l.notify.flatMap((t) => ('schedule' in t ? [t.schedule] : []))) ?? [],
    );
    return [...ids].map((id) => this.dir.schedule(id)!).filter(Boolean);
  }

  /** Services whose escalation path pages through schedule `s`. */
  servicesUsing(s: Schedule) {
    return this.dir.allServices().filter((svc) => this.schedulesOfService(svc.id).some((x) => x.id === s.id));
  }

  /** /oncall [service|schedule]: now and next for each schedule, times shown in the viewer's zone. */
  async show(ctx: Ctx, target: string | undefined): Promise<Outcome<Reply>> {
    const dir = this.dir;
    let schedules: Schedule[];
    if (target) {
      const s = dir.schedule(target);
      if (s) schedules = [s];
      else if (dir.service(target)) {
        schedules = this.schedulesOfService(target);
        if (!schedules.length)
          return fail(
            'SCHEDULE.NOT_FOUND',
            `${dir.service(target)!.name} has no on-call schedule in its escalation path.`,
            'See /service show for its path.',
          );
      } else
        return fail(
          'SCHEDULE.NOT_FOUND',
          `There is no schedule or service "${target}".`,
          `Schedules: ${dir.policy.schedules.map((s) => s.id).join(', ') || 'none'}`,
        );
    } else {
      const mine = ctx.actor.person
        ? dir
            .teamsOf(ctx.actor.person.id)
            .flatMap((t) => dir.servicesOfTeam(t.id).flatMap((s) => this.schedulesOfService(s.id)))
        : [];
      schedules = mine.length ? [...new Map(mine.map((s) => [s.id, s])).values()] : dir.policy.schedules;
      if (!schedules.length)
        return ok(
          ephemeral({
            title: 'No on-call schedules',
            tone: 'info',
            body: [txt('The policy defines no schedules yet (policy key "schedules").')],
          }),
        );
    }
    const shown = schedules.slice(0, ONCALL_MAX_CARDS);
    const now = ctx.now;
    const until = new Date(now.getTime() + LOOKAHEAD_MS);
    const cards = await this.d.store.transaction(async (tx) => {
      const out: Card[] = [];
      for (const s of shown) {
        const overrides = await this.overrides(tx.overrides, s, now, until);
        out.push(this.card(s, currentAndNext(this.spec(s), overrides, now, LOOKAHEAD_MS), overrides, now));
      }
      return out;
    });
    if (schedules.length > shown.length)
      cards.push({
        title: `${schedules.length - shown.length} more schedule(s)`,
        tone: 'neutral',
        body: [txt('Name one: /oncall <schedule or service>.')],
      });
    const last = cards.at(-1);
    if (last)
      cards[cards.length - 1] = { ...last, context: [...(last.context ?? []), txt(' · times in your time zone')] };
    return ok(ephemeral(...cards));
  }

  private card(
    s: Schedule,
    cn: { current: Segment; next: Segment | null },
    overrides: KnownOverride[],
    now: Date,
  ): Card {
    const dir = this.dir;
    const who = (seg: Segment): Rich => {
      if (!seg.personId) return [txt('nobody')];
      const o = seg.override as KnownOverride | null; // eslint-disable-line @typescript-eslint/no-unnecessary-type-assertion -- Override carries no row; a known override does
      const cover: Rich = o
        ? [
            txt(' (override'),
            ...(o.row?.covers ? [txt(' for '), ...personSpan(dir, o.row.covers)] : []),
            ...(o.row ? [txt(', set by '), ...personSpan(dir, o.row.createdBy)] : []),
            txt(')'),
          ]
        : [];
      return [...personSpan(dir, seg.personId), ...cover];
    };
    const fields: Card['fields'] = [
      { label: 'Now', value: [...who(cn.current), txt(' until '), time(cn.current.end)] },
      {
        label: 'Next',
        value: cn.next
          ? [...who(cn.next), txt(' from '), time(cn.next.start), txt(' until '), time(cn.next.end)]
          : [txt('no change in the next 8 weeks')],
      },
    ];
    const coming = overrides.filter((o) => o.end > now);
    if (coming.length)
      fields.push({
        label: 'Overrides',
        value: join(
          coming
            .slice(0, 5)
            .map((o) => [
              ...personSpan(dir, o.personId),
              txt(' '),
              time(o.start),
              txt(' → '),
              time(o.end),
              ...(o.row
                ? [txt(' · by '), ...personSpan(dir, o.row.createdBy), txt(` · #${o.row.id}`)]
                : [txt(' · planned in the policy')]),
            ]),
          br,
        ),
      });
    const used = this.servicesUsing(s);
    return {
      title: `On call: ${s.name ?? s.id}`,
      tone: cn.current.personId ? 'info' : 'warning',
      fields,
      context: [
        code(s.id),
        txt(` · ${this.spec(s).timezone}${used.length ? ` · pages for ${used.map((x) => x.name).join(', ')}` : ''}`),
      ],
    };
  }

  /** May `personId` set up cover in `s`? Its members, and the teams whose services page through it. */
  mayOverride(personId: string, s: Schedule): boolean {
    if (this.members(s).has(personId)) return true;
    return this.servicesUsing(s).some((svc) => this.dir.team(svc.team)?.members.includes(personId));
  }

  /** /oncall override <@user> <duration> [schedule|service]: the user covers from now for the duration. */
  async override(ctx: Ctx, userRef: string, duration: string, target: string | undefined): Promise<Outcome<Reply>> {
    const dir = this.dir;
    const me = ctx.actor.person!;
    const cover = resolvePerson(dir, ctx.inv.platform, userRef);
    if (!cover)
      return fail(
        'PERSON.NOT_FOUND',
        `Steward does not know "${userRef}".`,
        'Mention someone listed in the policy, or use their person id.',
      );
    const ms = parseDuration(duration);
    const max = parseDuration(dir.policy.paging.maxOverride);
    if (ms > max)
      return fail(
        'COMMAND.INVALID',
        `An override may last at most ${formatDuration(max)} (policy paging.maxOverride).`,
      );
    const now = ctx.now;
    let candidates: Schedule[];
    if (target) {
      const s = dir.schedule(target);
      candidates = s ? [s] : dir.service(target) ? this.schedulesOfService(target) : [];
      if (!candidates.length)
        return fail(
          'SCHEDULE.NOT_FOUND',
          `There is no schedule or service "${target}" with an on-call schedule.`,
          `Schedules: ${dir.policy.schedules.map((x) => x.id).join(', ') || 'none'}`,
        );
    } else {
      const holding = await this.d.store.transaction(async (tx) => {
        const out: Schedule[] = [];
        const holders = await this.holdersAt(
          tx.overrides,
          dir.policy.schedules.map((s) => s.id),
          now,
        );
        for (const s of dir.policy.schedules) if (holders.get(s.id) === me.id) out.push(s);
        return out;
      });
      candidates = holding.length ? holding : dir.policy.schedules.filter((s) => this.members(s).has(cover.id));
    }
    if (candidates.length !== 1)
      return fail(
        'COMMAND.INVALID',
        candidates.length
          ? `Which schedule should ${cover.name} cover? ${candidates.map((s) => s.id).join(', ')}.`
          : `Steward cannot tell which schedule ${cover.name} should cover.`,
        `Name it: /oncall override @${cover.id} ${duration} <schedule>`,
      );
    const s = candidates[0]!;
    if (!this.mayOverride(me.id, s))
      return fail(
        'AUTH.FORBIDDEN',
        `Only members of ${s.id} and of the teams it pages for may set up cover in it.`,
        `Ask one of: ${[...this.members(s)].slice(0, 5).join(', ')}`,
      );
    const end = new Date(now.getTime() + ms);
    const row = await this.d.store.transaction(async (tx) => {
      const before = await this.holderAt(tx.overrides, s.id, now);
      const r = await tx.overrides.create({
        scheduleId: s.id,
        personId: cover.id,
        startsAt: now,
        endsAt: end,
        covers: before ?? null,
        createdBy: me.id,
        createdAt: now,
      });
      await tx.audit.append(
        {
          actor: ctx.actor.ref,
          action: 'oncall.override',
          subject: `schedule:${s.id}`,
          before: { onCall: before ?? null },
          after: { override: r.id, person: cover.id, start: now.toISOString(), end: end.toISOString() },
        },
        now,
      );
      return r;
    });
    return ok(
      inChannel({
        title: `${cover.name} is on call for ${s.name ?? s.id} for ${formatDuration(ms)}`,
        tone: 'good',
        body: [
          ...personSpan(dir, cover.id),
          txt(' covers '),
          strong(s.id),
          txt(' from '),
          time(now),
          txt(' until '),
          time(end),
          ...(row.covers && row.covers !== cover.id ? [txt(' instead of '), ...personSpan(dir, row.covers)] : []),
          txt('.'),
        ],
        context: [txt(`override #${row.id} · set by ${me.name} · recorded in the audit log`)],
      }),
    );
  }

  /**
   * /oncall override cancel <#id|schedule>: the override no longer counts from now on. Its person
   * (who covers) or whoever set it up may cancel it; the reply says who is on call now.
   */
  async cancelOverride(ctx: Ctx, ref: OverrideRef): Promise<Outcome<Reply>> {
    const dir = this.dir;
    const me = ctx.actor.person!;
    const now = ctx.now;
    const found = 'id' in ref ? await this.overrideById(ref.id) : await this.ownOverrideOn(me.id, ref.schedule, now);
    if (!found.ok) return found;
    const o = found.value;
    const name = (id: string) => dir.person(id)?.name ?? id;
    if (o.personId !== me.id && o.createdBy !== me.id)
      return fail(
        'AUTH.FORBIDDEN',
        `Only ${name(o.personId)} (who covers) or ${name(o.createdBy)} (who set it up) may cancel override #${o.id}.`,
        `Ask one of them, or set up other cover: /oncall override <@user> <duration> ${o.scheduleId}`,
      );
    const gone = this.unchanged(o, now);
    if (gone) return gone;
    const s = dir.schedule(o.scheduleId);
    const done = await this.d.store.transaction(async (tx) => {
      const row = await tx.overrides.cancel(o.id, me.id, now);
      // Cancelled or ended meanwhile (a second click, another replica): say so as it is now.
      if (!row) return { row: null, current: await tx.overrides.byId(o.id) } as const;
      const cn = s
        ? currentAndNext(
            this.spec(s),
            await this.overrides(tx.overrides, s, now, new Date(now.getTime() + LOOKAHEAD_MS)),
            now,
            LOOKAHEAD_MS,
          )
        : null;
      const current = cn && { ...cn.current, changes: cn.next !== null };
      await tx.audit.append(
        {
          actor: ctx.actor.ref,
          action: 'oncall.override_cancelled',
          subject: `schedule:${row.scheduleId}`,
          before: {
            override: row.id,
            person: row.personId,
            start: row.startsAt.toISOString(),
            end: row.endsAt.toISOString(),
          },
          after: { cancelledBy: me.id, at: now.toISOString(), onCall: current?.personId ?? null },
        },
        now,
      );
      return { row, current } as const;
    });
    if (!done.row)
      return (
        (done.current && this.unchanged(done.current, now)) ||
        fail('INTERNAL', `Override #${o.id} could not be cancelled; try again.`)
      );
    const { row, current } = done;
    const started = row.startsAt <= now;
    const label = s?.name ?? row.scheduleId;
    return ok(
      inChannel({
        title: `Override #${row.id} cancelled: ${current ? (current.personId ? `${name(current.personId)} is on call for ${label}` : `nobody is on call for ${label}`) : `${label} is no longer in the policy`}`,
        tone: current && !current.personId ? 'warning' : 'good',
        body: [
          ...personSpan(dir, row.personId),
          txt(' no longer covers '),
          strong(row.scheduleId),
          ...(started
            ? [txt(' (the cover ran until '), time(row.endsAt), txt(')')]
            : [txt(' from '), time(row.startsAt), txt(' until '), time(row.endsAt)]),
          txt('.'),
        ],
        fields: current
          ? [
              {
                label: 'On call now',
                value: [
                  ...(current.personId ? personSpan(dir, current.personId) : [txt('nobody')]),
                  ...(current.changes
                    ? [txt(' until '), time(current.end)]
                    : [txt(' (no change in the next 8 weeks)')]),
                ],
              },
            ]
          : undefined,
        context: [txt(`override #${row.id} · cancelled by ${me.name} · recorded in the audit log`)],
      }),
    );
  }

  private async overrideById(id: number): Promise<Outcome<OncallOverrideRow>> {
    const row = await this.d.store.transaction((tx) => tx.overrides.byId(id));
    return row
      ? ok(row)
      : fail(
          'OVERRIDE.NOT_FOUND',
          `There is no override #${id}.`,
          'See /oncall for the overrides of each schedule and their ids.',
        );
  }

  /** The caller's one current or coming override (who covers or who set it up) on a schedule, or on a service's schedules. */
  private async ownOverrideOn(me: string, target: string, now: Date): Promise<Outcome<OncallOverrideRow>> {
    const dir = this.dir;
    const ids = dir.schedule(target)
      ? [target]
      : dir.service(target)
        ? this.schedulesOfService(target).map((s) => s.id)
        : [];
    if (!ids.length)
      return fail(
        'SCHEDULE.NOT_FOUND',
        `There is no schedule or service "${target}" with an on-call schedule.`,
        `Schedules: ${dir.policy.schedules.map((x) => x.id).join(', ') || 'none'}`,
      );
    const rows = (
      await this.d.store.transaction((tx) =>
        tx.overrides.active(ids, now, new Date(now.getTime() + CANCEL_LOOKAHEAD_MS)),
      )
    ).filter((r) => overrideEnd(r) > now);
    const mine = rows.filter((r) => r.personId === me || r.createdBy === me);
    const describe = (r: OncallOverrideRow) =>
      `#${r.id} ${dir.person(r.personId)?.name ?? r.personId} ${r.startsAt > now ? `from ${minuteUtc(r.startsAt)} ` : ''}until ${minuteUtc(overrideEnd(r))}${ids.length > 1 ? ` on ${r.scheduleId}` : ''}`;
    if (mine.length === 1) return ok(mine[0]!);
    if (mine.length > 1)
      return fail(
        'COMMAND.INVALID',
        `You have ${mine.length} overrides on ${target}: ${mine.map(describe).join('; ')}. Which one?`,
        `Name it by its id: /oncall override cancel #${mine[0]!.id}`,
      );
    return fail(
      'OVERRIDE.NOT_FOUND',
      `You have no current or coming override on ${target}.`,
      rows.length
        ? `Its overrides: ${rows.map(describe).join('; ')}. Only who covers or who set one up may cancel it.`
        : 'See /oncall for the overrides of each schedule.',
    );
  }

  /** The answer for an override that was already cancelled or has ended; null while it can be cancelled. */
  private unchanged(o: OncallOverrideRow, now: Date): Outcome<never> | null {
    const name = (id: string | null) => (id ? (this.dir.person(id)?.name ?? id) : 'someone');
    if (o.cancelledAt)
      return fail(
        'ONCALL.UNCHANGED',
        `Override #${o.id} was already cancelled by ${name(o.cancelledBy)} at ${minuteUtc(o.cancelledAt)}. Nothing changed.`,
      );
    if (o.endsAt <= now)
      return fail(
        'ONCALL.UNCHANGED',
        `Override #${o.id} already ended at ${minuteUtc(o.endsAt)}; there is nothing to cancel.`,
      );
    return null;
  }
}
