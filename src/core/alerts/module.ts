// Alerts as a module: monitoring's notifications in (Alertmanager, Grafana, PagerDuty Events and
// the PagerDuty drop-in, formatted webhooks, heartbeats), grouped, paged once per group, shown as
// a card with Acknowledge / Resolve / Silence 1h / Declare incident; `/alert list|show|ack|resolve|
// silence|unsilence|heartbeats|pause|resume`.
import { type Reply, ephemeral, inChannel, time, txt } from '../card.js';
import { fail, ok, type Outcome } from '../errors.js';
import { build, invalid, subcommand, tokenize } from '../grammar.js';
import { INCIDENT_CHANGE_EVENTS, INCIDENT_DECLARE_FORM } from '../incidents/links.js';
import { provide, route, run, type StewardModule } from '../module.js';
import { enqueue } from '../outbox/effects.js';
import { readDuration } from '../shared/duration.js';
import { alertDetail, heartbeatsCard, listCard } from './cards.js';
import { PAGING_FINDINGS } from '../paging/links.js';
import { PATCH_ALERTS } from '../patches/links.js';
import { breachPaging } from './breaches.js';
import { alertEffects } from './effects.js';
import { ALERT_ROUTES, alertEntries } from './entries.js';
import { Heartbeats } from './heartbeats.js';
import { AlertFromPage } from './kinds.js';
import {
  ALERT_CHANGES,
  ALERT_PAGING,
  ALERTS_ACTIONS,
  ALERTS_HEARTBEATS,
  ALERTS_SERVICE,
  PAGING_ALERTS,
  type PagingAlerts,
} from './links.js';
import { type GroupState, type Labels, alertRef, progress } from './model.js';
import { AlertOps } from './ops.js';
import { checkAlertsPolicy } from './policy-checks.js';
import { alertsPolicy } from './policy-section.js';
import { type AckResult, AlertActions } from './actions.js';
import { AlertService } from './service.js';

const USAGE =
  '/alert list [service|team] [firing|silenced|resolved] · show ALR-n · ack ALR-n · resolve ALR-n · silence <service|label=value …> <duration> <reason> · unsilence SIL-n · heartbeats · pause <heartbeat> · resume <heartbeat>';

const STATES = new Set(['firing', 'silenced', 'resolved']);

/**
 * `silence <service|label=value …> <duration> <reason…>`: matchers and the duration in either order
 * (Discord may hand its options in any order), then the reason.
 */
function parseSilence(rest: string) {
  // Discord hands the matchers as one quoted option: its pairs are words of their own.
  const words = tokenize(rest).flatMap((w) => w.split(/\s+/).filter(Boolean));
  const matchers: Labels = {};
  let minutes: number | null = null;
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i]!;
    const eq = w.indexOf('=');
    if (eq > 0) {
      matchers[w.slice(0, eq)] = w.slice(eq + 1);
      continue;
    }
    // Both given: the reason starts here.
    if (minutes !== null && Object.keys(matchers).length) break;
    const ms = minutes === null ? readDuration(w) : null;
    if (ms !== null) {
      minutes = Math.ceil(ms / 60_000);
      continue;
    }
    if (matchers.service)
      return invalid(
        'COMMAND.INVALID',
        `/alert silence: "${w}" is neither a label=value nor a duration (the service is ${matchers.service}).`,
        `Usage: ${USAGE}`,
      );
    matchers.service = w;
  }
  if (!Object.keys(matchers).length)
    return invalid(
      'COMMAND.INVALID',
      '/alert silence needs a service or label=value matchers, e.g. /alert silence payments-api 2h deploy.',
      `Usage: ${USAGE}`,
    );
  if (minutes === null || minutes < 1)
    return invalid('COMMAND.INVALID', '/alert silence needs how long, e.g. 30m, 2h or 1d.', `Usage: ${USAGE}`);
  const reason = words.slice(i).join(' ');
  if (!reason)
    return invalid('COMMAND.INVALID', '/alert silence needs a reason after the duration.', `Usage: ${USAGE}`);
  return build(AlertOps.silence, { matchers, minutes, reason }, '/alert silence', USAGE);
}

