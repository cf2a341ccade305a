// Discord command definitions (manifests/discord-commands.json) and their bulk registration.
import { readFileSync } from 'node:fs';
import { REST, Routes } from 'discord.js';
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
}

export function loadCommandDefinitions(file = shippedFile('manifests', 'discord-commands.json')): DiscordCommandDefinition[] {
  return JSON.parse(readFileSync(file, 'utf8')) as DiscordCommandDefinition[];
}

/**
 * Bulk-overwrites the application's commands (globally, or in one guild when `guildId` is given).
 * Idempotent: registering the same definitions twice leaves the same set.
 */
export async function registerCommands(opts: { token: string; applicationId: string; apiUrl?: string; guildId?: string }, defs = loadCommandDefinitions()) {
  const rest = new REST(opts.apiUrl ? { api: opts.apiUrl } : {}).setToken(opts.token);
  const route = opts.guildId ? Routes.applicationGuildCommands(opts.applicationId, opts.guildId) : Routes.applicationCommands(opts.applicationId);
  const result = (await rest.put(route, { body: defs })) as { id: string; name: string }[];
  return { scope: opts.guildId ? `guild ${opts.guildId}` : 'global', commands: result.map((c) => c.name) };
}
