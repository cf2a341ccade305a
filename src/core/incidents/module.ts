// Incidents as a module: `/incident …`, the summary-card buttons, the declare and change forms,
// the war-room side effects, pins in war rooms, and what paging may ask of incidents.
import { incidentsPolicy } from './policy-section.js';
import { checkIncidentsPolicy } from './policy-checks.js';
import { ok } from '../errors.js';
import { build, invalid, subcommand, tokenize } from '../grammar.js';
import { type FormReopen, onForm, run, provide, type StewardModule } from '../module.js';
import { IncidentOps } from './ops.js';
import {
  INCIDENT_CHANGE_EVENTS,
  INCIDENT_CHANGES,
  INCIDENT_DECLARE_FORM,
  INCIDENT_PAGING,
  INCIDENT_STATUS_PAGE,
} from './links.js';
import { CHANGE_INCIDENTS, type ChangeIncidents } from '../changes/links.js';
import { PAGING_INCIDENTS, type PagingIncidents } from '../paging/links.js';
import { STATUS_INCIDENTS, type StatusIncidents } from '../status/links.js';
import { incidentEffects } from './effects.js';
import { DeclareForm, ResolveForm, RoleForm, SeverityForm, StatusForm, declareForm } from './forms.js';
import { incidentHelp } from './help.js';
import { IncidentQueries } from './queries.js';
import { type IncidentFormName, IncidentService } from './service.js';
import { facts, isOpen, SETTABLE_STATUSES } from './model.js';
import type { Tx } from '../ports.js';

const USAGE =
  '/incident declare [title] · update [--public] <text> · status <status> [text] · severity <SEV> · role <role> <@user> · resolve [summary] · publish · list · timeline · postmortem · stats [30d] · help';

const PUBLIC_FLAG = /^--public\b\s*/i;

/**
 * `/incident <sub> [INC-n] …`: free text keeps its spacing; INC-n is optional where the war room
 * implies it. `update --public` (before or after INC-n) makes the update a public one.
 */
function parse(line: string) {
  const { sub, rest: after } = subcommand(line);
  let rest = after;
  let incident: number | undefined;
  let isPublic = false;
  const flag = () => {
    if (sub !== 'update' || !PUBLIC_FLAG.test(rest)) return;
    isPublic = true;
    rest = rest.replace(PUBLIC_FLAG, '');
  };
  flag();
  const inc = /^INC-(\d+)\b\s*(.*)$/is.exec(rest);
  if (inc) {
    incident = Number(inc[1]);
    rest = inc[2]!;
  }
  flag();
  const words = tokenize(rest);
  const label = `/incident ${sub}`;
  const opt = (v: string) => (v.trim() ? v.trim() : undefined);
  const O = IncidentOps;
  switch (sub) {
    case 'declare':
      return build(O.declare, { title: opt(rest) }, label, USAGE);
    case 'update':
      if (!rest.trim())
        return invalid(
          'COMMAND.INVALID',
          `/incident update${isPublic ? ' --public' : ''} needs the text of the update.`,
          isPublic
            ? 'Example: /incident update --public We have found the cause and are rolling out a fix.'
            : 'Example: /incident update Rolled back the deploy; error rate falling',
        );
      return build(O.update, { incident, text: rest.trim(), public: isPublic }, label, USAGE);
    case 'publish':
      if (rest.trim())
        return invalid(
          'COMMAND.INVALID',
          '/incident publish takes only the incident, e.g. /incident publish INC-7; the form asks for the rest.',
          `Usage: ${USAGE}`,
        );
      return build(O.publish, { incident }, label, USAGE);
    case 'status': {
      const [status = '', ...more] = rest.trim().split(/\s+/);
      return build(
        O.status,
        {
          incident,
          status: status.toLowerCase(),
          text: opt(rest.trim().slice(status.length)) ?? (more.length ? more.join(' ') : undefined),
        },
        label,
        USAGE,
      );
    }
    case 'severity':
    case 'sev':
      if (words.length !== 1)
        return invalid('COMMAND.INVALID', '/incident severity needs one severity, e.g. SEV1.', `Usage: ${USAGE}`);
      return build(O.severity, { incident, severity: words[0]!.toUpperCase() }, label, USAGE);
    case 'role':
      if (words.length !== 2)
        return invalid(
          'COMMAND.INVALID',
          '/incident role needs a role and a person, e.g. /incident role commander @bea.',
          `Usage: ${USAGE}`,
        );
      return build(O.role, { incident, role: words[0]!.toLowerCase(), user: words[1] }, label, USAGE);
    case 'resolve':
      return build(O.resolve, { incident, summary: opt(rest) }, label, USAGE);
    case 'list':
      return build(O.list, {}, label, USAGE);
    case 'stats':
      return build(O.stats, words[0] ? { window: words[0].toLowerCase() } : {}, label, USAGE);
    case 'timeline':
      return build(O.timeline, { incident }, label, USAGE);
    case 'postmortem':
      return build(O.postmortem, { incident }, label, USAGE);
    case '':
    case 'help':
      return build(O.help, {}, label, USAGE);
    default:
      return invalid('COMMAND.INVALID', `/incident has no subcommand "${sub}".`, `Usage: ${USAGE}`);
  }
}

