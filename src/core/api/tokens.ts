// API token kernel: who a bearer token is (authenticate), what it may do (authorize), and a limiter
// of failed attempts per client. Shared by every HTTP API route; knows nothing of HTTP itself.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiScope, ApiToken, Policy } from '../policy/schema.js';
import type { Clock } from '../clock.js';

export type { ApiScope, ApiToken } from '../policy/schema.js';

export type AuthFailureCode = 'API.TOKEN_MISSING' | 'API.TOKEN_UNKNOWN';
export type Authenticated = { ok: true; token: ApiToken } | { ok: false; code: AuthFailureCode; reason: string };
export type Authorized = { ok: true } | { ok: false; code: 'API.FORBIDDEN'; reason: string };

/** The part of the directory tokens are read from (a Directory fits). */
export interface TokenSource {
  readonly policy: Pick<Policy, 'api'>;
}

const digestOf = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/**
 * The policy's token entry whose sha256 is the digest of `token`. Every entry is compared, in
 * constant time, whatever matches: the answer's timing says nothing about the digests held.
 */
export function authenticate(dir: TokenSource, token: string | undefined): Authenticated {
  if (!token)
    return {
      ok: false,
      code: 'API.TOKEN_MISSING',
      reason: 'a bearer token is required (Authorization: Bearer <token>)',
    };
  const presented = digestOf(token);
  let found: ApiToken | undefined;
  for (const entry of dir.policy.api.tokens) {
    const held = Buffer.from(entry.sha256, 'hex');
    if (held.length === presented.length && timingSafeEqual(held, presented) && !found) found = entry;
  }
  return found
    ? { ok: true, token: found }
    : { ok: false, code: 'API.TOKEN_UNKNOWN', reason: 'the token is not one the policy knows' };
}

/**
 * May `token` do `scope` (on `service`)? A token limited to services may act only on those; an
 * action about no particular service (policy:reload) needs only the scope.
 */
export function authorize(token: ApiToken, scope: ApiScope, service?: string): Authorized {
  if (!token.scopes.includes(scope))
    return { ok: false, code: 'API.FORBIDDEN', reason: `token "${token.id}" lacks the scope ${scope}` };
  if (service !== undefined && token.services && !token.services.includes(service))
    return { ok: false, code: 'API.FORBIDDEN', reason: `token "${token.id}" may not act on service "${service}"` };
  return { ok: true };
}

export interface FailureLimiterOptions {
  clock: Clock;
  /** Failures allowed per client within the window (default 10). */
  max?: number;
  /** Sliding window length in milliseconds (default one minute). */
  windowMs?: number;
  /** Clients remembered at most; the longest quiet are forgotten first (default 10,000). */
  maxClients?: number;
}

export type LimitCheck = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Counts failed authentications per client address in a sliding window. A client with `max`
 * failures in the last window is refused until its oldest failure leaves the window.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly max: number;
  private readonly windowMs: number;
  private readonly maxClients: number;

  constructor(private readonly opts: FailureLimiterOptions) {
    this.max = opts.max ?? 10;
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxClients = opts.maxClients ?? 10_000;
  }

  check(client: string): LimitCheck {
    const now = this.opts.clock.now().getTime();
    const recent = this.recent(client, now);
    if (recent.length < this.max) return { ok: true };
    // The failure that leaves the window first (with max 0 there is none: a whole window).
    const oldest = recent[recent.length - this.max] ?? now;
    const waitMs = oldest + this.windowMs - now;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  fail(client: string): void {
    const now = this.opts.clock.now().getTime();
    const recent = this.recent(client, now);
    recent.push(now);
    // Re-inserted last: the map's order is from the longest quiet client to the latest.
    this.failures.delete(client);
    this.failures.set(client, recent.slice(-this.max));
    while (this.failures.size > this.maxClients) this.failures.delete(this.failures.keys().next().value!);
  }

  /** Clients currently remembered (for tests and metrics). */
  get size(): number {
    return this.failures.size;
  }

  private recent(client: string, now: number): number[] {
    const list = this.failures.get(client);
    if (!list) return [];
    const kept = list.filter((t) => t > now - this.windowMs);
    if (kept.length) this.failures.set(client, kept);
    else this.failures.delete(client);
    return kept;
  }
}
