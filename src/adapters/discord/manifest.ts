// The Discord command definitions (manifests/discord-commands.json) generated from what the
// composed modules declare: each module's slash command and its options, in Discord's numbers.
import type { CommandOption } from '../../core/module.js';
import type { Registry } from '../../core/registry.js';
import type { DiscordCommandDefinition, DiscordCommandOption } from './commands.js';

const TYPE = { subcommand: 1, string: 3, integer: 4, boolean: 5, user: 6 } as const;

function option(o: CommandOption): DiscordCommandOption {
  return {
    type: TYPE[o.type],
    name: o.name,
    description: o.description,
    ...(o.required !== undefined ? { required: o.required } : {}),
    ...(o.maxLength !== undefined ? { max_length: o.maxLength } : {}),
    ...(o.choices ? { choices: o.choices } : {}),
    ...(o.options ? { options: o.options.map(option) } : {}),
  };
}

/**
 * Every command exists in guilds only (contexts, integration types, DM permission): Steward answers
 * commands in the guilds its policy names, never in DMs or through a user's own installation.
 */
export function discordCommandDefinitions(registry: Registry): DiscordCommandDefinition[] {
  return [...registry.commands.values()].map((c) => ({
    name: c.name,
    description: c.description,
    type: 1,
    ...(c.options.length ? { options: c.options.map(option) } : {}),
    contexts: [0],
    integration_types: [0],
    dm_permission: false,
  }));
}
