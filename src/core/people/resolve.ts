// Resolves how a user names a person in a command: a mention (as the adapters hand it, see
// mention.ts), a platform user id, a person id, or @name.
import type { Person } from '../policy/schema.js';
import type { Directory } from '../directory.js';
import { ID_PLATFORMS, type Platform } from '../platform.js';
import { readMention } from './mention.js';

export function resolvePerson(dir: Directory, platform: Platform, token: string): Person | undefined {
  const t = token.trim();
  const mention = readMention(t);
  if (mention) return dir.personOn(mention.platform, mention.userId);
  // A user id as the platform shows it (pasted, or chosen in a form's user picker): this platform's first.
  for (const p of [platform, ...ID_PLATFORMS.filter((x) => x !== platform)]) {
    if (p === 'console') continue;
    const found = dir.personOn(p, t);
    if (found) return found;
  }
  const id = t.replace(/^@/, '').toLowerCase();
  return (
    dir.person(id) ??
    dir.policy.people.find((p) => p.name.toLowerCase() === id || p.name.toLowerCase().split(' ')[0] === id)
  );
}
