// The ways into Steward besides chat: HTTP API routes and CLI commands. A module declares them the
// way it declares slash commands and forms; Steward runs them with a caller (an API token, the
// local CLI user), decides access here, and counts each under one metric with chat and jobs.
import type { z } from 'zod';
import { authorize, type ApiScope, type ApiToken } from './api/tokens.js';
import type { ActorRef } from './platform.js';

/**
 * Who comes in other than from chat: an API token, the local CLI user, or a sender that proves
 * itself in its body (a PagerDuty routing key), which the route checks.
 */
export type Caller = { kind: 'token'; token: ApiToken } | { kind: 'cli'; user: string } | { kind: 'sender' };

/** What an HTTP route or a CLI command is run with. */
export interface EntryCtx {
  caller: Caller;
  /** The caller as the audit log records it. */
  actor: ActorRef;
  /** `api:<token id>` or `cli:<user>`: who acted, for records that name it in one word. */
  by: string;
  now: Date;
  /** Why the caller may not act on `service` (a token outside its services); undefined when it may. */
  cannotActOn(service: string): string | undefined;
}

// ---- HTTP ----

/** A route's answer: status, JSON body, extra headers. */
export interface HttpAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type BodyRead<T> = { ok: true; value: T } | { ok: false; problem: HttpAnswer };

/** What a route sees of its request (the HTTP adapter reads it). */
export interface HttpInput {
  /** The path's `:name` segments, decoded. */
  params: Readonly<Record<string, string | undefined>>;
  query: URLSearchParams;
  header(name: string): string | undefined;
  /** The raw body, refused (413) past the route's limit. */
  body(): Promise<BodyRead<Uint8Array>>;
  /** A JSON body checked against `schema` (an empty body is undefined): 400, 413 or 415 otherwise. */
  json<S extends z.ZodType>(schema: S): Promise<BodyRead<z.output<S>>>;
}

export interface HttpRouteDecl {
  method: 'GET' | 'POST';
  /** `/api/v1/…`, with `:name` segments (or a drop-in path such as PagerDuty's `/v2/enqueue`). */
  path: string;
  /**
   * The token scope it needs (decided in Steward.http), or `sender` for a route whose sender
   * proves itself in the body (a routing key), checked by the route itself.
   */
  scope: ApiScope | 'sender';
  /** The operation it stands for, as the metrics name it (e.g. change.request). */
  op: string;
  /** A scanner report (up to STEWARD_MAX_REPORT_BYTES) rather than a small JSON body. */
  largeBody?: boolean;
  /** The largest body it takes, when not the default (413 above). */
  maxBytes?: number;
}

export type HttpRun = (ctx: EntryCtx, input: HttpInput) => Promise<HttpAnswer>;

export const routeKey = (r: Pick<HttpRouteDecl, 'method' | 'path'>): string => `${r.method} ${r.path}`;

// ---- CLI ----

export interface CliIO {
  out(s: string): void;
  err(s: string): void;
  /** A terminal that shows a progress line; absent otherwise. */
  progress?: (line: string) => void;
}

export interface CliInput {
  /** Positional arguments. */
  args: string[];
  /** `--name value` options, by name. */
  options: Readonly<Record<string, string>>;
  /** The file named by the first positional argument, read by the CLI adapter (readsFile). */
  file?: Uint8Array;
}

export interface CliCommandDecl {
  /** The words that name it: `import`, `kev import`. */
  name: string;
  /** One line: synopsis — what it does. */
  usage: string;
  /** The operation it stands for, as the metrics name it. */
  op: string;
  /** The `--name value` options it takes. */
  options?: readonly string[];
  /** The `--name` switches it takes (given: the option's value is `true`). */
  flags?: readonly string[];
  /** How many positional arguments it takes. */
  args: number;
  /** Its first positional argument is a file to read. */
  readsFile?: boolean;
}

/** Runs a CLI command; answers the exit code (0 done, 1 refused, 2 usage). */
export type CliRun = (ctx: EntryCtx, input: CliInput, io: CliIO) => Promise<number>;

// ---- callers ----

/** The caller as log lines name it (a token's id, never the token; the CLI's user). */
export const callerFields = (ctx: EntryCtx): Record<string, string> =>
  ctx.caller.kind === 'token'
    ? { tokenId: ctx.caller.token.id }
    : ctx.caller.kind === 'cli'
      ? { cliUser: ctx.caller.user }
      : { caller: 'sender' };

/** A request made with an API token, for a route needing `scope`. */
export function tokenCtx(token: ApiToken, scope: ApiScope, now: Date): EntryCtx {
  return {
    caller: { kind: 'token', token },
    actor: { platform: 'api', platformUserId: token.id },
    by: `api:${token.id}`,
    now,
    cannotActOn(service) {
      const r = authorize(token, scope, service);
      return r.ok ? undefined : r.reason;
    },
  };
}

/** A request whose sender proves itself in the body (the route checks it and names the actor). */
export function senderCtx(now: Date): EntryCtx {
  return {
    caller: { kind: 'sender' },
    actor: { platform: 'api', platformUserId: 'sender' },
    by: 'api:sender',
    now,
    cannotActOn: () => undefined,
  };
}

/** A command run on the host by `user` (whoever can run the CLI can reach the database). */
export function cliCtx(user: string, now: Date): EntryCtx {
  return {
    caller: { kind: 'cli', user },
    actor: { platform: 'cli', platformUserId: user },
    by: `cli:${user}`,
    now,
    cannotActOn: () => undefined,
  };
}
