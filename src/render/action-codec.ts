// Buttons carry a Command. It travels as a compact id string (Slack value / Discord custom_id,
// at most 100 characters) and is parsed back with the same zod schema as typed commands.
import { COMMAND_ARGS, commandSchema, type Command, type CommandKind } from '../core/commands.js';
import { DISCORD } from './limits.js';

const PREFIX = 'st1';
const SEP = '|';

export function encodeAction(cmd: Command): string {
  const args = (COMMAND_ARGS[cmd.kind] as readonly string[]).map((a) => {
    const v = (cmd as Record<string, unknown>)[a];
    const s = v === undefined ? '' : String(v);
    if (s.includes(SEP)) throw new Error(`action argument contains "${SEP}": ${s}`);
    return s;
  });
  const id = [PREFIX, cmd.kind, ...args].join(SEP);
  if (id.length > DISCORD.CUSTOM_ID) throw new Error(`action id longer than ${DISCORD.CUSTOM_ID}: ${id}`);
  return id;
}

export type Decoded = { ok: true; command: Command } | { ok: false; reason: string };

export function decodeAction(id: string): Decoded {
  const [prefix, kind, ...args] = id.split(SEP);
  if (prefix !== PREFIX) return { ok: false, reason: 'not a Steward action' };
  const names = COMMAND_ARGS[kind as CommandKind] as readonly string[] | undefined;
  if (!names) return { ok: false, reason: `unknown action "${kind}"` };
  if (args.length !== names.length) return { ok: false, reason: `action "${kind}" expects ${names.length} argument(s)` };
  const obj: Record<string, unknown> = { kind };
  names.forEach((n, i) => {
    if (args[i] !== '') obj[n] = args[i];
  });
  const r = commandSchema.safeParse(obj);
  return r.success ? { ok: true, command: r.data } : { ok: false, reason: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
}
