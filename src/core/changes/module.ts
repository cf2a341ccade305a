// Change approvals as a module: `/change request|list|show|calendar|start|complete|rollback|cancel`,
// the Approve / Reject buttons, the request, reject and complete forms, expiry, and what incidents
// and the HTTP API may ask of changes.
import { changesPolicy } from './policy-section.js';
import { checkChangesPolicy } from './policy-checks.js';
import { DateTime } from 'luxon';

import { type Reply, br, ephemeral, join, strong, time, txt } from '../card.js';
import { fail, ok, type Outcome } from '../errors.js';
import { build, invalid, subcommand, tokenize } from '../grammar.js';
import { freezesBetween } from './freeze.js';
import { ALERT_CHANGES, type AlertChanges } from '../alerts/links.js';
import { INCIDENT_CHANGES, type IncidentChanges } from '../incidents/links.js';
import { onForm, run, provide, route, type StewardModule } from '../module.js';
import { CHANGE_ROUTES, changeApi } from './api.js';
import { ChangeOps } from './ops.js';
import { calendarCard, changeCard, listCard } from './cards.js';
import { changeEffects } from './effects.js';
import { CompleteForm, RejectForm, RequestForm, completeForm, rejectForm, requestForm } from './forms.js';
import { CHANGE_INCIDENTS, CHANGE_SERVICE, CHANGE_STATUS_PAGE } from './links.js';
import { changeRef, closedForDecisions } from './model.js';
import { ChangeService } from './service.js';

const ref = {
  type: 'string',
  name: 'change',
  description: 'The change, e.g. CHG-7',
  required: true,
  maxLength: 16,
  ref: { prefix: 'CHG', noun: 'a change', hint: 'Name it like CHG-7; /change list shows them.' },
} as const;

const USAGE =
  '/change request [title] · list [mine|pending|today|week] · show CHG-n · calendar · start CHG-n · complete CHG-n · rollback CHG-n · cancel CHG-n · publish CHG-n';

function parse(line: string) {
  const { sub, rest } = subcommand(line);
  const words = tokenize(rest);
  const label = `/change ${sub}`;
  const O = ChangeOps;
  switch (sub) {
    case 'request':
      return build(O.request, rest.trim() ? { title: rest.trim() } : {}, label, USAGE);
    case '':
    case 'list':
      if (words.length > 1)
        return invalid(
          'COMMAND.INVALID',
          '/change list takes at most one of mine, pending, today, week.',
          `Usage: ${USAGE}`,
        );
      return build(O.list, words[0] ? { filter: words[0].toLowerCase() } : {}, label, USAGE);
    case 'calendar':
      return build(O.calendar, {}, label, USAGE);
    case 'show':
    case 'start':
    case 'complete':
    case 'rollback':
    case 'cancel':
    case 'publish':
      if (words.length !== 1)
        return invalid(
          'COMMAND.INVALID',
          `/change ${sub} needs the change, e.g. /change ${sub} CHG-7.`,
          `Usage: ${USAGE}`,
        );
      return build(O[sub], { change: words[0] }, label, USAGE);
    default:
      return invalid('COMMAND.INVALID', `/change has no subcommand "${sub}".`, `Usage: ${USAGE}`);
  }
}

