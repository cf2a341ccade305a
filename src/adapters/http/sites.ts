// The public web sites the composed modules declare (src/core/site.ts), on HTTP: each mounted on
// the main port under its path, and one of them alone on a listener of its own (STATUS_PORT), which
// then serves that site and nothing else. GET and HEAD only; the site answers whole responses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SiteRuntime } from '../../core/site.js';
import type { Steward } from '../../core/steward.js';
import type { Route, RouteParams } from './server.js';

function serve(site: SiteRuntime, base: string): Route {
  return async (req: IncomingMessage, res: ServerResponse, params: RouteParams) => {
    const method = req.method === 'HEAD' ? 'HEAD' : 'GET';
    const answer = await site.serve({
      method,
      path: params['*'] ?? '/',
      base,
      header(name) {
        const v = req.headers[name.toLowerCase()];
        return Array.isArray(v) ? v.join(', ') : v;
      },
    });
    res.writeHead(answer.status, answer.headers);
    res.end(method === 'HEAD' ? undefined : answer.body);
  };
}

const both = (path: string, route: Route): Record<string, Route> => ({
  [`GET ${path}`]: route,
  [`HEAD ${path}`]: route,
});

/** Every declared site under its mount on the main port (`/status`, `/status/…`). */
export function siteRoutes(steward: Steward): Record<string, Route> {
  const routes: Record<string, Route> = {};
  for (const [id, decl] of steward.registry.sites) {
    const site = steward.site(id)!;
    const route = serve(site, decl.mount);
    Object.assign(routes, both(decl.mount, route), both(`${decl.mount}/*`, route));
  }
  return routes;
}

/** One site at the root of a listener of its own: `/`, `/history.rss`, `/api/v2/…` and nothing else. */
export function siteListenerRoutes(steward: Steward, id: string): Record<string, Route> {
  const site = steward.site(id);
  if (!site) throw new Error(`no composed module serves the web site "${id}"`);
  const route = serve(site, '');
  return { ...both('/', route), ...both('/*', route) };
}
