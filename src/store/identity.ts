// Platform users the bot has seen.
import type { IdentityRepo, Platform, SeenUser } from '../core/ports.js';
import type { SeenUser as SeenUserRow } from './generated/sqlite/client.js';
import type { Queryable } from './client.js';

function toSeenUser(row: SeenUserRow): SeenUser {
  return {
    platform: row.platform as Platform,
    platformUserId: row.platformUserId,
    displayName: row.displayName,
    personId: row.personId,
    firstSeenAt: row.firstSeenAt,
    lastSeenAt: row.lastSeenAt,
  };
}

export class PrismaIdentityRepo implements IdentityRepo {
  constructor(private readonly db: Queryable) {}

  /**
   * Inserts the user if new (created = true). Otherwise refreshes lastSeenAt and personId, and
   * displayName when one is given (null keeps the name already known).
   */
  async recordSeen(
    u: { platform: Platform; platformUserId: string; displayName: string | null; personId: string | null },
    at: Date,
  ): Promise<{ created: boolean; user: SeenUser }> {
    const inserted = await this.db.$executeRaw`
      INSERT INTO "seen_user" ("platform", "platform_user_id", "display_name", "person_id", "first_seen_at", "last_seen_at")
      VALUES (${u.platform}, ${u.platformUserId}, ${u.displayName}, ${u.personId}, ${at}, ${at})
      ON CONFLICT ("platform", "platform_user_id") DO NOTHING`;
    if (inserted > 0) {
      return {
        created: true,
        user: {
          platform: u.platform,
          platformUserId: u.platformUserId,
          displayName: u.displayName,
          personId: u.personId,
          firstSeenAt: at,
          lastSeenAt: at,
        },
      };
    }
    const row = await this.db.seenUser.update({
      where: { platform_platformUserId: { platform: u.platform, platformUserId: u.platformUserId } },
      data: { lastSeenAt: at, personId: u.personId, ...(u.displayName !== null ? { displayName: u.displayName } : {}) },
    });
    return { created: false, user: toSeenUser(row) };
  }

  async find(platform: Platform, platformUserId: string): Promise<SeenUser | null> {
    const row = await this.db.seenUser.findUnique({ where: { platform_platformUserId: { platform, platformUserId } } });
    return row ? toSeenUser(row) : null;
  }
}