export const changesModule: StewardModule = {
  id: 'changes',
  policy: changesPolicy,
  checkPolicy: checkChangesPolicy,
  commands: [
    {
      name: 'change',
      description: 'Change approvals: request, approve, freezes, calendar',
      usage: USAGE,
      slackHint:
        'request [title] | list [mine|pending|today|week] | show CHG-n | calendar | start|complete|rollback|cancel|publish CHG-n',
      parse,
      options: [
        {
          type: 'subcommand',
          name: 'request',
          description: 'Request a change (opens the form)',
          options: [
            {
              type: 'string',
              name: 'title',
              description: 'What changes',
              required: false,
              maxLength: 100,
              freeText: true,
            },
          ],
        },
        {
          type: 'subcommand',
          name: 'list',
          description: 'Changes: open ones, yours, waiting, today or this week',
          options: [
            {
              type: 'string',
              name: 'filter',
              description: 'Which ones (default: open)',
              required: false,
              choices: ['mine', 'pending', 'today', 'week'].map((f) => ({ name: f, value: f })),
            },
          ],
        },
        { type: 'subcommand', name: 'show', description: 'One change: details, approvals, history', options: [ref] },
        { type: 'subcommand', name: 'calendar', description: 'Changes and freezes in the next 7 days' },
        { type: 'subcommand', name: 'start', description: 'Start an approved change', options: [ref] },
        { type: 'subcommand', name: 'complete', description: 'Complete a change (asks how it went)', options: [ref] },
        {
          type: 'subcommand',
          name: 'rollback',
          description: 'Record a rollback (offers to declare an incident)',
          options: [ref],
        },
        { type: 'subcommand', name: 'cancel', description: 'Cancel your change request', options: [ref] },
        {
          type: 'subcommand',
          name: 'publish',
          description: 'Show the change as scheduled maintenance on the status page',
          options: [ref],
        },
      ],
    },
  ],
  operations: Object.values(ChangeOps),
  forms: [RequestForm, RejectForm, CompleteForm],
  routes: Object.values(CHANGE_ROUTES),
  help: [
    {
      usage: '/change request [title]',
      what: 'request a change: approvers chosen by policy get Approve / Reject',
      writes: true,
    },
    { usage: '/change list [mine|pending|today|week]', what: 'changes, and /change show CHG-n for one', writes: false },
    { usage: '/change calendar', what: 'changes and freezes in the next 7 days, in your time zone', writes: false },
    { usage: '/change start|complete|rollback|cancel CHG-n', what: "a change's lifecycle", writes: true },
  ],
  create(k) {
    const service = new ChangeService({
      store: k.store,
      clock: k.clock,
      dir: k.dir,
      kick: k.kick,
      platforms: k.platforms,
      incidents: () => k.link(CHANGE_INCIDENTS),
      statusPage: () => k.link(CHANGE_STATUS_PAGE),
    });
    const O = ChangeOps;
    const api = changeApi(service);
    const form = (f: import('../card.js').Form): Outcome<Reply> => ok({ ...ephemeral(), form: f });
    // An approved change in progress inside its window (alerts.changesSilence silences its service).
    const forAlerts: AlertChanges = {
      async inProgress(tx, serviceId, at) {
        const [c] = await tx.changes.overlapping({
          serviceId,
          from: at,
          to: new Date(at.getTime() + 1),
          approvals: ['approved'],
          phases: ['in_progress'],
        });
        return c ? { ref: changeRef(c), until: c.windowEnd } : null;
      },
    };
    const forIncidents: IncidentChanges = {
      async startedSince(serviceId, since) {
        const started = await k.store.transaction((tx) =>
          tx.changes.list({ serviceId, startedSince: since, limit: 10 }),
        );
        return started.map((c) => ({ ref: changeRef(c), title: c.title, startedAt: c.startedAt! }));
      },
    };
    return {
      operations: [
        run(O.request, (_c, a) => form(requestForm(k.dir(), { title: a.title }))),
        run(O.list, async (ctx, a) => {
          const zone = k.dir().timezoneOf(ctx.actor.person?.id);
          const day = DateTime.fromJSDate(ctx.now, { zone }).startOf('day');
          const range: [DateTime, DateTime] | null =
            a.filter === 'today'
              ? [day, day.plus({ days: 1 })]
              : a.filter === 'week'
                ? [DateTime.fromJSDate(ctx.now), DateTime.fromJSDate(ctx.now).plus({ days: 7 })]
                : null;
          const found = await k.store.transaction((tx) =>
            range
              ? tx.changes.overlapping({
                  from: range[0].toJSDate(),
                  to: range[1].toJSDate(),
                  phases: ['requested', 'in_progress', 'completed', 'rolled_back'],
                })
              : tx.changes.list({
                  ...(a.filter === 'mine' ? { requestedBy: ctx.actor.person?.id ?? '-' } : {}),
                  ...(a.filter === 'pending'
                    ? { approvals: ['pending'], phases: ['requested'] }
                    : a.filter === 'open'
                      ? { active: true }
                      : {}),
                  limit: 25,
                }),
          );
          const title = {
            open: 'Open changes',
            mine: 'Your changes',
            pending: 'Changes waiting for approval',
            today: 'Changes today',
            week: 'Changes in the next 7 days',
          }[a.filter];
          return ok(ephemeral(listCard(k.dir(), title, found)));
        }),
        run(O.show, async (_ctx, a) => {
          const v = await service.load(a.change);
          if (!v.ok) return v;
          const history = await k.store.auditReader.bySubject(`change:${changeRef(v.value.c)}`, 50);
          const card = changeCard(k.dir(), v.value);
          const lines = history.map((h) => [
            time(h.at),
            txt(' · '),
            strong(h.action.replace(/^change\./, '')),
            txt(
              ` · ${h.actor.personId ?? h.actor.platform}${h.actor.platformUserId ? ` (${h.actor.platform} ${h.actor.platformUserId})` : ''}`,
            ),
          ]);
          return ok(
            ephemeral({
              ...card,
              sections: [
                ...(card.sections ?? []),
                { heading: 'History', body: lines.length ? join(lines, br) : [txt('Nothing recorded.')] },
              ],
            }),
          );
        }),
        run(O.calendar, async (ctx) => {
          const to = new Date(ctx.now.getTime() + 7 * 86_400_000);
          const changes = await k.store.transaction((tx) =>
            tx.changes.overlapping({ from: ctx.now, to, active: true }),
          );
          return ok(
            ephemeral(
              calendarCard(k.dir(), changes, freezesBetween(k.dir().policy.changes.freezes, ctx.now, to), ctx.now, to),
            ),
          );
        }),
        run(O.start, (ctx, a) => service.start(ctx, a.change)),
        run(O.complete, async (ctx, a) => {
          const v = await service.load(a.change);
          if (!v.ok) return v;
          // Refused before the form opens when it cannot complete (not running, or not this person's to run).
          const may = service.mayComplete(ctx.actor.person!.id, v.value.c);
          return may.ok ? form(completeForm(a.change, {})) : may;
        }),
        run(O.rollback, (ctx, a) => service.rollback(ctx, a.change)),
        run(O.cancel, (ctx, a) => service.cancel(ctx, a.change)),
        run(O.publish, async (ctx, a) => {
          const page = k.link(CHANGE_STATUS_PAGE);
          if (!page) return fail('STATUS.NOT_CONFIGURED', 'This Steward has no status page.');
          const v = await service.load(a.change);
          return v.ok ? page.publish(ctx, v.value.c) : v;
        }),
        run(O.approve, (ctx, a) => service.decide(ctx, a.change, 'approve')),
        run(O.reject, async (ctx, a) => {
          const v = await service.load(a.change);
          if (!v.ok) return v;
          // Refused before the form opens when this person may not decide.
          if (closedForDecisions(v.value.c) || !v.value.quorum.mayDecide(ctx.actor.person?.id ?? '').ok)
            return service.decide(ctx, a.change, 'reject');
          return form(rejectForm(a.change, {}));
        }),
      ],
      forms: [
        onForm(RequestForm, {
          submit: async (ctx, _t, v, key) => {
            const r = await service.request(
              {
                personId: ctx.actor.person!.id,
                actor: ctx.actor.ref,
                platform: ctx.inv.platform,
                userId: ctx.inv.userId,
              },
              v,
              key,
              ctx.now,
            );
            if (!r.ok)
              return {
                ok: false,
                error: { code: 'FORM.INVALID', message: 'Some fields need another look.', fields: r.fields },
              };
            const c = r.change;
            return ok(
              ephemeral({
                title: r.created ? `${changeRef(c)} requested` : `${changeRef(c)} was already requested from this form`,
                tone: 'info',
                body: [
                  txt(
                    c.approval === 'approved'
                      ? 'Pre-approved: start it in its window with /change start.'
                      : 'The approvers have been asked; the card in the team channel shows the tally.',
                  ),
                  ...(r.note ? [br, txt(`Note: ${r.note}.`)] : []),
                ],
              }),
            );
          },
          reopen: (_c, t, values) => ok(requestForm(k.dir(), values, t.nonce)),
        }),
        onForm(RejectForm, {
          submit: (ctx, t, v) => service.decide(ctx, t.number!, 'reject', v.reason),
          reopen: (_c, t, values) => ok(rejectForm(t.number!, values, t.nonce)),
        }),
        onForm(CompleteForm, {
          submit: (ctx, t, v) => service.complete(ctx, t.number!, v.outcome),
          reopen: (_c, t, values) => ok(completeForm(t.number!, values, t.nonce)),
        }),
      ],
      effects: changeEffects({ store: k.store, clock: k.clock, service, dir: k.dir, gateways: k.gateways }),
      jobs: {
        interval: [{ name: 'changes-expire', everyMs: 30_000, run: async (now) => void (await service.expire(now)) }],
      },
      routes: [route(CHANGE_ROUTES.request, api.request), route(CHANGE_ROUTES.show, api.show)],
      provides: [
        provide(CHANGE_SERVICE, service),
        provide(INCIDENT_CHANGES, forIncidents),
        provide(ALERT_CHANGES, forAlerts),
      ],
    };
  },
};
