// Incidents' policy checks: distinct severities, war-room names that cannot collide, a war-room
// guild Steward answers in.
import type { PolicyCheck } from '../policy/check.js';
import type { Policy } from '../policy/schema.js';

export function checkIncidentsPolicy(p: Policy, c: PolicyCheck): void {
  const sevs = new Set<string>();
  p.incidents.severities.forEach((s, i) => {
    if (sevs.has(s.id)) c.problem(['incidents', 'severities', i, 'id'], `duplicate severity "${s.id}"`);
    sevs.add(s.id);
  });
  if (!/\{number\}/.test(p.incidents.channelName)) c.problem(['incidents', 'channelName'], 'must contain {number} so every war room gets a distinct name');
  // War rooms in a guild Steward does not answer in would be rooms nobody could use Steward from.
  const guild = p.incidents.discord?.guild;
  const bound = p.access.discord?.guilds;
  if (guild && bound && !bound.includes(guild)) c.problem(['incidents', 'discord', 'guild'], `guild ${guild} is not one of access.discord.guilds (${bound.join(', ')}): Steward would drop everything from its war rooms`);
}
