// POST /api/v1/policy/reload (scope policy:reload): re-read the policy file now, as SIGHUP does.
import { z } from 'zod';
import type { Api } from './api.js';
import type { Route } from './server.js';

export type PolicyReloadResult = { ok: true; changed: boolean; sha256: string } | { ok: false; error: string };

/** The body is empty or `{}`: the file to read is the one Steward started with. */
const body = z.object({}).strict().optional();

export function policyReloadRoute(api: Api, reload: () => Promise<PolicyReloadResult>): Route {
  return api.route('policy:reload', async (r) => {
    const input = await r.json(body);
    if (!input.ok) return input.problem;
    const result = await reload();
    if (!result.ok) return { status: 422, body: { error: 'policy refused', detail: result.error } };
    return { status: 200, body: { outcome: result.changed ? 'applied' : 'unchanged', sha256: result.sha256 } };
  });
}
