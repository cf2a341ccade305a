// The operations /page commands and the page buttons run, with their typed arguments.
import { z } from 'zod';
import { count, numberRef, personRef, text } from '../args.js';
import { operation } from '../module.js';

const page = numberRef('PAGE');

export const PageOps = {
  create: operation('page.create', z.object({ target: personRef, message: text(1000) }), 'member'),
  list: operation('page.list', z.object({}), 'read'),
  ack: operation('page.ack', z.object({ page }), 'member'),
  escalate: operation('page.escalate', z.object({ page, step: count }), 'member'),
  resolve: operation('page.resolve', z.object({ page }), 'member'),
};
