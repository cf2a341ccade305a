// The one HTTP port: Slack requests, health, readiness, Prometheus metrics and the HTTP API.
// Routes are matched by method and path (with ":name" segments); in-flight requests are tracked
// so shutdown can stop accepting, then wait for them to finish.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { sendJson } from './io.js';

/** Values of a route's ":name" path segments, decoded. */
export type RouteParams = Readonly<Record<string, string>>;
export type Route = (req: IncomingMessage, res: ServerResponse, params: RouteParams) => void | Promise<void>;

export interface ReadinessCheck {
  name: string;
  check(): Promise<{ ok: boolean; detail?: string }>;
}

export interface HttpOptions {
  host: string;
  port: number;
  log: Logger;
  metrics: Metrics;
  readiness: ReadinessCheck[];
  /**
   * Extra routes by "METHOD /path", e.g. "POST /slack/events" or "GET /api/v1/changes/:id"; a last
   * segment `*` takes the rest of the path ("GET /status/*", its `*` parameter: `/history.rss`).
   */
  routes: Record<string, Route>;
  /** Serve only `routes`: no health, readiness or metrics (a listener exposed to the public). */
  bare?: boolean;
  /** What the listener is, for its log line (default: http). */
  name?: string;
}

export interface HttpServer {
  readonly server: Server;
  readonly port: number;
  /** Stop accepting, mark not ready, wait for in-flight requests (bounded by timeoutMs). */
  close(timeoutMs: number): Promise<void>;
}

/** Request ids: unique per process run, cheap (no entropy per request). */
const RUN = randomUUID().slice(0, 8);
let requests = 0;
export const newRequestId = () => `${RUN}-${(++requests).toString(36)}`;

interface Compiled {
  method: string;
  /** Literal segments, or a parameter name prefixed with ":". */
  segments: string[];
  route: Route;
}

/**
 * Finds the route for a method and path: a literal path wins over a pattern; a path known only
 * for other methods is "method" (405).
 */
export function routeTable(
  routes: Record<string, Route>,
): (method: string, path: string) => { route: Route; params: RouteParams } | 'method' | undefined {
  const exact = new Map<string, Route>();
  const patterns: Compiled[] = [];
  for (const [key, route] of Object.entries(routes)) {
    const [method, path] = key.split(' ');
    if (!method || !path?.startsWith('/')) throw new Error(`route "${key}" must be "METHOD /path"`);
    if (path.includes('/:') || path.endsWith('/*'))
      patterns.push({ method, segments: path.split('/').slice(1), route });
    else exact.set(key, route);
  }
  const paths = new Set([...exact.keys()].map((k) => k.slice(k.indexOf(' ') + 1)));
  const matches = (c: Compiled, parts: string[]): Record<string, string> | undefined => {
    const rest = c.segments.at(-1) === '*';
    if (rest ? parts.length < c.segments.length : c.segments.length !== parts.length) return undefined;
    const params: Record<string, string> = {};
    for (const [i, part] of parts.entries()) {
      const seg = c.segments[i]!;
      if (rest && i === c.segments.length - 1) {
        params['*'] = `/${parts.slice(i).join('/')}`;
        return params;
      }
      if (seg.startsWith(':')) {
        if (!part) return undefined;
        try {
          params[seg.slice(1)] = decodeURIComponent(part);
        } catch {
          return undefined;
        }
      } else if (seg !== part) return undefined;
    }
    return params;
  };
  return (method, path) => {
    const hit = exact.get(`${method} ${path}`);
    if (hit) return { route: hit, params: {} };
    const parts = path.split('/').slice(1);
    let otherMethod = paths.has(path);
    for (const c of patterns) {
      const params = matches(c, parts);
      if (!params) continue;
      if (c.method === method) return { route: c.route, params };
      otherMethod = true;
    }
    return otherMethod ? 'method' : undefined;
  };
}

export async function startHttp(opts: HttpOptions): Promise<HttpServer> {
  let inFlight = 0;
  let draining = false;
  let idle: (() => void) | undefined;

  const json = sendJson;

  const builtin: Record<string, Route> = {
    'GET /healthz': (_req, res) => json(res, 200, { status: 'ok' }),
    'GET /readyz': async (_req, res) => {
      if (draining) return json(res, 503, { status: 'draining' });
      const checks = await Promise.all(
        opts.readiness.map(async (c) => {
          try {
            return { name: c.name, ...(await c.check()) };
          } catch (err) {
            // The error's text (hosts, paths, driver messages) goes to the log, never to the caller.
            opts.log.error({ err, check: c.name }, 'readiness check failed');
            return { name: c.name, ok: false, detail: 'check failed (see the log)' };
          }
        }),
      );
      const ok = checks.every((c) => c.ok);
      json(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', checks });
    },
    'GET /metrics': async (_req, res) => {
      res
        .writeHead(200, { 'content-type': opts.metrics.registry.contentType })
        .end(await opts.metrics.registry.metrics());
    },
  };
  const find = routeTable(opts.bare ? opts.routes : { ...builtin, ...opts.routes });

  const server = createServer((req, res) => {
    const requestId =
      typeof req.headers['x-request-id'] === 'string' && /^[\w.-]{1,64}$/.test(req.headers['x-request-id'])
        ? req.headers['x-request-id']
        : newRequestId();
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    const [path = '/'] = (req.url ?? '/').split('?');
    const found = find(req.method ?? 'GET', path);
    // A bare listener (exposed to the public) admits nothing but its routes: any other method is 404 too.
    if (!found || found === 'method')
      return found && !opts.bare
        ? json(res, 405, { error: 'method not allowed' })
        : json(res, 404, { error: 'not found' });
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (draining && inFlight === 0) idle?.();
    });
    Promise.resolve(found.route(req, res, found.params)).catch((err) => {
      opts.log.error({ err, requestId, path }, 'http route failed');
      if (!res.headersSent) json(res, 500, { error: 'internal error', requestId });
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  opts.log.info({ port }, `${opts.name ?? 'http'} listening`);

  return {
    server,
    port,
    async close(timeoutMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((r) => (idle = r)),
          new Promise((r) => setTimeout(r, timeoutMs).unref()),
        ]);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}
