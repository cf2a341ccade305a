// The operations /alert commands and the alert card's buttons run, with their typed arguments.
import { z } from 'zod';
import { id, numberRef, text } from '../args.js';
import { operation } from '../module.js';

const alert = numberRef('ALR');
const labelValue = z.string().min(1).max(256);

export const AlertOps = {
  list: operation(
    'alert.list',
    z.object({
      scope: id.optional(),
      state: z.enum(['firing', 'silenced', 'resolved']).optional(),
    }),
    'read',
  ),
  show: operation('alert.show', z.object({ alert }), 'read'),
  ack: operation('alert.ack', z.object({ alert }), 'member'),
  resolve: operation('alert.resolve', z.object({ alert }), 'member'),
  silence: operation(
    'alert.silence',
    z.object({
      matchers: z
        .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be label names such as alertname'), labelValue)
        .refine((m) => Object.keys(m).length > 0 && Object.keys(m).length <= 16, 'must name 1 to 16 labels'),
      minutes: z
        .number()
        .int()
        .min(1)
        .max(30 * 24 * 60),
      reason: text(500),
    }),
    'member',
  ),
  /** The card's Silence 1h: a silence of the group's labels. */
  silenceGroup: operation('alert.silence_group', z.object({ alert }), 'member'),
  /** The card's Declare incident: the declare form, filled from the group. */
  declare: operation('alert.declare', z.object({ alert }), 'member'),
  unsilence: operation('alert.unsilence', z.object({ silence: numberRef('SIL') }), 'member'),
  heartbeats: operation('alert.heartbeats', z.object({}), 'read'),
  pause: operation('alert.pause', z.object({ heartbeat: id }), 'member'),
  resume: operation('alert.resume', z.object({ heartbeat: id }), 'member'),
};
