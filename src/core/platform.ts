// Who acts, from where: the chat platforms and the actor reference recorded in the audit log.

export type Platform = 'slack' | 'discord' | 'console';
export type ActorPlatform = Platform | 'system' | 'cli' | 'api';

/** Who did something, as recorded in the audit log. */
export interface ActorRef {
  platform: ActorPlatform;
  /** Platform user id (Slack U…, Discord snowflake, console person id); absent for system actors. */
  platformUserId?: string;
  /** Policy person id when the platform user maps to one. */
  personId?: string;
}
