// The HTTP API's front door, shared by every /api/v1 route: bearer token → policy token entry
// (a valid token is never refused by the failed-attempt limit: only failures are limited, per
// client address), scope check, then the route's handler; JSON answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import {
  authenticate,
  authorize,
  type ApiScope,
  type ApiToken,
  type FailureLimiter,
  type TokenSource,
} from '../../core/api/tokens.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { clientAddress, TrustedProxies } from './client-address.js';
import { readJson, sendJson, DEFAULT_BODY_LIMIT, type BodyResult } from './io.js';
import type { Route, RouteParams } from './server.js';

/** What a handler answers: a status and a JSON body (and extra headers). */
export interface ApiAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface ApiRequest {
  req: IncomingMessage;
  params: RouteParams;
  query: URLSearchParams;
  /** The authenticated token entry (never the token itself). */
  token: ApiToken;
  /** Client address, as the failed-attempt limiter counts it (see client-address.ts). */
  client: string;
  /** The JSON body checked against `schema` (empty body: undefined); a problem is the answer to send. */
  json<S extends z.ZodType>(schema: S, limit?: number): Promise<BodyResult<z.output<S>>>;
  /** A 403 answer when the token may not act on `service`, else undefined. */
  forbidden(service: string): ApiAnswer | undefined;
}

export type ApiHandler = (r: ApiRequest) => ApiAnswer | Promise<ApiAnswer>;

export interface ApiDeps {
  /** The current policy's tokens (a reload swaps them). */
  dir: () => TokenSource;
  limiter: FailureLimiter;
  /** Peers whose X-Forwarded-For names the client (default: none, the socket's peer is the client). */
  trustedProxies?: TrustedProxies;
  log: Logger;
  metrics: Metrics;
}

export interface Api {
  /** A route that runs `handler` only for a token holding `scope`. */
  route(scope: ApiScope, handler: ApiHandler): Route;
  /**
   * A route that runs `handler` for any valid token: the core decides the scope (Steward.http).
   * `scope` labels the request in the metrics.
   */
  authenticated(scope: ApiScope, handler: ApiHandler): Route;
  /** A route whose sender proves itself in the body (a routing key): no bearer token; the core checks it. */
  open(handler: (r: Omit<ApiRequest, 'token' | 'forbidden'>) => ApiAnswer | Promise<ApiAnswer>): Route;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The token of an `Authorization: Bearer <token>` header; undefined when absent or another scheme. */
export function bearerOf(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  return typeof h === 'string' ? BEARER.exec(h)?.[1] : undefined;
}

export function createApi(deps: ApiDeps): Api {
  const { limiter, log, metrics } = deps;
  const trusted = deps.trustedProxies ?? new TrustedProxies([]);
  const mount = (scope: ApiScope, checkScope: boolean, handler: ApiHandler): Route => {
    return async (req, res, params) => {
      const url = new URL(req.url ?? '/', 'http://steward.invalid');
      const requestId = req.headers['x-request-id'];
      const client = clientAddress(req, trusted);
      const answer = await gate();
      metrics.apiRequests.inc({ scope, status: String(answer.status) });
      send(res, answer);

      async function gate(): Promise<ApiAnswer> {
        // The token first: someone else's failures (behind the same address) never refuse a valid one.
        const who = authenticate(deps.dir(), bearerOf(req));
        if (!who.ok) {
          const limited = limiter.check(client);
          if (!limited.ok) {
            return {
              status: 429,
              headers: { 'retry-after': String(limited.retryAfterSeconds) },
              body: { error: 'too many failed attempts', retryAfter: limited.retryAfterSeconds },
            };
          }
          limiter.fail(client);
          log.warn({ requestId, client, path: url.pathname, code: who.code }, 'api request refused: not authenticated');
          return {
            status: 401,
            headers: { 'www-authenticate': 'Bearer realm="steward"' },
            body: { error: 'unauthorized', detail: who.reason },
          };
        }
        const may = checkScope ? authorize(who.token, scope) : ({ ok: true } as const);
        if (!may.ok) {
          log.warn(
            { requestId, client, path: url.pathname, tokenId: who.token.id, scope },
            'api request refused: out of scope',
          );
          return { status: 403, body: { error: 'forbidden', detail: may.reason } };
        }
        const token = who.token;
        return handler({
          req,
          params,
          query: url.searchParams,
          token,
          client,
          json: (schema, limit = DEFAULT_BODY_LIMIT) => readJson(req, schema, limit),
          forbidden(service) {
            const r = authorize(token, scope, service);
            return r.ok ? undefined : { status: 403, body: { error: 'forbidden', detail: r.reason } };
          },
        });
      }
    };
  };
  return {
    route: (scope, handler) => mount(scope, true, handler),
    authenticated: (scope, handler) => mount(scope, false, handler),
    open: (handler) => async (req, res, params) => {
      const url = new URL(req.url ?? '/', 'http://steward.invalid');
      const client = clientAddress(req, trusted);
      const answer = await handler({
        req,
        params,
        query: url.searchParams,
        client,
        json: (schema, limit = DEFAULT_BODY_LIMIT) => readJson(req, schema, limit),
      });
      metrics.apiRequests.inc({ scope: 'sender', status: String(answer.status) });
      send(res, answer);
    },
  };
}

function send(res: ServerResponse, a: ApiAnswer) {
  // A request whose body was refused unread: close rather than drain what is still coming.
  const headers = a.status === 413 ? { ...a.headers, connection: 'close' } : a.headers;
  sendJson(res, a.status, a.body, headers);
}
