// Paging as a module: `/page <service|@person> <message>`, `/page list`, the Acknowledge /
// Escalate now / Resolve buttons, the durable escalation runner, and the pages incidents open.
import { pagingPolicy } from './policy-section.js';
import { checkPagingPolicy } from './policy-checks.js';
import { build, invalid } from '../grammar.js';
import { run, provide, type StewardModule } from '../module.js';
import { PageOps } from './ops.js';
import { INCIDENT_PAGING, type IncidentPaging } from '../incidents/links.js';
import { pagingEffects } from './effects.js';
import { Escalator } from './escalation.js';
import {
  PAGING_ESCALATOR,
  PAGING_FINDINGS,
  PAGING_INCIDENTS,
  PAGING_ONCALL,
  PAGING_SERVICE,
  type PagingOnCall,
} from './links.js';
import { PATCH_PAGING, type PatchPaging } from '../patches/links.js';
import { pageRef } from './model.js';
import { PagingService, refreshCopies } from './service.js';
import { ALERT_PAGING, PAGING_ALERTS, type AlertPaging } from '../alerts/links.js';

const USAGE = '/page <service> <message> · /page <person> <message> (a mention or person id) · list';

/** `/page <service|@person> <message…>` (the message keeps its spacing) · `/page list`. */
function parse(line: string) {
  const text = line.trim();
  // Discord's subcommands arrive as "service <id> <message>" and "person @discord:<id> <message>".
  const keyword = /^(service|person)\s+(\S+\s*.*)$/is.exec(text);
  const m = /^(\S*)\s*(.*)$/s.exec(keyword ? keyword[2]! : text)!;
  const [target, message] = [m[1]!, m[2]!.trim()];
  if (target.toLowerCase() === 'list' && !message) return build(PageOps.list, {}, '/page', USAGE);
  if (!target) return invalid('COMMAND.INVALID', '/page needs who to page and a message.', `Usage: ${USAGE}`);
  if (!message)
    return invalid(
      'COMMAND.INVALID',
      `/page ${target}: say what is wrong, e.g. /page ${target} checkout returns 502.`,
      `Usage: ${USAGE}`,
    );
  return build(PageOps.create, { target, message }, '/page', USAGE);
}

