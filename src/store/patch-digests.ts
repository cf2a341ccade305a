// Patch SLA digests (one row per team and occurrence) and the send keys of patch SLA messages, on Prisma.
import type { DigestRecord, PatchDigestRepo } from '../core/patches/digests/ports.js';
import type { Queryable } from './client.js';

export class PrismaPatchDigestRepo implements PatchDigestRepo {
  constructor(private readonly db: Queryable) {}

  async record(d: Omit<DigestRecord, 'id'>): Promise<number | null> {
    const rows = await this.db.$queryRaw<{ id: number }[]>`
      INSERT INTO "patch_digest" ("team", "occurrence", "late", "overdue", "summary", "at") VALUES (${d.team}, ${d.occurrence}, ${d.late}, ${d.overdue}, ${d.summary}, ${d.at})
      ON CONFLICT ("team", "occurrence") DO NOTHING RETURNING "id"`;
    const [row] = rows;
    return row ? Number(row.id) : null;
  }

  byId(id: number): Promise<DigestRecord | null> {
    return this.db.patchDigest.findUnique({ where: { id } });
  }

  latest(team: string, before?: Date): Promise<DigestRecord | null> {
    return this.db.patchDigest.findFirst({
      where: { team, ...(before ? { occurrence: { lt: before } } : {}) },
      orderBy: [{ occurrence: 'desc' }, { id: 'desc' }],
    });
  }

  async hasMessage(sendKey: string): Promise<boolean> {
    return (await this.db.patchMessage.count({ where: { sendKey } })) > 0;
  }

  async addMessage(
    sendKey: string,
    m: { platform: string; channelId: string; messageId: string },
    at: Date,
  ): Promise<boolean> {
    const n = await this.db.$executeRaw`
      INSERT INTO "patch_message" ("send_key", "platform", "channel_id", "message_id", "at") VALUES (${sendKey}, ${m.platform}, ${m.channelId}, ${m.messageId}, ${at})
      ON CONFLICT ("send_key") DO NOTHING`;
    return n > 0;
  }
}
