// The HTTP routes the composed modules declare, mounted on Steward's server: each authenticates the
// bearer token (the API front door, api.ts) and hands the request to Steward.http, which decides
// the scope and runs the module's route. A module that is not composed has no routes.
import type { HttpInput } from '../../core/entry.js';
import type { Steward } from '../../core/steward.js';
import type { Api } from './api.js';
import { DEFAULT_BODY_LIMIT, readBody, readJson } from './io.js';
import type { IncomingMessage } from 'node:http';
import type { Route, RouteParams } from './server.js';

export interface ModuleRouteOptions {
  /** STEWARD_MAX_REPORT_BYTES: the largest body of a route that takes reports (413 above). */
  maxReportBytes: number;
}

export function moduleRoutes(api: Api, steward: Steward, opts: ModuleRouteOptions): Record<string, Route> {
  const routes: Record<string, Route> = {};
  for (const [key, decl] of steward.registry.routes) {
    const limit = decl.maxBytes ?? (decl.largeBody ? opts.maxReportBytes : DEFAULT_BODY_LIMIT);
    const input = (r: { req: IncomingMessage; params: RouteParams; query: URLSearchParams }): HttpInput => ({
      params: r.params,
      query: r.query,
      header(name) {
        const v = r.req.headers[name.toLowerCase()];
        return Array.isArray(v) ? v.join(', ') : v;
      },
      body: () => readBody(r.req, limit),
      json: (schema) => readJson(r.req, schema, limit),
    });
    routes[key] =
      decl.scope === 'sender'
        ? // The sender proves itself in the body (a routing key): the route checks it.
          api.open((r) => steward.http(key, null, input(r)))
        : api.authenticated(decl.scope, (r) => steward.http(key, r.token, input(r)));
  }
  return routes;
}
