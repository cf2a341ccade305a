// The service catalog as a module: `/service list [team]`, `/service show <id>`, and the
// escalation-path button under a service.
import { build, invalid, tokenize } from '../grammar.js';
import { run, type StewardModule } from '../module.js';
import { ServiceOps } from './ops.js';
import { Catalog } from './catalog.js';

const USAGE = '/service list [team] · /service show <id>';

function parse(text: string) {
  const [sub = '', ...args] = tokenize(text.trim());
  const label = `/service ${sub}`;
  switch (sub.toLowerCase()) {
    case '':
    case 'list':
      if (args.length > 1)
        return invalid('COMMAND.INVALID', '/service list takes at most one team id.', `Usage: ${USAGE}`);
      return build(ServiceOps.list, args[0] ? { team: args[0].toLowerCase() } : {}, label, USAGE);
    case 'show':
      if (args.length !== 1)
        return invalid('COMMAND.INVALID', '/service show needs exactly one service id.', `Usage: ${USAGE}`);
      return build(ServiceOps.show, { id: args[0]!.toLowerCase() }, label, USAGE);
    default:
      return invalid('COMMAND.INVALID', `/service has no subcommand "${sub}".`, `Usage: ${USAGE}`);
  }
}

export const catalogModule: StewardModule = {
  id: 'catalog',
  commands: [
    {
      name: 'service',
      description: 'The service catalog: teams, owners, tiers, escalation paths',
      usage: USAGE,
      slackHint: 'list [team] | show <id>',
      parse,
      options: [
        {
          type: 'subcommand',
          name: 'list',
          description: 'List services, optionally of one team',
          options: [{ type: 'string', name: 'team', description: 'Team id', required: false, maxLength: 64 }],
        },
        {
          type: 'subcommand',
          name: 'show',
          description: 'Show one service',
          options: [
            { type: 'string', name: 'id', description: 'Service id, e.g. payments-api', required: true, maxLength: 64 },
          ],
        },
      ],
    },
  ],
  operations: Object.values(ServiceOps),
  help: [
    { usage: '/service list [team]', what: 'the service catalog: teams, tiers, owners', writes: false },
    { usage: '/service show <id>', what: 'one service: team, owners, tier, escalation path, channels', writes: false },
  ],
  create(k) {
    const catalog = new Catalog(k.dir);
    return {
      operations: [
        run(ServiceOps.list, (c, a) => catalog.list(c, a)),
        run(ServiceOps.show, (c, a) => catalog.show(c, a)),
        run(ServiceOps.escalation, (c, a) => catalog.escalation(c, a)),
      ],
    };
  },
};
