// Data lifecycle's outbox effect kinds.
import { z } from 'zod';
import { effectKind } from '../outbox/effects.js';
import { platformSchema } from '../platform.js';

/** Tells the operators' channel of one platform that a scheduled backup failed or is missing. */
export const BackupNotice = effectKind(
  'backup.notice',
  z.object({
    platform: platformSchema,
    to: z.string(),
    what: z.enum(['failed', 'missing']),
    occurrence: z.string(),
    detail: z.string(),
  }),
);
