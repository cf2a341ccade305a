// `/steward help` as a module: every composed module's help entries, and who the user is to Steward.
import { z } from 'zod';
import { build, invalid, subcommand } from '../grammar.js';
import { operation, run, type StewardModule } from '../module.js';
import { help } from './help.js';

export const HelpOps = { help: operation('steward.help', z.object({}), 'read') };

const USAGE = '/steward help';

export const helpModule: StewardModule = {
  id: 'help',
  commands: [
    {
      name: 'steward',
      description: 'What Steward can do here, and who you are to it',
      usage: USAGE,
      slackHint: 'help',
      parse: (line) => {
        const { sub } = subcommand(line);
        return sub === '' || sub === 'help'
          ? build(HelpOps.help, {}, '/steward', USAGE)
          : invalid('COMMAND.INVALID', `/steward has no subcommand "${sub}".`, `Usage: ${USAGE}`);
      },
      options: [{ type: 'subcommand', name: 'help', description: 'What Steward can do here, and who you are to it' }],
    },
  ],
  operations: [HelpOps.help],
  help: [{ usage: '/steward help', what: 'this help, and who you are to Steward', writes: false }],
  create: (k) => ({ operations: [run(HelpOps.help, (c) => help(c, k.dir(), k.help()))] }),
};
