// Who is asking, from where: the input every use case receives.
import type { Person } from './policy/schema.js';
import type { ActorRef, Platform } from './ports.js';

/** One inbound request as the adapters describe it. */
export interface Invocation {
  platform: Platform;
  /** Platform user id: Slack U…, Discord snowflake, console person id. */
  userId: string;
  userName?: string;
  channelId?: string;
  requestId: string;
}

/** The resolved actor: a policy person, or an unknown platform user with read-only access. */
export interface Actor {
  platform: Platform;
  userId: string;
  displayName: string;
  person?: Person;
  ref: ActorRef;
}

export interface Ctx {
  inv: Invocation;
  actor: Actor;
  now: Date;
}

export type Access = 'read' | 'member';
