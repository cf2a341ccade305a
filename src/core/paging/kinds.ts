// The outbox effect kinds of paging, with their payloads.
import { z } from 'zod';
import { effectKind } from '../outbox/effects.js';
import { platformSchema } from '../platform.js';

const page = z.number().int().positive();

/** A message of step `seq` of a page to one person (direct message) or team channel, on one platform. */
const stepMessage = z.object({
  page,
  seq: z.number().int().min(0),
  platform: platformSchema,
  to: z.string(),
  kind: z.enum(['dm', 'channel']),
});

/** One page message to one person (direct message) or team channel, on one platform. */
export const PageSend = effectKind('page.send', stepMessage);
/** Every copy of the page edited to its state at `version`. */
export const PageRefresh = effectKind('page.refresh', z.object({ page, version: z.number().int() }));
/** The page card in its incident's war room. */
export const PageRoom = effectKind('page.room', z.object({ page }));
/**
 * A step could not fire after repeated tries: its service team's channel (or, without one, whoever
 * paged) hears that the page could not escalate. The message is a copy of the page card, kept current.
 */
export const PageStepFailed = effectKind('page.step_failed', stepMessage);