export const pagingModule: StewardModule = {
  id: 'paging',
  policy: pagingPolicy,
  checkPolicy: checkPagingPolicy,
  commands: [
    {
      name: 'page',
      description: "Page a service's on-call along its escalation path, or one person",
      usage: USAGE,
      slackHint: '<service | @person> <message> | list',
      parse,
      options: [
        {
          type: 'subcommand',
          name: 'service',
          description: 'Page whoever is on call for a service',
          options: [
            {
              type: 'string',
              name: 'service',
              description: 'Service id, e.g. payments-api',
              required: true,
              maxLength: 64,
            },
            {
              type: 'string',
              name: 'message',
              description: 'What is wrong',
              required: true,
              maxLength: 1000,
              freeText: true,
            },
          ],
        },
        {
          type: 'subcommand',
          name: 'person',
          description: 'Page one person',
          options: [
            { type: 'user', name: 'user', description: 'Who to page', required: true },
            {
              type: 'string',
              name: 'message',
              description: 'What is wrong',
              required: true,
              maxLength: 1000,
              freeText: true,
            },
          ],
        },
        { type: 'subcommand', name: 'list', description: 'Open and acknowledged pages' },
      ],
    },
  ],
  operations: Object.values(PageOps),
  help: [
    {
      usage: '/page <service|@person> <message>',
      what: "page a service's on-call along its escalation path, or one person",
      writes: true,
    },
    { usage: '/page list', what: 'open and acknowledged pages', writes: false },
  ],
  create(k) {
    const incidents = () => k.link(PAGING_INCIDENTS);
    const oncall: PagingOnCall = {
      holdersAt: async (tx, ids, at) =>
        (await k.link(PAGING_ONCALL)?.holdersAt(tx, ids, at)) ?? new Map(ids.map((id) => [id, undefined])),
    };
    const escalator = new Escalator({
      store: k.store,
      clock: k.clock,
      dir: k.dir,
      oncall,
      incidents,
      holder: k.holder,
      platforms: k.platforms,
      kick: k.kick,
      log: k.log,
      onFired: k.hooks.onStepFired && ((step, at) => k.hooks.onStepFired!({ ...step }, at)),
      onStepFailed: k.hooks.onStepFailed,
    });
    const paging = new PagingService({
      store: k.store,
      clock: k.clock,
      dir: k.dir,
      kick: k.kick,
      wake: () => escalator.wake(),
      incidents,
      findings: () => k.link(PAGING_FINDINGS),
      alerts: () => k.link(PAGING_ALERTS),
    });
    const forIncidents: IncidentPaging = {
      cannotPage: (serviceId) => {
        const path = paging.freeze({ serviceId });
        return typeof path === 'string' ? path : null;
      },
      open: async (tx, o, actor, at) => {
        const r = await paging.open(tx, o, actor, at);
        return r.ok ? { ok: true, ref: pageRef(r.page) } : r;
      },
      pageOf: async (tx, n) => {
        const p = (await tx.pages.list({ incidentNumber: n, limit: 1 }))[0];
        return p ? pageRef(p) : null;
      },
      closeForIncident: (tx, n, actor, who, at) => paging.closeForIncident(tx, n, actor, who, at),
      wake: () => escalator.wake(),
    };
    const forFindings: PatchPaging = {
      open: async (tx, o, at) => {
        const r = await paging.open(
          tx,
          { ...o, createdBy: null, createdPlatform: 'system', createdUserId: null },
          { platform: 'system' },
          at,
        );
        return r.ok ? { ok: true, ref: pageRef(r.page), created: r.created } : r;
      },
      wake: () => escalator.wake(),
    };
    /** The page of an alert group: opened, acknowledged and resolved as the group is, from the group's side. */
    const forAlerts: AlertPaging = {
      cannotPage: (serviceId) => forIncidents.cannotPage(serviceId),
      open: async (tx, o, at) => {
        const r = await paging.open(
          tx,
          { ...o, createdBy: null, createdPlatform: 'system', createdUserId: null },
          { platform: 'system' },
          at,
        );
        return r.ok ? { ok: true, number: r.page.number, ref: pageRef(r.page) } : r;
      },
      mayAct: async (tx, n, personId) => {
        const p = await tx.pages.byNumber(n);
        return !!p && paging.mayAct(personId, p);
      },
      acknowledge: async (tx, n, by, actor, at) => {
        // A step firing meanwhile bumps the version: reload and try again.
        for (let i = 0; i < 5; i++) {
          const p = await tx.pages.byNumber(n);
          if (!p || p.status !== 'open') return false;
          if (await paging.acknowledgeIn(tx, p, by, actor, at, false)) return true;
        }
        return false;
      },
      resolve: async (tx, n, by, actor, at) => {
        for (let i = 0; i < 5; i++) {
          const p = await tx.pages.byNumber(n);
          if (!p || p.status === 'resolved') return false;
          if (await paging.close(tx, p, actor, by, at, false)) return true;
        }
        return false;
      },
      refresh: async (tx, n, at) => {
        const p = await tx.pages.byNumber(n);
        const bumped = p ? await tx.pages.update(p.id, p.version, {}, at) : null;
        if (bumped) await refreshCopies(tx, bumped, at);
      },
      wake: () => escalator.wake(),
    };
    return {
      operations: [
        run(PageOps.create, (c, a) => paging.create(c, a.target, a.message)),
        run(PageOps.list, (c) => paging.list(c)),
        run(PageOps.ack, (c, a) => paging.ack(c, a.page)),
        run(PageOps.escalate, (c, a) => paging.escalate(c, a.page, a.step)),
        run(PageOps.resolve, (c, a) => paging.resolve(c, a.page)),
      ],
      effects: pagingEffects({
        store: k.store,
        clock: k.clock,
        dir: k.dir,
        gateways: k.gateways,
        incidents,
        alerts: () => k.link(PAGING_ALERTS),
      }),
      provides: [
        provide(INCIDENT_PAGING, forIncidents),
        provide(PATCH_PAGING, forFindings),
        provide(PAGING_ESCALATOR, escalator),
        provide(PAGING_SERVICE, paging),
        provide(ALERT_PAGING, forAlerts),
      ],
      // Escalation steps that fell due while Steward was down fire now, then each as it falls due.
      start: () => escalator.start(),
      stop: () => escalator.stop(),
    };
  },
};
