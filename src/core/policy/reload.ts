// Reloading the policy through the HTTP API: `POST /api/v1/policy/reload` (scope policy:reload),
// a route of the kernel, so it is counted and recorded like every other entry. How the file is read
// is the composition root's business; it hands Steward the reloader.
import { z } from 'zod';
import type { HttpRouteDecl } from '../entry.js';
import { route, type StewardModule } from '../module.js';
import type { ActorRef } from '../platform.js';

export type PolicyReloadResult = { ok: true; changed: boolean; sha256: string } | { ok: false; error: string };
/** Re-reads the policy file; `actor` is who asked (absent: a signal). */
export type PolicyReloader = (actor?: ActorRef) => Promise<PolicyReloadResult>;

export const POLICY_RELOAD_ROUTE = {
  method: 'POST',
  path: '/api/v1/policy/reload',
  scope: 'policy:reload',
  op: 'policy.reload',
} as const satisfies HttpRouteDecl;

/** The body is empty or `{}`: the file to read is the one Steward started with. */
const body = z.object({}).strict().optional();

export function policyKernel(reload: PolicyReloader): StewardModule {
  return {
    id: 'policy',
    commands: [],
    operations: [],
    help: [],
    routes: [POLICY_RELOAD_ROUTE],
    create: () => ({
      operations: [],
      routes: [
        route(POLICY_RELOAD_ROUTE, async (ctx, r) => {
          const input = await r.json(body);
          if (!input.ok) return input.problem;
          const result = await reload(ctx.actor);
          if (!result.ok) return { status: 422, body: { error: 'policy refused', detail: result.error } };
          return { status: 200, body: { outcome: result.changed ? 'applied' : 'unchanged', sha256: result.sha256 } };
        }),
      ],
    }),
  };
}
