// Who a change opened through the HTTP API is requested by (pure): the token alone, or the person
// the body names as `requester` (a person id, or their Slack or Discord user id) when the token's
// policy entry lists that person under `people`. The named person is the change's requester, so
// separation of duties applies to them: they cannot approve it. With changes.api.requireRequester
// a body that names nobody is refused.
import type { ApiToken } from '../api/tokens.js';
import type { Directory } from '../directory.js';
import { type ActorRef, ID_PLATFORMS, type Platform } from '../platform.js';
import type { Person } from '../policy/schema.js';
import { tokenRequester } from './model.js';

/**
 * Who asks for a change: a chat user who is a policy person, or a pipeline token (`platform: 'api'`,
 * `userId` its id) standing alone (`personId` api:<token id>) or for the person it named.
 */
export interface Requester {
  personId: string;
  actor: ActorRef;
  platform: Platform | 'api';
  userId: string;
  /** The zone the window is read in when not the person's (the API reads every window in the policy's). */
  timezone?: string;
}

/** The requester, or the problem of the body's `requester` field. */
export type ApiRequester = { ok: true; requester: Requester } | { ok: false; fields: { requester: string } };

/** The policy person `named` stands for: their id first, then a Slack or Discord user id. */
function personNamed(dir: Directory, named: string): Person | undefined {
  return dir.person(named) ?? ID_PLATFORMS.map((p) => dir.personOn(p, named)).find((p) => p !== undefined);
}

export function apiRequester(dir: Directory, token: ApiToken, named: string | undefined): ApiRequester {
  const refuse = (requester: string): ApiRequester => ({ ok: false, fields: { requester } });
  // Every window of the API is read in the policy's time zone, whoever is named: a pipeline's
  // "2026-12-03 14:00" does not move with the person who triggered it.
  const base = {
    actor: { platform: 'api' as const, platformUserId: token.id },
    platform: 'api' as const,
    userId: token.id,
    timezone: dir.policy.timezone,
  };
  if (named === undefined) {
    if (dir.policy.changes.api?.requireRequester)
      return refuse(
        `name the person who requests this change: changes opened through the API must name their requester (a person token ${token.id} lists under people)`,
      );
    return { ok: true, requester: { ...base, personId: tokenRequester(token.id) } };
  }
  if (!token.people?.length)
    return refuse(`token ${token.id} may not name a requester: its policy entry lists no people`);
  const person = personNamed(dir, named);
  if (!person)
    return refuse(`${named} is no person of the policy (name a person id, or their Slack or Discord user id)`);
  if (!token.people.includes(person.id)) return refuse(`${person.id} may not be named by token ${token.id}`);
  return { ok: true, requester: { ...base, personId: person.id } };
}
