// Every command and button action Steward understands, as one zod-typed union.
// Adapters parse slash-command text, Discord options and button ids into this; only then does the core run.
import { z } from 'zod';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be an id such as payments-api');

export const commandSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('service.list'), team: id.optional() }),
  z.object({ kind: z.literal('service.show'), id }),
  z.object({ kind: z.literal('service.escalation'), id }),
  z.object({ kind: z.literal('steward.help') }),
]);

export type Command = z.infer<typeof commandSchema>;
export type CommandKind = Command['kind'];
export type CommandOf<K extends CommandKind> = Extract<Command, { kind: K }>;

/** Positional arguments of each kind, in the order used by compact button encodings. */
export const COMMAND_ARGS: { [K in CommandKind]: readonly (keyof Omit<CommandOf<K>, 'kind'> & string)[] } = {
  'service.list': ['team'],
  'service.show': ['id'],
  'service.escalation': ['id'],
  'steward.help': [],
};