const ref = {
  type: 'string',
  name: 'incident',
  description: 'The incident, e.g. INC-7 (default: the war room you are in)',
  required: false,
  maxLength: 16,
  ref: { prefix: 'INC', noun: 'an incident', hint: 'Name it like INC-7; /incident list shows the open ones.' },
} as const;

export const incidentsModule: StewardModule = {
  id: 'incidents',
  policy: incidentsPolicy,
  checkPolicy: checkIncidentsPolicy,
  commands: [
    {
      name: 'incident',
      description: 'Incidents: declare, run the war room, resolve, postmortem',
      usage: USAGE,
      slackHint:
        'declare [title] | update [--public] <text> | role <role> <@user> | resolve [summary] | publish | list | timeline | postmortem | stats [30d]',
      parse,
      options: [
        {
          type: 'subcommand',
          name: 'declare',
          description: 'Declare an incident (opens the form)',
          options: [
            {
              type: 'string',
              name: 'title',
              description: 'What is broken, e.g. Checkout fails with 502',
              required: false,
              maxLength: 100,
              freeText: true,
            },
          ],
        },
        {
          type: 'subcommand',
          name: 'update',
          description: 'Post a status update in the war room and the announcement thread',
          options: [
            {
              type: 'string',
              name: 'text',
              description: 'The update',
              required: true,
              maxLength: 2000,
              freeText: true,
            },
            ref,
            {
              type: 'boolean',
              name: 'public',
              description: 'Post it on the public status page (the incident must be published)',
              required: false,
            },
          ],
        },
        {
          type: 'subcommand',
          name: 'publish',
          description: 'Publish the incident on the status page (opens the form)',
          options: [ref],
        },
        {
          type: 'subcommand',
          name: 'status',
          description: 'Change the status',
          options: [
            {
              type: 'string',
              name: 'status',
              description: 'The new status',
              required: true,
              choices: SETTABLE_STATUSES.map((s) => ({ name: s.charAt(0).toUpperCase() + s.slice(1), value: s })),
            },
            {
              type: 'string',
              name: 'text',
              description: 'What changed',
              required: false,
              maxLength: 2000,
              freeText: true,
            },
            ref,
          ],
        },
        {
          type: 'subcommand',
          name: 'severity',
          description: 'Change the severity',
          options: [
            {
              type: 'string',
              name: 'severity',
              description: 'The new severity, e.g. SEV2',
              required: true,
              maxLength: 16,
            },
            ref,
          ],
        },
        {
          type: 'subcommand',
          name: 'role',
          description: 'Give someone a role: commander, communications, scribe',
          options: [
            { type: 'string', name: 'role', description: 'The role, e.g. commander', required: true, maxLength: 64 },
            { type: 'user', name: 'user', description: 'Who takes the role', required: true },
            ref,
          ],
        },
        {
          type: 'subcommand',
          name: 'resolve',
          description: 'Resolve the incident and write the postmortem draft',
          options: [
            {
              type: 'string',
              name: 'summary',
              description: 'What fixed it',
              required: false,
              maxLength: 2000,
              freeText: true,
            },
            ref,
          ],
        },
        { type: 'subcommand', name: 'list', description: 'Open incidents by severity' },
        { type: 'subcommand', name: 'timeline', description: 'The timeline of an incident', options: [ref] },
        {
          type: 'subcommand',
          name: 'postmortem',
          description: 'The postmortem draft of a resolved incident',
          options: [ref],
        },
        {
          type: 'subcommand',
          name: 'stats',
          description: 'Incident count, MTTA and MTTR by severity and service',
          options: [
            {
              type: 'string',
              name: 'window',
              description: 'Period (default: 30 days)',
              required: false,
              choices: [7, 30, 90, 365].map((d) => ({ name: `Last ${d} days`, value: `${d}d` })),
            },
          ],
        },
        { type: 'subcommand', name: 'help', description: 'What the incident commands do' },
      ],
    },
  ],
  operations: Object.values(IncidentOps),
  forms: [DeclareForm, StatusForm, SeverityForm, RoleForm, ResolveForm],
  help: [
    {
      usage: '/incident declare [title]',
      what: 'declare an incident: war room, announcement, roles, timeline',
      writes: true,
    },
    {
      usage: '/incident help',
      what: 'every incident command: update, status, severity, role, resolve, list, timeline, stats',
      writes: false,
    },
  ],
  create(k) {
    const inc = new IncidentService({
      store: k.store,
      clock: k.clock,
      dir: k.dir,
      kick: k.kick,
      platforms: k.platforms,
      paging: () => k.link(INCIDENT_PAGING),
      statusPage: () => k.link(INCIDENT_STATUS_PAGE),
    });
    const q = new IncidentQueries(k.store, k.dir, inc);
    const O = IncidentOps;
    /** A numbered incident form, opened again on the same target with the values typed so far. */
    const reopenAs =
      (name: IncidentFormName): FormReopen =>
      async (ctx, target, values) => {
        const r = await inc.openForm(ctx, target.number!, name, values, target.nonce);
        return r.ok ? ok(r.value.form!) : r;
      };
    /** A line another domain writes on an incident's timeline (once per dedupe key). */
    const timelineNote =
      (kind: 'page' | 'change' | 'public') =>
      async (
        tx: Tx,
        n: number,
        text: string,
        at: Date,
        actor: { id: string; name: string } | null | undefined,
        dedupe?: string,
      ) => {
        const i = await tx.incidents.byNumber(n);
        if (i)
          await tx.incidents.addTimeline({
            incidentId: i.id,
            at,
            kind,
            actorPerson: actor?.id ?? null,
            actorName: actor?.name ?? 'Steward',
            text,
            dedupeKey: dedupe,
          });
      };
    const forIncident: PagingIncidents = {
      note: timelineNote('page'),
      async acknowledged(tx, n, at) {
        for (let attempt = 0; attempt < 3; attempt++) {
          const i = await tx.incidents.byNumber(n);
          if (!i || i.acknowledgedAt) return;
          if (await tx.incidents.update(i.id, i.version, { acknowledgedAt: at }, at)) return;
        }
      },
      async warRoom(n) {
        const i = await k.store.transaction((tx) => tx.incidents.byNumber(n));
        return i ? { state: i.warRoom.state, platform: i.warRoom.platform, channelId: i.warRoom.channelId } : null;
      },
    };
    const forChanges: ChangeIncidents = {
      find: async (tx, n) => {
        const i = await tx.incidents.byNumber(n);
        return i ? { open: isOpen(i.status), status: i.status, serviceId: i.serviceId } : null;
      },
      note: timelineNote('change'),
    };
    const forStatusPage: StatusIncidents = {
      find: async (tx, n) => {
        const i = await tx.incidents.byNumber(n);
        return i ? facts(i) : null;
      },
      note: (tx, n, text, at, who) => timelineNote('public')(tx, n, text, at, who),
    };
    return {
      operations: [
        run(O.declare, (c, a) => inc.openDeclareForm(c, a.title)),
        run(O.update, (c, a) =>
          a.public ? inc.publicUpdate(c, a.incident, a.text) : inc.update(c, a.incident, a.text),
        ),
        run(O.publish, (c, a) => inc.publish(c, a.incident)),
        run(O.status, (c, a) => inc.setStatus(c, a.incident, a.status, a.text)),
        run(O.severity, (c, a) => inc.setSeverity(c, a.incident, a.severity)),
        run(O.role, (c, a) => inc.assignRole(c, a.incident, a.role, a.user)),
        run(O.resolve, (c, a) => inc.resolve(c, a.incident, a.summary)),
        run(O.form, (c, a) => inc.openForm(c, a.incident, a.form)),
        run(O.retryWarRoom, (c, a) => inc.retryWarRoom(c, a.incident)),
        run(O.list, (c) => q.list(c)),
        run(O.stats, (c, a) => q.stats(c, a.window)),
        run(O.timeline, (c, a) => q.timeline(c, a.incident)),
        run(O.postmortem, (c, a) => q.postmortem(c, a.incident)),
        run(O.help, (c) => incidentHelp(c, k.dir())),
      ],
      forms: [
        onForm(DeclareForm, {
          submit: (c, _t, v, key) => inc.submitDeclare(c, v, key),
          reopen: (_c, t, values) => ok(declareForm(k.dir(), values, t.nonce)),
        }),
        onForm(StatusForm, {
          submit: (c, t, v, key) => inc.setStatus(c, t.number, v.status, v.text, key),
          reopen: reopenAs('status'),
        }),
        onForm(SeverityForm, {
          submit: (c, t, v, key) => inc.setSeverity(c, t.number, v.severity, key),
          reopen: reopenAs('severity'),
        }),
        onForm(RoleForm, {
          submit: (c, t, v, key) => inc.assignRole(c, t.number, v.role, v.person, key),
          reopen: reopenAs('role'),
        }),
        onForm(ResolveForm, {
          submit: (c, t, v, key) => inc.resolve(c, t.number, v.summary, key),
          reopen: reopenAs('resolve'),
        }),
      ],
      effects: incidentEffects({
        store: k.store,
        clock: k.clock,
        dir: k.dir,
        gateways: k.gateways,
        changes: () => k.link(INCIDENT_CHANGES),
        changeEvents: () => k.link(INCIDENT_CHANGE_EVENTS),
      }),
      provides: [
        provide(PAGING_INCIDENTS, forIncident),
        provide(CHANGE_INCIDENTS, forChanges),
        provide(STATUS_INCIDENTS, forStatusPage),
        provide(INCIDENT_DECLARE_FORM, (initial) =>
          declareForm(k.dir(), {
            title: initial.title?.slice(0, 100),
            service: initial.service && k.dir().service(initial.service) ? initial.service : undefined,
          }),
        ),
      ],
      pinned: (platform, channelId, m) => inc.addPinned(platform, channelId, m),
    };
  },
};
