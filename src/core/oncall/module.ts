// On call as a module: `/oncall [service|schedule]`, `/oncall override <@user> <duration>
// [schedule]`, `/oncall override cancel <#id|schedule>`, and who holds a schedule for paging.
import { oncallPolicy } from './policy-section.js';
import { checkOncallPolicy } from './policy-checks.js';
import { z } from 'zod';
import { id, personRef } from '../args.js';
import { build, invalid, subcommand, tokenize } from '../grammar.js';
import { operation, run, provide, type StewardModule } from '../module.js';
import { PAGING_ONCALL, type PagingOnCall } from '../paging/links.js';
import { OnCall, overrideRef } from './oncall.js';

export const OnCallOps = {
  show: operation('oncall.show', z.object({ target: id.optional() }), 'read'),
  override: operation(
    'oncall.override',
    z.object({
      user: personRef,
      duration: z.string().regex(/^[1-9]\d*(m|h|d|w)$/, 'must be a duration such as 30m, 4h, 2d or 1w'),
      schedule: id.optional(),
    }),
    'member',
  ),
  cancel: operation(
    'oncall.override_cancel',
    z.object({
      override: z
        .string()
        .regex(
          /^(#?\d{1,9}|[a-z0-9][a-z0-9-]{0,63})$/,
          'must be an override id such as #3, or a schedule or service id',
        ),
    }),
    'member',
  ),
};

const USAGE =
  '/oncall [service or schedule] · /oncall show [service or schedule] · /oncall override <@user> <duration> [schedule] · /oncall override cancel <#id|schedule> (also /oncall cancel)';
const NEEDS = '/oncall override needs a person and a duration, e.g. /oncall override @bea 4h.';

/** `/oncall override cancel <#id|schedule>` (Discord: `/oncall cancel`). */
function cancel(args: string[]) {
  if (args.length !== 1)
    return invalid(
      'COMMAND.INVALID',
      '/oncall override cancel needs the override (#3, shown by /oncall) or a schedule id.',
      `Usage: ${USAGE}`,
    );
  return build(OnCallOps.cancel, { override: args[0]!.toLowerCase() }, '/oncall override cancel', USAGE);
}

function parse(line: string) {
  const { sub, rest } = subcommand(line);
  const args = tokenize(rest);
  const label = `/oncall ${sub}`;
  switch (sub) {
    case '':
      return build(OnCallOps.show, {}, label, USAGE);
    case 'show':
      if (args.length > 1)
        return invalid('COMMAND.INVALID', '/oncall takes at most one service or schedule id.', `Usage: ${USAGE}`);
      return build(OnCallOps.show, args[0] ? { target: args[0].toLowerCase() } : {}, label, USAGE);
    case 'cancel':
      return cancel(args);
    case 'override': {
      if (args[0]?.toLowerCase() === 'cancel') return cancel(args.slice(1));
      if (args.length < 2 || args.length > 3) return invalid('COMMAND.INVALID', NEEDS, `Usage: ${USAGE}`);
      // In any order: the duration, the person (a mention, else the first other word), the schedule.
      const left = [...args];
      const take = (pred: (a: string) => boolean) => {
        const i = left.findIndex(pred);
        return i < 0 ? undefined : left.splice(i, 1)[0];
      };
      const duration = take((a) => /^\d+[a-z]+$/i.test(a));
      const user = take((a) => a.startsWith('@')) ?? take(() => true);
      if (!duration || !user) return invalid('COMMAND.INVALID', NEEDS, `Usage: ${USAGE}`);
      return build(
        OnCallOps.override,
        { user, duration: duration.toLowerCase(), ...(left[0] ? { schedule: left[0].toLowerCase() } : {}) },
        label,
        USAGE,
      );
    }
    default:
      if (args.length === 0) return build(OnCallOps.show, { target: sub }, '/oncall', USAGE);
      return invalid('COMMAND.INVALID', `/oncall has no subcommand "${sub}".`, `Usage: ${USAGE}`);
  }
}

export const oncallModule: StewardModule = {
  id: 'oncall',
  policy: oncallPolicy,
  checkPolicy: checkOncallPolicy,
  commands: [
    {
      name: 'oncall',
      description: 'Who is on call now and next; cover a shift',
      usage: USAGE,
      slackHint: '[service | schedule] | override <@user> <duration> [schedule] | override cancel <#id>',
      parse,
      options: [
        {
          type: 'subcommand',
          name: 'show',
          description: 'Who is on call now and next',
          options: [
            {
              type: 'string',
              name: 'target',
              description: "A service or schedule id (default: your teams' schedules)",
              required: false,
              maxLength: 64,
            },
          ],
        },
        {
          type: 'subcommand',
          name: 'override',
          description: 'Someone covers a schedule from now for a while',
          options: [
            { type: 'user', name: 'user', description: 'Who covers', required: true },
            {
              type: 'string',
              name: 'duration',
              description: 'How long, e.g. 30m, 4h, 2d',
              required: true,
              maxLength: 8,
            },
            {
              type: 'string',
              name: 'schedule',
              description: 'Schedule or service id (default: the one you are on call for)',
              required: false,
              maxLength: 64,
            },
          ],
        },
        {
          type: 'subcommand',
          name: 'cancel',
          description: 'Cancel an override (yours, or one you set up)',
          options: [
            {
              type: 'string',
              name: 'override',
              description: 'The override, e.g. #3 (shown by /oncall), or a schedule id',
              required: true,
              maxLength: 64,
            },
          ],
        },
      ],
    },
  ],
  operations: Object.values(OnCallOps),
  help: [
    { usage: '/oncall [service|schedule]', what: 'who is on call now and next, in your time zone', writes: false },
    { usage: '/oncall override <@user> <duration> [schedule]', what: 'someone covers a shift from now', writes: true },
    { usage: '/oncall override cancel <#id|schedule>', what: 'cancel an override you cover or set up', writes: true },
  ],
  create(k) {
    const oncall = new OnCall({ store: k.store, clock: k.clock, dir: k.dir });
    const holder: PagingOnCall = { holdersAt: (tx, ids, at) => oncall.holdersAt(tx.overrides, ids, at) };
    return {
      operations: [
        run(OnCallOps.show, (c, a) => oncall.show(c, a.target)),
        run(OnCallOps.override, (c, a) => oncall.override(c, a.user, a.duration, a.schedule)),
        run(OnCallOps.cancel, (c, a) => oncall.cancelOverride(c, overrideRef(a.override))),
      ],
      provides: [provide(PAGING_ONCALL, holder)],
    };
  },
};
