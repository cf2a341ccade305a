// How a mention of a platform user reaches the core: `@<platform>:<user id>` (`@slack:U0BOB`,
// `@discord:111111111111111112`), whatever the platform's own syntax. The adapters turn their
// platform's mentions into this form (src/adapters/shared/mentions.ts); the core reads only it.
import { PLATFORMS, type Platform } from '../platform.js';

export const mentionOf = (platform: Platform, userId: string): string => `@${platform}:${userId}`;

/** The platform user a neutral mention names, or undefined when `token` is not one. */
export function readMention(token: string): { platform: Platform; userId: string } | undefined {
  const m = /^@([a-z]+):(\S+)$/.exec(token.trim());
  if (!m || !(PLATFORMS as readonly string[]).includes(m[1]!)) return undefined;
  return { platform: m[1] as Platform, userId: m[2]! };
}

const IN_TEXT = /@([a-z]+):([A-Za-z0-9]+)/g;

/**
 * Free text (an update, a title, a reason) shows a mention as the person's name, `@Bob Builder`,
 * never as a live mention; a mention of someone the policy does not know stays as it came. A value
 * that is only a mention is a person reference and is left for the use case to resolve.
 */
export function nameMentions(text: string, nameOf: (platform: Platform, userId: string) => string | undefined): string {
  if (readMention(text) || !text.includes(':')) return text;
  return text.replace(IN_TEXT, (whole, platform: string, userId: string) => {
    if (!(PLATFORMS as readonly string[]).includes(platform)) return whole;
    const name = nameOf(platform as Platform, userId);
    return name ? `@${name}` : whole;
  });
}
