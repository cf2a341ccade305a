// The operations /patch commands and buttons run, with their typed arguments.
import { z } from 'zod';
import { count, id, numberRef } from '../args.js';
import { operation } from '../module.js';

const flag = z.preprocess((v) => v === true || v === 'true' || v === '1', z.boolean()).optional();

export const PatchOps = {
  list: operation('patch.list', z.object({ scope: id.optional(), overdue: flag, offset: count.optional() }), 'read'),
  show: operation('patch.show', z.object({ finding: numberRef('F') }), 'read'),
  /** Opens the risk exception form (justification, expiry). */
  exception: operation('patch.exception', z.object({ finding: numberRef('F') }), 'member'),
  /** /patch digest [team]: the team's digest now (default: the viewer's teams). */
  digest: operation('patch.digest', z.object({ team: id.optional() }), 'read'),
  /** Opens the risk exception form for a finding named in it (the digest's Request exception). */
  requestException: operation('patch.request_exception', z.object({ team: id.optional() }), 'member'),
  approve: operation('exception.approve', z.object({ exception: numberRef('EXC') }), 'member'),
  reject: operation('exception.reject', z.object({ exception: numberRef('EXC') }), 'member'),
};
