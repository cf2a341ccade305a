// Maps platform users to policy people; records every platform user the first time they are seen.
import type { Actor, Invocation } from '../context.js';
import type { Directory } from '../directory.js';
import type { Store } from '../ports.js';

/** Remembers (per process) which users are already recorded, so repeat requests cost no write. */
const SEEN_CACHE_MAX = 10_000;

export class Identity {
  private readonly recorded = new Map<string, string | null>();

  constructor(
    private readonly store: Store,
    private readonly dir: () => Directory,
  ) {}

  async resolve(inv: Invocation, now: Date): Promise<Actor> {
    const person = this.dir().personOn(inv.platform, inv.userId);
    const actor: Actor = {
      platform: inv.platform,
      userId: inv.userId,
      displayName: person?.name ?? inv.userName ?? inv.userId,
      person,
      ref: { platform: inv.platform, platformUserId: inv.userId, personId: person?.id },
    };
    const key = `${inv.platform}:${inv.userId}`;
    const personId = person?.id ?? null;
    if (this.recorded.get(key) !== personId) {
      await this.record(actor, inv, now);
      if (this.recorded.size >= SEEN_CACHE_MAX) this.recorded.delete(this.recorded.keys().next().value!);
      this.recorded.set(key, personId);
    }
    return actor;
  }

  private async record(actor: Actor, inv: Invocation, now: Date) {
    await this.store.transaction(async (tx) => {
      const before = await tx.identity.find(inv.platform, inv.userId);
      const { created, user } = await tx.identity.recordSeen(
        {
          platform: inv.platform,
          platformUserId: inv.userId,
          displayName: inv.userName ?? null,
          personId: actor.person?.id ?? null,
        },
        now,
      );
      if (created || before?.personId !== user.personId) {
        await tx.audit.append(
          {
            actor: actor.ref,
            action: created ? 'identity.first_seen' : 'identity.mapping_changed',
            subject: `identity:${inv.platform}:${inv.userId}`,
            before: before ? { personId: before.personId } : undefined,
            after: { personId: user.personId, displayName: user.displayName },
          },
          now,
        );
      }
    });
  }
}
