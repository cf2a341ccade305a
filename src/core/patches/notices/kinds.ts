// The outbox effect kinds of digests and owner reminders, with their payloads.
import { z } from 'zod';
import { platformSchema } from '../../platform.js';
import { effectKind } from '../../outbox/effects.js';

const platform = platformSchema;

/** A recorded digest posted to one team channel on one platform. */
export const DigestPost = effectKind(
  'patch.digest',
  z.object({ digest: z.number().int().positive(), platform, to: z.string() }),
);
/**
 * One owner's direct message on one platform: the findings that reached a point in one run
 * (`ahead`: remind.before ahead of the deadline; `passed`: the deadline passed). `findings` lists
 * the first of them; `total` counts them all.
 */
export const ReminderSend = effectKind(
  'patch.remind',
  z.object({
    run: z.string(),
    kind: z.enum(['ahead', 'passed']),
    platform,
    to: z.string(),
    person: z.string(),
    findings: z.array(z.number().int().positive()),
    total: z.number().int(),
  }),
);
