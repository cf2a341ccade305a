// The operations /status runs, with their typed arguments.
import { z } from 'zod';
import { id } from '../args.js';
import { operation } from '../module.js';
import { COMPONENT_STATUSES } from './model.js';

export const StatusOps = {
  show: operation('status.show', z.object({}), 'read'),
  set: operation(
    'status.set',
    z.object({
      component: id,
      status: z.enum(COMPONENT_STATUSES, { error: `must be one of ${COMPONENT_STATUSES.join(', ')}` }),
    }),
    'member',
  ),
};