function parse(line: string) {
  const { sub, rest } = subcommand(line);
  const words = tokenize(rest);
  const label = `/alert ${sub}`;
  const O = AlertOps;
  switch (sub) {
    case '':
    case 'list': {
      if (words.length > 2)
        return invalid('COMMAND.INVALID', '/alert list takes a service or team, and a state.', `Usage: ${USAGE}`);
      const state = words.find((w) => STATES.has(w.toLowerCase()))?.toLowerCase();
      const scope = words.find((w) => !STATES.has(w.toLowerCase()));
      return build(O.list, { ...(scope ? { scope } : {}), ...(state ? { state } : {}) }, label, USAGE);
    }
    case 'show':
    case 'ack':
    case 'resolve':
      if (words.length !== 1)
        return invalid(
          'COMMAND.INVALID',
          `/alert ${sub} needs the alert, e.g. /alert ${sub} ALR-7.`,
          `Usage: ${USAGE}`,
        );
      return build(O[sub], { alert: words[0] }, label, USAGE);
    case 'silence':
      return parseSilence(rest);
    case 'unsilence':
      if (words.length !== 1)
        return invalid(
          'COMMAND.INVALID',
          '/alert unsilence needs the silence, e.g. /alert unsilence SIL-3.',
          `Usage: ${USAGE}`,
        );
      return build(O.unsilence, { silence: words[0] }, label, USAGE);
    case 'heartbeats':
      if (!words.length) return build(O.heartbeats, {}, label, USAGE);
      if (words.length === 2 && (words[0] === 'pause' || words[0] === 'resume'))
        return build(O[words[0]], { heartbeat: words[1] }, label, USAGE);
      return invalid(
        'COMMAND.INVALID',
        '/alert heartbeats takes nothing, or pause|resume <heartbeat>.',
        `Usage: ${USAGE}`,
      );
    case 'pause':
    case 'resume':
      if (words.length !== 1)
        return invalid(
          'COMMAND.INVALID',
          `/alert ${sub} needs the heartbeat, e.g. /alert ${sub} nightly-backup.`,
          `Usage: ${USAGE}`,
        );
      return build(O[sub], { heartbeat: words[0] }, label, USAGE);
    default:
      return invalid('COMMAND.INVALID', `/alert has no subcommand "${sub}".`, `Usage: ${USAGE}`);
  }
}

const alertOption = {
  type: 'string',
  name: 'alert',
  description: 'The alert group, e.g. ALR-7',
  required: true,
  maxLength: 16,
  ref: { prefix: 'ALR', noun: 'an alert group', hint: 'Name it like ALR-7; /alert list shows them.' },
} as const;

const heartbeatOption = {
  type: 'string',
  name: 'heartbeat',
  description: 'Heartbeat id, e.g. nightly-backup',
  required: true,
  maxLength: 64,
} as const;

/** The reply to an acknowledge or resolve from chat. */
function ackReply(r: AckResult, n: number, verb: 'acknowledged' | 'resolved'): Outcome<Reply> {
  switch (r.kind) {
    case 'not_found':
      return fail('ALERT.NOT_FOUND', `There is no alert group ALR-${n}.`, 'See /alert list.');
    case 'forbidden':
      return fail('AUTH.FORBIDDEN', `You may not act on ALR-${n}: ${r.reason}.`);
    case 'unchanged':
      return fail('ALERT.UNCHANGED', `${alertRef(r.group)} is already ${r.group.state}.`);
    case 'done':
      return ok(
        ephemeral({
          title: `You ${verb} ${alertRef(r.group)}`,
          tone: 'good',
          body: [txt(verb === 'acknowledged' ? 'Its page stops escalating.' : 'Its page is resolved too.')],
        }),
      );
  }
}

