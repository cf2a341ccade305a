// The operations /change commands and the approval buttons run, with their typed arguments.
import { z } from 'zod';
import { numberRef } from '../args.js';
import { operation } from '../module.js';

const change = numberRef('CHG');

export const ChangeOps = {
  request: operation('change.request', z.object({ title: z.string().trim().max(100).optional() }), 'member'),
  list: operation(
    'change.list',
    z.object({ filter: z.enum(['open', 'mine', 'pending', 'today', 'week']).default('open') }),
    'read',
  ),
  show: operation('change.show', z.object({ change }), 'read'),
  calendar: operation('change.calendar', z.object({}), 'read'),
  start: operation('change.start', z.object({ change }), 'member'),
  complete: operation('change.complete', z.object({ change }), 'member'),
  rollback: operation('change.rollback', z.object({ change }), 'member'),
  cancel: operation('change.cancel', z.object({ change }), 'member'),
  /** The change as scheduled maintenance on the status page. */
  publish: operation('change.publish', z.object({ change }), 'member'),
  approve: operation('change.approve', z.object({ change }), 'member'),
  reject: operation('change.reject', z.object({ change }), 'member'),
};
