// Where Steward answers (policy `access.slack`, `access.discord`): a pure decision about the place a
// chat request comes from, taken before the request reaches any use case. Adapters describe the
// place in their platform's terms; the policy decides.
import type { AccessPolicy } from './policy/schema.js';

/**
 * Where a request comes from. Slack: the workspace (team), its Enterprise Grid organisation and the
 * app the request was sent to. Discord: the guild (null in a DM or a user-installed context) and
 * what arrived: a slash command, a button (component), a modal submission, or a gateway event
 * (a pin or a reaction).
 */
export type Place =
  | { platform: 'slack'; team?: string; enterprise?: string; app?: string }
  | { platform: 'discord'; guild: string | null; kind: 'command' | 'component' | 'modal' | 'event' };

/** Why a request was dropped before the core (the `reason` of steward_requests_dropped_total). */
export type DropReason = 'foreign_workspace' | 'foreign_app' | 'foreign_guild' | 'direct_message';

/**
 * Why `access` refuses a request from `place`, or undefined when Steward answers there.
 *
 * - Slack, when `access.slack` is set: the workspace must be `access.slack.team` (a request that
 *   names none is foreign too), and the app `access.slack.app` when that is set.
 * - Discord: Steward's commands exist only in guilds, so a command without a guild (a DM, a
 *   user-installed context) is always refused. Buttons and forms in a DM are answered: page and
 *   approval notifications are sent by DM with buttons. When `access.discord` is set, anything
 *   from a guild it does not list is refused.
 */
export function placeRefusal(access: AccessPolicy, place: Place): DropReason | undefined {
  if (place.platform === 'slack') {
    const bound = access.slack;
    if (!bound) return undefined;
    if (place.team !== bound.team) return 'foreign_workspace';
    if (bound.app !== undefined && place.app !== bound.app) return 'foreign_app';
    return undefined;
  }
  if (place.guild === null) return place.kind === 'command' ? 'direct_message' : undefined;
  const guilds = access.discord?.guilds;
  if (guilds && !guilds.includes(place.guild)) return 'foreign_guild';
  return undefined;
}
