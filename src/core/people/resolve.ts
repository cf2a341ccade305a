// Resolves how a user names a person in a command: a platform mention, a person id, or @name.
import type { Person } from '../policy/schema.js';
import type { Directory } from '../directory.js';
import type { Platform } from '../ports.js';

export function resolvePerson(dir: Directory, platform: Platform, token: string): Person | undefined {
  const t = token.trim();
  const mention = /^<@!?([A-Z0-9]+|\d+)(?:\|[^>]*)?>$/.exec(t);
  if (mention) return dir.personOn(platform, mention[1]!);
  if (/^\d{15,21}$/.test(t)) return dir.personOn('discord', t);
  if (/^[UW][A-Z0-9]{2,}$/.test(t)) return dir.personOn('slack', t);
  const id = t.replace(/^@/, '').toLowerCase();
  return (
    dir.person(id) ??
    dir.policy.people.find((p) => p.name.toLowerCase() === id || p.name.toLowerCase().split(' ')[0] === id)
  );
}
