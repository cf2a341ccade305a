// Patch SLAs as a module: `/patch list [service|team] [overdue]`, `/patch show <finding>`, the
// Next / Previous and Request exception buttons, and deadline recomputation (at start and after a
// policy reload). Imports come from the CLI and the HTTP API (importer.ts), not from chat.
import { patchesPolicy } from './policy-section.js';
import { build, invalid, tokenize } from '../grammar.js';
import { run, type StewardModule } from '../module.js';
import { PATCH_DEADLINES, type PatchDeadlines } from './links.js';
import { readFindingRef } from './model.js';
import { PatchOps } from './ops.js';
import { recomputeDeadlines } from './refresh.js';
import { PatchesService } from './service.js';

export { PatchOps } from './ops.js';

const USAGE = '/patch list [service|team] [overdue] · /patch show <finding>';

function parse(text: string) {
  const [sub = '', ...args] = tokenize(text.trim());
  switch (sub.toLowerCase()) {
    case '':
    case 'list': {
      const overdue = args.some((a) => a.toLowerCase() === 'overdue');
      const rest = args.filter((a) => a.toLowerCase() !== 'overdue');
      if (rest.length > 1) return invalid('COMMAND.INVALID', '/patch list takes at most one service or team, and "overdue".', `Usage: ${USAGE}`);
      return build(PatchOps.list, { ...(rest[0] ? { scope: rest[0].toLowerCase() } : {}), overdue }, '/patch list', USAGE);
    }
    case 'show':
    case 'exception': {
      const n = args.length === 1 ? readFindingRef(args[0]) : null;
      if (n === null) return invalid('COMMAND.INVALID', `/patch ${sub.toLowerCase()} needs one finding, such as F-12.`, `Usage: ${USAGE}`);
      return build(sub.toLowerCase() === 'show' ? PatchOps.show : PatchOps.exception, { finding: n }, `/patch ${sub.toLowerCase()}`, USAGE);
    }
    default:
      return invalid('COMMAND.INVALID', `/patch has no subcommand "${sub}".`, `Usage: ${USAGE}`);
  }
}

export const patchesModule: StewardModule = {
  id: 'patches',
  policy: patchesPolicy,
  commands: [
    {
      name: 'patch',
      description: 'Vulnerability findings and their patch deadlines',
      usage: USAGE,
      slackHint: 'list [service|team] [overdue] | show <finding>',
      parse,
      options: [
        {
          type: 'subcommand',
          name: 'list',
          description: 'Open findings, worst first',
          options: [
            { type: 'string', name: 'scope', description: 'Service or team id', required: false, maxLength: 64 },
            { type: 'string', name: 'overdue', description: 'Only overdue findings', required: false, choices: [{ name: 'overdue only', value: 'overdue' }] },
          ],
        },
        {
          type: 'subcommand',
          name: 'show',
          description: 'One finding: everything known and its history',
          options: [{ type: 'string', name: 'finding', description: 'Finding, e.g. F-12', required: true, maxLength: 16, ref: { prefix: 'F', noun: 'finding', hint: 'a finding such as F-12' } }],
        },
      ],
    },
  ],
  operations: Object.values(PatchOps),
  help: [
    { usage: '/patch list [service|team] [overdue]', what: 'open vulnerability findings, worst first, with their deadlines', writes: false },
    { usage: '/patch show <finding>', what: 'one finding: versions, deadline, scanners and history', writes: false },
  ],
  create(k) {
    const service = new PatchesService({ store: k.store, dir: k.dir });
    const deadlines: PatchDeadlines = { recomputeDeadlines: (dir) => recomputeDeadlines({ store: k.store, clock: k.clock }, dir) };
    return {
      operations: [
        run(PatchOps.list, (c, a) => service.list(c, a)),
        run(PatchOps.show, (c, a) => service.show(c, a, c.now)),
        run(PatchOps.exception, (c, a) => service.exception(c, a)),
      ],
      provides: { [PATCH_DEADLINES]: deadlines },
      // Deadlines follow the policy Steward starts with (it may have changed while Steward was down).
      start: () =>
        void deadlines.recomputeDeadlines(k.dir()).then(
          (moved) => moved && k.log.info({ moved }, 'finding deadlines recomputed for the current policy'),
          (err) => k.log.error({ err: String(err) }, 'finding deadlines could not be recomputed'),
        ),
    };
  },
};
