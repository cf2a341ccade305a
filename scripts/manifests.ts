// Writes the slash commands of manifests/slack-app.yaml and all of manifests/discord-commands.json
// from the standard modules (`npm run manifests`); a test fails when the files in git are stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { discordCommandDefinitions } from '../src/adapters/discord/manifest.js';
import { standardRegistry } from '../src/adapters/shared/parse.js';
import { withSlashCommands } from '../src/adapters/slack/manifest.js';

const registry = standardRegistry();
const discord = new URL('../manifests/discord-commands.json', import.meta.url);
writeFileSync(discord, JSON.stringify(discordCommandDefinitions(registry), null, 2) + '\n');
const slack = new URL('../manifests/slack-app.yaml', import.meta.url);
writeFileSync(slack, withSlashCommands(readFileSync(slack, 'utf8'), registry));
console.log(`wrote ${discord.pathname} and the slash commands of ${slack.pathname}`);