export const alertsModule: StewardModule = {
  id: 'alerts',
  policy: alertsPolicy,
  checkPolicy: checkAlertsPolicy,
  commands: [
    {
      name: 'alert',
      description: 'Alerts from monitoring: list, acknowledge, resolve, silence, heartbeats',
      usage: USAGE,
      slackHint: 'list | show ALR-n | ack ALR-n | resolve ALR-n | silence <service> <duration> <reason> | heartbeats',
      parse,
      options: [
        {
          type: 'subcommand',
          name: 'list',
          description: 'Open alert groups',
          options: [
            { type: 'string', name: 'scope', description: 'A service or team id', maxLength: 64 },
            {
              type: 'string',
              name: 'state',
              description: 'Which groups',
              choices: [
                { name: 'firing', value: 'firing' },
                { name: 'silenced', value: 'silenced' },
                { name: 'resolved', value: 'resolved' },
              ],
            },
          ],
        },
        {
          type: 'subcommand',
          name: 'show',
          description: 'An alert group: alerts, labels, links, history',
          options: [alertOption],
        },
        {
          type: 'subcommand',
          name: 'ack',
          description: 'Acknowledge an alert group (its page stops)',
          options: [alertOption],
        },
        {
          type: 'subcommand',
          name: 'resolve',
          description: 'Resolve an alert group and its page',
          options: [alertOption],
        },
        {
          type: 'subcommand',
          name: 'silence',
          description: 'Page nobody for matching alerts for a while',
          options: [
            {
              type: 'string',
              name: 'matchers',
              description: 'A service id and/or label=value pairs',
              required: true,
              maxLength: 500,
            },
            { type: 'string', name: 'duration', description: 'How long, e.g. 2h', required: true, maxLength: 16 },
            { type: 'string', name: 'reason', description: 'Why', required: true, maxLength: 500, freeText: true },
          ],
        },
        {
          type: 'subcommand',
          name: 'unsilence',
          description: 'End a silence now',
          options: [
            {
              type: 'string',
              name: 'silence',
              description: 'The silence, e.g. SIL-3',
              required: true,
              maxLength: 16,
              ref: { prefix: 'SIL', noun: 'a silence', hint: 'Name it like SIL-3.' },
            },
          ],
        },
        { type: 'subcommand', name: 'heartbeats', description: 'Heartbeats: state and last ping' },
        { type: 'subcommand', name: 'pause', description: 'Pause a heartbeat', options: [heartbeatOption] },
        { type: 'subcommand', name: 'resume', description: 'Resume a heartbeat', options: [heartbeatOption] },
      ],
    },
  ],
  operations: Object.values(AlertOps),
  routes: Object.values(ALERT_ROUTES),
  help: [
    {
      usage: '/alert list [service|team] [firing|silenced|resolved]',
      what: 'alert groups from monitoring',
      writes: false,
    },
    { usage: '/alert show ALR-n', what: 'an alert group: alerts, labels, links, history', writes: false },
    { usage: '/alert ack|resolve ALR-n', what: 'acknowledge or resolve an alert group and its page', writes: true },
    {
      usage: '/alert silence <service|label=value …> <duration> <reason>',
      what: 'matching alerts page nobody for a while (they are still stored)',
      writes: true,
    },
    { usage: '/alert unsilence SIL-n', what: 'end a silence now', writes: true },
    { usage: '/alert heartbeats', what: 'heartbeats: state and last ping; pause or resume one', writes: false },
  ],
  create(k) {
    const deps = {
      store: k.store,
      clock: k.clock,
      dir: k.dir,
      kick: k.kick,
      platforms: k.platforms,
      paging: () => k.link(ALERT_PAGING),
      changes: () => k.link(ALERT_CHANGES),
      findings: () => k.link(PAGING_FINDINGS),
    };
    const alerts = new AlertService(deps);
    const actions = new AlertActions(deps, alerts);
    const heartbeats = new Heartbeats({
      store: k.store,
      clock: k.clock,
      dir: k.dir,
      alerts,
      kick: k.kick,
      wake: () => k.link(ALERT_PAGING)?.wake(),
    });
    const entries = alertEntries({ alerts, heartbeats, log: k.log });
    const forPaging: PagingAlerts = {
      acknowledged: async (tx, page, who, at) => {
        if (!page.key.startsWith('alert:')) return;
        await enqueue(
          tx.outbox,
          AlertFromPage,
          `alert_from_page:${page.number}:acknowledge`,
          { page: page.number, action: 'acknowledge', by: who },
          at,
        );
      },
      resolved: async (tx, page, who, at) => {
        if (!page.key.startsWith('alert:')) return;
        await enqueue(
          tx.outbox,
          AlertFromPage,
          `alert_from_page:${page.number}:resolve`,
          { page: page.number, action: 'resolve', by: who },
          at,
        );
      },
      detail: async (tx, page) => {
        if (!page.key.startsWith('alert:')) return null;
        const g = await tx.alerts.byPage(page.number);
        return g ? `${alertRef(g)} · ${g.state} · ${progress(g)}` : null;
      },
    };
    const list = async (scope: string | undefined, state: string | undefined) => {
      const dir = k.dir();
      let serviceIds: string[] | undefined;
      if (scope) {
        if (dir.service(scope)) serviceIds = [scope];
        else if (dir.team(scope)) serviceIds = dir.servicesOfTeam(scope).map((s) => s.id);
        else return fail('SERVICE.NOT_FOUND', `"${scope}" is neither a service nor a team.`, 'See /service list.');
      }
      const states: GroupState[] =
        state === 'firing'
          ? ['firing', 'acknowledged']
          : state === 'silenced'
            ? ['silenced']
            : state === 'resolved'
              ? ['resolved']
              : ['firing', 'acknowledged', 'silenced'];
      const [groups, counts] = await k.store.transaction(
        async (tx) =>
          [await tx.alerts.list({ states, serviceIds, limit: 25 }), await tx.alerts.counts({ serviceIds })] as const,
      );
      const title = `${state ? `${state[0]!.toUpperCase()}${state.slice(1)}` : 'Open'} alert groups${scope ? ` · ${scope}` : ''}`;
      const card = listCard(dir, title, groups);
      // Every group is stored and counted, silenced and resolved ones too.
      card.context = [
        txt(
          `All groups${scope ? ` of ${scope}` : ''}: ${counts.firing} firing · ${counts.acknowledged} acknowledged · ${counts.silenced} silenced · ${counts.resolved} resolved`,
        ),
      ];
      return ok(ephemeral(card));
    };
    return {
      operations: [
        run(AlertOps.list, (_c, a) => list(a.scope, a.state)),
        run(AlertOps.show, async (_c, a) => {
          const v = await k.store.transaction(async (tx) => {
            const g = await tx.alerts.byNumber(a.alert);
            return g ? { g, alerts: await tx.alerts.alerts(g.id), events: await tx.alerts.events(g.id, 30) } : null;
          });
          if (!v) return fail('ALERT.NOT_FOUND', `There is no alert group ALR-${a.alert}.`, 'See /alert list.');
          return ok(ephemeral(alertDetail(k.dir(), v.g, v.alerts, v.events)));
        }),
        run(AlertOps.ack, async (c, a) => ackReply(await actions.acknowledge(c, a.alert), a.alert, 'acknowledged')),
        run(AlertOps.resolve, async (c, a) => ackReply(await actions.resolve(c, a.alert), a.alert, 'resolved')),
        run(AlertOps.silence, async (c, a) => {
          const r = await actions.silence(c, {
            matchers: a.matchers,
            durationMs: a.minutes * 60_000,
            reason: a.reason,
          });
          if (!r.ok) return fail('AUTH.FORBIDDEN', `Not silenced: ${r.reason}.`);
          return ok(
            inChannel({
              title: `🔕 SIL-${r.number}: alerts matching ${Object.entries(a.matchers)
                .map(([key, v]) => `${key}=${v}`)
                .join(' ')} page nobody`,
              tone: 'info',
              body: [
                txt(`${c.actor.person!.name}: ${a.reason} · until `),
                time(r.endsAt),
                txt(r.covered.length ? ` · now silenced: ${r.covered.join(', ')}` : ''),
              ],
              context: [txt(`End it early with /alert unsilence SIL-${r.number}.`)],
            }),
          );
        }),
        run(AlertOps.silenceGroup, async (c, a) => {
          const g = await k.store.transaction((tx) => tx.alerts.byNumber(a.alert));
          if (!g) return fail('ALERT.NOT_FOUND', `There is no alert group ALR-${a.alert}.`);
          const r = await actions.silence(c, {
            matchers: g.labels,
            durationMs: 3_600_000,
            reason: `silenced for 1h from the card of ${alertRef(g)}`,
          });
          if (!r.ok) return fail('AUTH.FORBIDDEN', `Not silenced: ${r.reason}.`);
          return ok(
            ephemeral({
              title: `🔕 SIL-${r.number}: ${alertRef(g)} and alerts like it page nobody for 1h`,
              tone: 'info',
              body: [txt('Until '), time(r.endsAt), txt(`. End it early with /alert unsilence SIL-${r.number}.`)],
            }),
          );
        }),
        run(AlertOps.declare, async (_c, a) => {
          const g = await k.store.transaction((tx) => tx.alerts.byNumber(a.alert));
          if (!g) return fail('ALERT.NOT_FOUND', `There is no alert group ALR-${a.alert}.`);
          const declare = k.link(INCIDENT_DECLARE_FORM);
          if (!declare) return fail('COMMAND.UNKNOWN', 'Incidents are not part of this Steward.');
          return ok({ cards: [], visibility: 'ephemeral', form: declare({ title: g.title, service: g.serviceId }) });
        }),
        run(AlertOps.unsilence, async (c, a) => {
          const r = await actions.unsilence(c, a.silence);
          if (!r.ok) return fail(r.code, `${r.reason[0]!.toUpperCase()}${r.reason.slice(1)}.`);
          return ok(
            ephemeral({
              title: `SIL-${a.silence} ended`,
              tone: 'good',
              body: [txt(r.paged.length ? `Paging now: ${r.paged.join(', ')}.` : 'No group it held is still firing.')],
            }),
          );
        }),
        run(AlertOps.heartbeats, async () => ok(ephemeral(heartbeatsCard(k.dir(), await heartbeats.list())))),
        run(AlertOps.pause, async (c, a) => {
          const h = heartbeats.declared(a.heartbeat);
          if (!h)
            return fail('HEARTBEAT.NOT_FOUND', `There is no heartbeat "${a.heartbeat}".`, 'See /alert heartbeats.');
          if (!actions.mayActOn(c.actor.person!.id, h.service))
            return fail('AUTH.FORBIDDEN', `Only the ${h.service} team and its owners may pause ${h.id}.`);
          await heartbeats.setPaused(a.heartbeat, true, { id: c.actor.person!.id, actor: c.actor.ref });
          return ok(
            ephemeral({
              title: `⏸️ Heartbeat ${a.heartbeat} paused`,
              tone: 'info',
              body: [txt('It opens nothing until it is pinged or resumed.')],
            }),
          );
        }),
        run(AlertOps.resume, async (c, a) => {
          const h = heartbeats.declared(a.heartbeat);
          if (!h)
            return fail('HEARTBEAT.NOT_FOUND', `There is no heartbeat "${a.heartbeat}".`, 'See /alert heartbeats.');
          if (!actions.mayActOn(c.actor.person!.id, h.service))
            return fail('AUTH.FORBIDDEN', `Only the ${h.service} team and its owners may resume ${h.id}.`);
          const v = await heartbeats.setPaused(a.heartbeat, false, { id: c.actor.person!.id, actor: c.actor.ref });
          return ok(
            ephemeral({
              title: `▶️ Heartbeat ${a.heartbeat} resumed`,
              tone: 'good',
              body: v?.next
                ? [txt('The next ping is due by '), time(v.next), txt('.')]
                : [txt('It is armed by its next ping.')],
            }),
          );
        }),
      ],
      routes: [
        route(ALERT_ROUTES.receive, entries.receive),
        route(ALERT_ROUTES.enqueue, entries.enqueue),
        route(ALERT_ROUTES.change, entries.change),
        route(ALERT_ROUTES.pingGet, entries.ping),
        route(ALERT_ROUTES.pingPost, entries.ping),
        route(ALERT_ROUTES.signalGet, entries.ping),
        route(ALERT_ROUTES.signalPost, entries.ping),
      ],
      effects: alertEffects({
        store: k.store,
        clock: k.clock,
        dir: k.dir,
        gateways: k.gateways,
        paging: () => k.link(ALERT_PAGING),
        actions,
      }),
      jobs: {
        interval: [
          {
            name: 'alerts.tick',
            everyMs: 15_000,
            run: async (now) => {
              await actions.tick(now);
              await heartbeats.check(now);
            },
          },
        ],
      },
      provides: [
        provide(ALERTS_SERVICE, alerts),
        provide(
          PATCH_ALERTS,
          breachPaging(alerts, k.dir, () => k.link(ALERT_PAGING)?.wake()),
        ),
        provide(ALERTS_ACTIONS, actions),
        provide(ALERTS_HEARTBEATS, heartbeats),
        provide(PAGING_ALERTS, forPaging),
        provide(INCIDENT_CHANGE_EVENTS, {
          startedSince: (serviceId: string, since: Date) => alerts.changesSince(serviceId, since),
        }),
      ],
    };
  },
};
