// Slash-command text → zod-typed Command. Shared by Slack, Discord (options joined to text) and the console.
import { commandSchema, type Command } from '../../core/commands.js';
import type { CoreError } from '../../core/errors.js';

export const COMMAND_NAMES = ['service', 'steward', 'incident', 'page', 'oncall'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export const USAGE: Record<CommandName, string> = {
  service: '/service list [team] · /service show <id>',
  steward: '/steward help',
  page: '/page <service> <message> · /page <person> <message> (a mention or person id) · list',
  oncall: '/oncall [service or schedule] · /oncall show [service or schedule] · /oncall override <@user> <duration> [schedule]',
  incident:
    '/incident declare [title] · update <text> · status <status> [text] · severity <SEV> · role <role> <@user> · resolve [summary] · list · timeline · postmortem · stats [30d] · help',
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
  const usage = USAGE[cmd as CommandName];
  if (cmd === 'incident') return parseIncident(text.trim(), usage);
  if (cmd === 'page') return parsePage(text.trim(), usage);
  const [sub = '', ...args] = tokenize(text.trim());
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
    case 'oncall ':
      return build({ kind: 'oncall.show' });
    case 'oncall show':
      if (args.length > 1) return invalid('COMMAND.INVALID', '/oncall takes at most one service or schedule id.', `Usage: ${usage}`);
      return build({ kind: 'oncall.show', ...(args[0] ? { target: args[0].toLowerCase() } : {}) });
    case 'oncall override': {
      if (args.length < 2 || args.length > 3) return invalid('COMMAND.INVALID', '/oncall override needs a person and a duration, e.g. /oncall override @bea 4h.', `Usage: ${usage}`);
      // In any order: the duration, the person (a mention, else the first other word), the schedule.
      const rest = [...args];
      const take = (pred: (a: string) => boolean) => {
        const i = rest.findIndex(pred);
        return i < 0 ? undefined : rest.splice(i, 1)[0];
      };
      const duration = take((a) => /^\d+[a-z]+$/i.test(a));
      const user = take((a) => /^<@|^@/.test(a)) ?? take(() => true);
      if (!duration || !user) return invalid('COMMAND.INVALID', '/oncall override needs a person and a duration, e.g. /oncall override @bea 4h.', `Usage: ${usage}`);
      return build({ kind: 'oncall.override', user, duration: duration.toLowerCase(), ...(rest[0] ? { schedule: rest[0].toLowerCase() } : {}) });
    }
    case 'steward help':
    case 'steward ':
      return build({ kind: 'steward.help' });
    default:
      if (cmd === 'oncall' && args.length === 0) return build({ kind: 'oncall.show', target: sub.toLowerCase() });
      return invalid('COMMAND.INVALID', `/${cmd} has no subcommand "${sub}".`, `Usage: ${usage}`);
  }
}

/** `/page <service|@person> <message…>` (the message keeps its spacing) · `/page list`. */
function parsePage(text: string, usage: string): Parsed {
  // Discord's subcommands arrive as "service <id> <message>" and "person <@id> <message>".
  const keyword = /^(service|person)\s+(\S+\s*.*)$/is.exec(text);
  const m = /^(\S*)\s*(.*)$/s.exec(keyword ? keyword[2] : text)!;
  const [target, message] = [m[1], m[2].trim()];
  if (target.toLowerCase() === 'list' && !message) return { ok: true, command: { kind: 'page.list' } };
  if (!target) return invalid('COMMAND.INVALID', '/page needs who to page and a message.', `Usage: ${usage}`);
  if (!message) return invalid('COMMAND.INVALID', `/page ${target}: say what is wrong, e.g. /page ${target} checkout returns 502.`, `Usage: ${usage}`);
  const r = commandSchema.safeParse({ kind: 'page.create', target, message });
  if (r.success) return { ok: true, command: r.data };
  const issue = r.error.issues[0];
  return invalid('COMMAND.INVALID', `/page: ${issue.path.join('.') || 'input'} ${issue.message}.`, `Usage: ${usage}`);
}

/** `/incident <sub> [INC-n] …`: free text keeps its spacing; INC-n is optional where the war room implies it. */
function parseIncident(text: string, usage: string): Parsed {
  const m = /^(\S*)\s*(.*)$/s.exec(text)!;
  const sub = m[1].toLowerCase();
  let rest = m[2];
  let incident: number | undefined;
  const inc = /^INC-(\d+)\b\s*(.*)$/is.exec(rest);
  if (inc) {
    incident = Number(inc[1]);
    rest = inc[2];
  }
  const words = tokenize(rest);
  const build = (obj: Record<string, unknown>): Parsed => {
    const r = commandSchema.safeParse(obj);
    if (r.success) return { ok: true, command: r.data };
    const issue = r.error.issues[0];
    return invalid('COMMAND.INVALID', `/incident ${sub}: ${issue.path.join('.') || 'input'} ${issue.message}.`, `Usage: ${usage}`);
  };
  const opt = (v: string) => (v.trim() ? v.trim() : undefined);
  switch (sub) {
    case 'declare':
      return build({ kind: 'incident.declare', title: opt(rest) });
    case 'update':
      if (!rest.trim()) return invalid('COMMAND.INVALID', '/incident update needs the text of the update.', 'Example: /incident update Rolled back the deploy; error rate falling');
      return build({ kind: 'incident.update', incident, text: rest.trim() });
    case 'status': {
      const [status = '', ...more] = rest.trim().split(/\s+/);
      return build({ kind: 'incident.status', incident, status: status.toLowerCase(), text: opt(rest.trim().slice(status.length)) ?? (more.length ? more.join(' ') : undefined) });
    }
    case 'severity':
    case 'sev':
      if (words.length !== 1) return invalid('COMMAND.INVALID', '/incident severity needs one severity, e.g. SEV1.', `Usage: ${usage}`);
      return build({ kind: 'incident.severity', incident, severity: words[0].toUpperCase() });
    case 'role':
      if (words.length !== 2) return invalid('COMMAND.INVALID', '/incident role needs a role and a person, e.g. /incident role commander @bea.', `Usage: ${usage}`);
      return build({ kind: 'incident.role', incident, role: words[0].toLowerCase(), user: words[1] });
    case 'resolve':
      return build({ kind: 'incident.resolve', incident, summary: opt(rest) });
    case 'list':
      return build({ kind: 'incident.list' });
    case 'stats':
      return build({ kind: 'incident.stats', ...(words[0] ? { window: words[0].toLowerCase() } : {}) });
    case 'timeline':
      return build({ kind: 'incident.timeline', incident });
    case 'postmortem':
      return build({ kind: 'incident.postmortem', incident });
    case '':
    case 'help':
      return build({ kind: 'incident.help' });
    default:
      return invalid('COMMAND.INVALID', `/incident has no subcommand "${sub}".`, `Usage: ${usage}`);
  }
}

function invalid(code: CoreError['code'], message: string, hint?: string): Parsed {
  return { ok: false, error: { code, message, hint } };
}
