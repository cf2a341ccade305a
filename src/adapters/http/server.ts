// The one HTTP port: Slack requests, health, readiness and Prometheus metrics.
// Tracks in-flight requests so shutdown can stop accepting, then wait for them to finish.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';

export type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

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
  /** Extra routes by "METHOD /path", e.g. "POST /slack/events". */
  routes: Record<string, Route>;
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

export async function startHttp(opts: HttpOptions): Promise<HttpServer> {
  let inFlight = 0;
  let draining = false;
  let idle: (() => void) | undefined;

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  const builtin: Record<string, Route> = {
    'GET /healthz': (_req, res) => json(res, 200, { status: 'ok' }),
    'GET /readyz': async (_req, res) => {
      if (draining) return json(res, 503, { status: 'draining' });
      const checks = await Promise.all(
        opts.readiness.map(async (c) => {
          try {
            return { name: c.name, ...(await c.check()) };
          } catch (err) {
            return { name: c.name, ok: false, detail: (err as Error).message };
          }
        }),
      );
      const ok = checks.every((c) => c.ok);
      json(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', checks });
    },
    'GET /metrics': async (_req, res) => {
      res.writeHead(200, { 'content-type': opts.metrics.registry.contentType }).end(await opts.metrics.registry.metrics());
    },
  };
  const routes = { ...builtin, ...opts.routes };

  const server = createServer((req, res) => {
    const requestId = typeof req.headers['x-request-id'] === 'string' && /^[\w.-]{1,64}$/.test(req.headers['x-request-id']) ? req.headers['x-request-id'] : newRequestId();
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    const path = (req.url ?? '/').split('?')[0];
    const route = routes[`${req.method} ${path}`];
    if (!route) {
      const known = Object.keys(routes).some((k) => k.endsWith(` ${path}`));
      return json(res, known ? 405 : 404, { error: known ? 'method not allowed' : 'not found' });
    }
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (draining && inFlight === 0) idle?.();
    });
    Promise.resolve(route(req, res)).catch((err) => {
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
  opts.log.info({ port }, 'http listening');

  return {
    server,
    port,
    async close(timeoutMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([new Promise<void>((r) => (idle = r)), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}
