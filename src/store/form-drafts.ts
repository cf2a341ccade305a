// Form drafts on Prisma: one row per form nonce, replaced by the latest values.
import type { FormDraftRepo } from '../core/forms/ports.js';
import type { Queryable } from './client.js';

export class PrismaFormDraftRepo implements FormDraftRepo {
  constructor(private readonly db: Queryable) {}

  async save(nonce: string, kind: string, values: Record<string, string>, at: Date): Promise<void> {
    const fieldValues = JSON.stringify(values);
    await this.db.formDraft.upsert({
      where: { nonce },
      create: { nonce, kind, fieldValues, createdAt: at },
      update: { fieldValues, createdAt: at },
    });
  }

  async get(nonce: string): Promise<{ kind: string; values: Record<string, string> } | null> {
    const row = await this.db.formDraft.findUnique({ where: { nonce } });
    return row ? { kind: row.kind, values: JSON.parse(row.fieldValues) as Record<string, string> } : null;
  }

  async prune(before: Date): Promise<number> {
    return (await this.db.formDraft.deleteMany({ where: { createdAt: { lt: before } } })).count;
  }
}
