// Key/value settings stored in the database.
import type { SettingsRepo } from '../core/ports.js';
import type { Queryable } from './client.js';

export class PrismaSettingsRepo implements SettingsRepo {
  constructor(private readonly db: Queryable) {}

  async get(key: string): Promise<string | null> {
    const row = await this.db.setting.findUnique({ where: { key }, select: { value: true } });
    return row?.value ?? null;
  }

  async set(key: string, value: string, at: Date): Promise<void> {
    await this.db.$executeRaw`
      INSERT INTO "setting" ("key", "value", "updated_at") VALUES (${key}, ${value}, ${at})
      ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "updated_at" = excluded."updated_at"`;
  }
}
