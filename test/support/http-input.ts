// Calls a module's HTTP route through Steward.http, as the HTTP adapter does after reading the
// request: the route key, the path parameters, a JSON (or raw) body and the bearer token's policy
// entry. For core tests, where the wire is not the subject.
import type { HttpAnswer, HttpInput } from '../../src/core/entry.js';
import type { Steward } from '../../src/core/steward.js';

export interface RouteCall {
  /** `METHOD /path` as the module declares it, e.g. `POST /api/v1/alerts/:integration`. */
  route: string;
  params?: Record<string, string>;
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
  /** The policy id of the token the request carries (none for routes whose sender proves itself in the body). */
  token?: string;
  headers?: Record<string, string>;
}

export function routeInput(c: Pick<RouteCall, 'params' | 'body' | 'headers'>): HttpInput {
  const raw = c.body === undefined ? '' : typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
  const bytes = new TextEncoder().encode(raw);
  return {
    params: c.params ?? {},
    query: new URLSearchParams(),
    header: (name) => c.headers?.[name.toLowerCase()],
    body: () => Promise.resolve({ ok: true, value: bytes }),
    json: (schema) => {
      const parsed = schema.safeParse(raw ? JSON.parse(raw) : undefined);
      return Promise.resolve(
        parsed.success
          ? { ok: true, value: parsed.data }
          : { ok: false, problem: { status: 400, body: { error: 'invalid request' } } },
      );
    },
  };
}

/** Runs the route with the token whose policy id is `token`. */
export function callRoute(steward: Steward, c: RouteCall): Promise<HttpAnswer> {
  const token = c.token ? steward.dir.policy.api.tokens.find((t) => t.id === c.token) : undefined;
  if (c.token && !token) throw new Error(`no token "${c.token}" in the policy`);
  return steward.http(c.route, token ?? null, routeInput(c));
}
