// The public status page as a module: `/status` and `/status set`, the form that publishes an
// incident, the announcements in public channels, what incidents and changes may ask of the page
// (`/incident publish`, `/incident update --public`, `/change publish`, following their status),
// and the public site (the page, incident pages, feeds, the Statuspage API) mounted at /status.
import { ok } from '../errors.js';
import { build, invalid, subcommand, tokenize } from '../grammar.js';
import { CHANGE_STATUS_PAGE, type ChangeStatusPage } from '../changes/links.js';
import { INCIDENT_STATUS_PAGE, type IncidentStatusPage } from '../incidents/links.js';
import { onForm, provide, run, type StewardModule } from '../module.js';
import { statusCard } from './cards.js';
import { statusEffects } from './effects.js';
import { PublishForm, publishForm } from './forms.js';
import { STATUS_INCIDENTS, STATUS_SERVICE, STATUS_SITE } from './links.js';
import { COMPONENT_STATUSES, readStatus } from './model.js';
import { StatusOps } from './ops.js';
import { readSnapshot } from './page.js';
import { checkStatusPagePolicy } from './policy-checks.js';
import { statusPagePolicy } from './policy-section.js';
import { StatusPageService } from './service.js';
import { StatusSite } from './web/site.js';

const USAGE = '/status [show] · /status set <component> <status>';
const STATUSES = `Statuses: ${COMPONENT_STATUSES.join(', ')}`;

function parse(line: string) {
  const { sub, rest } = subcommand(line);
  const words = tokenize(rest);
  const label = `/status ${sub}`.trim();
  switch (sub) {
    case '':
    case 'show':
      return build(StatusOps.show, {}, label, USAGE);
    case 'set': {
      if (words.length !== 2)
        return invalid(
          'COMMAND.INVALID',
          '/status set needs a component and a status, e.g. /status set payments partial_outage.',
          STATUSES,
        );
      const status = readStatus(words[1]!);
      if (!status) return invalid('COMMAND.INVALID', `"${words[1]}" is not a component status.`, STATUSES);
      return build(StatusOps.set, { component: words[0]!.toLowerCase(), status }, label, USAGE);
    }
    default:
      return invalid('COMMAND.INVALID', `/status has no subcommand "${sub}".`, `Usage: ${USAGE}`);
  }
}

export const statusModule: StewardModule = {
  id: 'status',
  policy: statusPagePolicy,
  checkPolicy: checkStatusPagePolicy,
  commands: [
    {
      name: 'status',
      description: 'The public status page: its state now, component statuses',
      usage: USAGE,
      slackHint: '[set <component> <status>]',
      parse,
      options: [
        { type: 'subcommand', name: 'show', description: 'The status page as the public sees it now' },
        {
          type: 'subcommand',
          name: 'set',
          description: "Set a component's status",
          options: [
            {
              type: 'string',
              name: 'component',
              description: 'The component, e.g. payments',
              required: true,
              maxLength: 64,
            },
            {
              type: 'string',
              name: 'status',
              description: 'Its status',
              required: true,
              choices: COMPONENT_STATUSES.map((s) => ({ name: s, value: s })),
            },
          ],
        },
      ],
    },
  ],
  operations: Object.values(StatusOps),
  forms: [PublishForm],
  sites: [{ id: 'status', mount: '/status' }],
  help: [
    { usage: '/status', what: 'the public status page as customers see it now', writes: false },
    {
      usage: '/status set <component> <status>',
      what: 'set a component: operational, degraded-performance, partial-outage, major-outage, under-maintenance',
      writes: true,
    },
    {
      usage: '/incident publish [INC-n] · /incident update --public <text> · /change publish CHG-n',
      what: 'publish an incident, a public update, a change as scheduled maintenance',
      writes: true,
    },
  ],
  create(k) {
    const timezone = () => k.dir().policy.statusPage?.timezone ?? k.dir().policy.timezone;
    const site = new StatusSite({ store: k.store, clock: k.clock, dir: k.dir, timezone });
    const service = new StatusPageService({
      store: k.store,
      clock: k.clock,
      dir: k.dir,
      kick: k.kick,
      platforms: k.platforms,
      incidents: () => k.link(STATUS_INCIDENTS),
      changed: () => site.changed(),
    });
    const forIncidents: IncidentStatusPage = {
      publishForm: (ctx, i) => service.publishForm(ctx, i),
      publicUpdate: (ctx, i, text) => service.publicUpdate(ctx, i, text),
      moved: (tx, i, actor, who, at) => service.incidentMoved(tx, i, actor, who, at),
    };
    const forChanges: ChangeStatusPage = {
      moved: (tx, c, at) => service.maintenance.changeMoved(tx, c, at),
      publish: (ctx, c) => service.maintenance.publishChange(ctx, c),
    };
    return {
      operations: [
        run(StatusOps.show, async (ctx) => {
          const sp = service.page();
          if (!sp.ok) return sp;
          const s = await readSnapshot(k.store, sp.value, timezone(), ctx.now);
          return ok({ cards: [statusCard(s)], visibility: 'ephemeral' as const });
        }),
        run(StatusOps.set, (ctx, a) => service.setComponent(ctx, a.component, a.status)),
      ],
      forms: [
        onForm(PublishForm, {
          submit: (ctx, t, v, key) => service.submitPublish(ctx, t.number!, v, key),
          reopen: async (ctx, t, values) => {
            const sp = service.page();
            if (!sp.ok) return sp;
            const i = await k.store.transaction(
              async (tx) => (await k.link(STATUS_INCIDENTS)?.find(tx, t.number!)) ?? null,
            );
            if (!i)
              return {
                ok: false,
                error: { code: 'INCIDENT.NOT_FOUND', message: `There is no incident INC-${t.number}.` },
              };
            return ok(publishForm(k.dir(), sp.value, i, values, t.nonce));
          },
        }),
      ],
      effects: statusEffects({ store: k.store, clock: k.clock, dir: k.dir, gateways: k.gateways }),
      sites: [['status', site]],
      provides: [
        provide(INCIDENT_STATUS_PAGE, forIncidents),
        provide(CHANGE_STATUS_PAGE, forChanges),
        provide(STATUS_SERVICE, service),
        provide(STATUS_SITE, site),
      ],
      start() {
        void service
          .ensureComponents()
          .catch((err: unknown) => k.log.error({ err: String(err) }, 'status page: recording its components failed'));
      },
      policyApplied: async () => ({ statusComponentsAdded: await service.ensureComponents() }),
    };
  },
};
