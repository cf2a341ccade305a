// Where Steward reaches a person (direct messages) or a team (its channel) on a platform: the
// platform's id from the policy, or on the console the person's or team's own id.
import type { Directory } from '../directory.js';
import type { Platform } from '../ports.js';

export interface Address {
  platform: Platform;
  to: string;
}

/** The person's id on `platform` (undefined: not reachable there). */
export function personOn(dir: Directory, platform: Platform, personId: string): string | undefined {
  const p = dir.person(personId);
  return platform === 'console' ? p?.id : p?.[platform];
}

/** The team's channel on `platform` (undefined: none configured). */
export function teamChannelOn(dir: Directory, platform: Platform, teamId: string): string | undefined {
  const t = dir.team(teamId);
  return platform === 'console' ? t?.id : t?.channels?.[platform];
}

/** Every platform of `platforms` where the person is reachable. */
export function personAddresses(dir: Directory, platforms: readonly Platform[], personId: string): Address[] {
  return platforms.flatMap((platform) => {
    const to = personOn(dir, platform, personId);
    return to ? [{ platform, to }] : [];
  });
}

/** Every platform of `platforms` where the team has a channel. */
export function teamChannels(dir: Directory, platforms: readonly Platform[], teamId: string): Address[] {
  return platforms.flatMap((platform) => {
    const to = teamChannelOn(dir, platform, teamId);
    return to ? [{ platform, to }] : [];
  });
}
