// The outbox effect kinds of change requests, with their payloads.
import { z } from 'zod';
import { effectKind } from '../outbox/effects.js';
import { platformSchema } from '../platform.js';

const change = z.number().int().positive();
const platform = platformSchema;

/** The change's card to a team channel, or an approver's request by direct message, on one platform. */
export const ChangeSend = effectKind(
  'change.send',
  z.object({ change, platform, to: z.string(), kind: z.enum(['card', 'approver']), person: z.string().optional() }),
);
/** Every copy of the change edited to its state at `version`. */
export const ChangeRefresh = effectKind('change.refresh', z.object({ change, version: z.number().int() }));
