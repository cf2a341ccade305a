// The outbox effect kinds of the status page, with their payloads.
import { z } from 'zod';
import { effectKind } from '../outbox/effects.js';
import { platformSchema } from '../platform.js';

const event = z.number().int().positive();

/** An event's message in the public announce channel of a platform (once; due when the event comes into view). */
export const StatusPost = effectKind('status.post', z.object({ event, platform: platformSchema }));
/** That message edited to the event as it is at `version`. */
export const StatusEdit = effectKind(
  'status.edit',
  z.object({ event, platform: platformSchema, version: z.number().int() }),
);
