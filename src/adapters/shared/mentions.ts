// Platform mentions in command text, turned into the core's neutral form (`@slack:U0BOB`,
// `@discord:111111111111111112`; src/core/people/mention.ts) before the text is parsed: the core
// knows no platform's mention syntax.
import { mentionOf } from '../../core/people/mention.js';
import type { Platform } from '../../core/platform.js';

/** Slack: `<@U0BOB>` or `<@U0BOB|bob>` (slash commands with escaped users). */
const SLACK = /<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>/g;
/** Discord: `<@111…>` or the older nickname form `<@!111…>`. */
const DISCORD = /<@!?(\d{15,21})>/g;

export function neutralMentions(platform: Platform, text: string): string {
  if (!text.includes('<@')) return text;
  if (platform === 'slack') return text.replace(SLACK, (_, id: string) => mentionOf('slack', id));
  if (platform === 'discord') return text.replace(DISCORD, (_, id: string) => mentionOf('discord', id));
  return text;
}
