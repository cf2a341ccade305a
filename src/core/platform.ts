// Who acts, from where: the chat platforms and the actor reference recorded in the audit log.
import { z } from 'zod';

/** Every chat platform Steward speaks, the one list the types, schemas and loops derive from. */
export const PLATFORMS = ['slack', 'discord', 'console'] as const;
export type Platform = (typeof PLATFORMS)[number];
/** The platforms a policy person or channel has an id on (the console uses policy ids). */
export const ID_PLATFORMS = ['slack', 'discord'] as const satisfies readonly Platform[];
export const platformSchema = z.enum(PLATFORMS);
export type ActorPlatform = Platform | 'system' | 'cli' | 'api';

/** Who did something, as recorded in the audit log. */
export interface ActorRef {
  platform: ActorPlatform;
  /** Platform user id (Slack U…, Discord snowflake, console person id); absent for system actors. */
  platformUserId?: string;
  /** Policy person id when the platform user maps to one. */
  personId?: string;
}
