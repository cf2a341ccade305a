// Discord command definitions (manifests/discord-commands.json) and their bulk registration.
import { readFileSync } from 'node:fs';
import { DiscordAPIError, REST, Routes } from 'discord.js';
import { shippedFile } from '../../config/paths.js';

export interface DiscordCommandOption {
  type: number;
  name: string;
  description: string;
  required?: boolean;
  max_length?: number;
  choices?: { name: string; value: string }[];
  options?: DiscordCommandOption[];
}
export interface DiscordCommandDefinition {
  name: string;
  description: string;
  type: 1;
  options?: DiscordCommandOption[];
  /** Where the command may be used: 0 guild (not 1 a DM with the bot, not 2 a group DM). */
  contexts: 0[];
  /** How it is installed: 0 in a guild (not 1 by a user, which would carry it into other guilds). */
  integration_types: 0[];
  /** The older switch for the same: no command in DMs. */
  dm_permission: false;
}

export function loadCommandDefinitions(
  file = shippedFile('manifests', 'discord-commands.json'),
): DiscordCommandDefinition[] {
  return JSON.parse(readFileSync(file, 'utf8')) as DiscordCommandDefinition[];
}

/** Where the commands are registered, and what Discord answered there. */
export type Registration = { scope: string; commands: string[] } | { scope: string; error: string };

/**
 * Bulk-overwrites the application's commands in each of `guildIds` (one request per guild), or
 * globally when there are none. Idempotent: registering the same definitions twice leaves the
 * same set. A guild Discord refuses (the bot is not in it) does not stop the others; a global
 * registration that fails throws.
 */
export async function registerCommands(
  opts: { token: string; applicationId: string; apiUrl?: string; guildIds?: readonly string[] },
  defs = loadCommandDefinitions(),
): Promise<Registration[]> {
  const rest = new REST(opts.apiUrl ? { api: opts.apiUrl } : {}).setToken(opts.token);
  const put = async (route: `/${string}`) =>
    ((await rest.put(route, { body: defs })) as { id: string; name: string }[]).map((c) => c.name);
  if (!opts.guildIds?.length)
    return [{ scope: 'global', commands: await put(Routes.applicationCommands(opts.applicationId)) }];
  const done: Registration[] = [];
  for (const guild of opts.guildIds) {
    const scope = `guild ${guild}`;
    try {
      done.push({ scope, commands: await put(Routes.applicationGuildCommands(opts.applicationId, guild)) });
    } catch (err) {
      done.push({
        scope,
        error: err instanceof DiscordAPIError ? `Discord answered ${err.status}: ${err.message}` : String(err),
      });
    }
  }
  return done;
}

/** How many commands are registered globally (Discord offers them wherever the application is installed). */
export async function globalCommandCount(opts: {
  token: string;
  applicationId: string;
  apiUrl?: string;
}): Promise<number> {
  const rest = new REST(opts.apiUrl ? { api: opts.apiUrl } : {}).setToken(opts.token);
  return ((await rest.get(Routes.applicationCommands(opts.applicationId))) as unknown[]).length;
}

/** Empties the global command list (after a move to guild registration). */
export async function removeGlobalCommands(opts: {
  token: string;
  applicationId: string;
  apiUrl?: string;
}): Promise<void> {
  const rest = new REST(opts.apiUrl ? { api: opts.apiUrl } : {}).setToken(opts.token);
  await rest.put(Routes.applicationCommands(opts.applicationId), { body: [] });
}
