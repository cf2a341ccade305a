// Slash-command text → zod-typed Command. Shared by Slack, Discord (options joined to text) and the console.
import { commandSchema, type Command } from '../../core/commands.js';
import type { CoreError } from '../../core/errors.js';

export const COMMAND_NAMES = ['service', 'steward'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export const USAGE: Record<CommandName, string> = {
  service: '/service list [team] · /service show <id>',
  steward: '/steward help',
};

export type Parsed = { ok: true; command: Command } | { ok: false; error: CoreError };

/** Splits on whitespace, keeping "quoted strings" together; unwraps Slack `<@U1|name>` mention syntax. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|“([^”]*)”|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

export function parseCommand(name: string, text: string): Parsed {
  const cmd = name.replace(/^\//, '').toLowerCase();
  if (!(COMMAND_NAMES as readonly string[]).includes(cmd)) {
    return invalid('COMMAND.UNKNOWN', `Steward has no command /${cmd}.`, 'Try /steward help.');
  }
  const [sub = '', ...args] = tokenize(text.trim());
  const usage = USAGE[cmd as CommandName];
  const build = (obj: Record<string, unknown>): Parsed => {
    const r = commandSchema.safeParse(obj);
    if (r.success) return { ok: true, command: r.data };
    const issue = r.error.issues[0];
    return invalid('COMMAND.INVALID', `/${cmd} ${sub}: ${issue.path.join('.') || 'input'} ${issue.message}.`, `Usage: ${usage}`);
  };
  switch (`${cmd} ${sub.toLowerCase()}`) {
    case 'service list':
    case 'service ':
      if (args.length > 1) return invalid('COMMAND.INVALID', '/service list takes at most one team id.', `Usage: ${usage}`);
      return build({ kind: 'service.list', ...(args[0] ? { team: args[0].toLowerCase() } : {}) });
    case 'service show':
      if (args.length !== 1) return invalid('COMMAND.INVALID', '/service show needs exactly one service id.', `Usage: ${usage}`);
      return build({ kind: 'service.show', id: args[0].toLowerCase() });
    case 'steward help':
    case 'steward ':
      return build({ kind: 'steward.help' });
    default:
      return invalid('COMMAND.INVALID', `/${cmd} has no subcommand "${sub}".`, `Usage: ${usage}`);
  }
}

function invalid(code: CoreError['code'], message: string, hint?: string): Parsed {
  return { ok: false, error: { code, message, hint } };
}
