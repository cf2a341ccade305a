// The operations /service commands and buttons run, with their typed arguments.
import { z } from 'zod';
import { id } from '../args.js';
import { operation } from '../module.js';

export const ServiceOps = {
  list: operation('service.list', z.object({ team: id.optional() }), 'read'),
  show: operation('service.show', z.object({ id }), 'read'),
  escalation: operation('service.escalation', z.object({ id }), 'read'),
};
