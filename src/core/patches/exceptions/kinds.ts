// The outbox effect kinds of risk exceptions, with their payloads.
import { z } from 'zod';
import { platformSchema } from '../../platform.js';
import { effectKind } from '../../outbox/effects.js';

const exception = z.number().int().positive();
const platform = platformSchema;

/** The exception card to an approver (its request) or to an owner (it expired), by direct message on one platform. */
export const ExceptionSend = effectKind(
  'exception.send',
  z.object({ exception, platform, to: z.string(), kind: z.enum(['approver', 'expired']), person: z.string() }),
);
/** Every approver's copy edited to the exception's state at `version`. */
export const ExceptionRefresh = effectKind('exception.refresh', z.object({ exception, version: z.number().int() }));
