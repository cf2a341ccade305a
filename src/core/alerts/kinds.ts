// The outbox effect kinds of alerts, with their payloads.
import { z } from 'zod';
import { effectKind } from '../outbox/effects.js';
import { platformSchema } from '../platform.js';

const group = z.number().int().positive();
const person = z.object({ id: z.string(), name: z.string() });

/** The alert card in one team channel, on one platform. */
export const AlertSend = effectKind('alert.send', z.object({ group, platform: platformSchema, to: z.string() }));
/** Every copy of the card edited to the group's state at `version`. */
export const AlertRefresh = effectKind('alert.refresh', z.object({ group, version: z.number().int() }));
/** One storm notice per integration and rate window, in the team channel of the integration's service. */
export const AlertStorm = effectKind(
  'alert.storm',
  z.object({ integration: z.string(), window: z.string(), platform: platformSchema, to: z.string() }),
);
/** The group's page follows the group: acknowledged or resolved (its own transaction, after the group's). */
export const AlertPageSync = effectKind(
  'alert.page_sync',
  z.object({
    group,
    page: z.number().int().positive(),
    action: z.enum(['acknowledge', 'resolve']),
    by: person.extend({ platform: z.string() }).nullable(),
  }),
);
/** A person acknowledged or resolved the group's page from chat: the group follows. */
export const AlertFromPage = effectKind(
  'alert.from_page',
  z.object({ page: z.number().int().positive(), action: z.enum(['acknowledge', 'resolve']), by: person.nullable() }),
);
