// Discord REST failures: what may be logged of them, and which are worth retrying later.
import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';
import { RateLimitedError, RetryableError } from '../../core/chat/gateway.js';

/** Discord JSON error codes Steward reacts to. */
export const DiscordCode = {
  UnknownChannel: 10003,
  UnknownGuild: 10004,
  UnknownMember: 10007,
  UnknownMessage: 10008,
  UnknownUser: 10013,
  MissingAccess: 50001,
  CannotDmUser: 50007,
  MissingPermissions: 50013,
  InvalidFormBody: 50035,
  ThreadAlreadyCreated: 160004,
} as const;

/** Interaction and webhook URLs carry the interaction token, a credential for that interaction. */
export function redactDiscordUrl(url: string): string {
  return url.replace(/\/(interactions\/[^/?#]+|webhooks\/[^/?#]+)\/[^/?#]+/g, '/$1/[REDACTED]');
}

/**
 * A failed REST call as it may be logged: discord.js errors carry the request URL (with the
 * interaction token) and the whole request body. The copy keeps the error's class, so the log
 * still names its type, and only the facts needed to diagnose it.
 */
export function loggableError(err: unknown): unknown {
  if (!(err instanceof DiscordAPIError || err instanceof HTTPError)) return err;
  const safe = Object.create(Object.getPrototypeOf(err) as object) as Record<string, unknown>;
  return Object.assign(safe, {
    message: err.message,
    ...(err instanceof DiscordAPIError ? { code: err.code } : {}),
    status: err.status,
    method: err.method,
    url: redactDiscordUrl(err.url),
    stack: err.stack ? redactDiscordUrl(err.stack) : undefined,
  });
}

/** The Discord error code of a REST failure (undefined for anything else). */
export function discordCode(err: unknown): number | undefined {
  return err instanceof DiscordAPIError && typeof err.code === 'number' ? err.code : undefined;
}

/**
 * Runs one REST step for a side effect. Rate limits, 5xx answers and network failures become a
 * RetryableError (the outbox tries again later, after Discord's retry-after when it gave one);
 * other Discord refusals are final and are rethrown with the secrets stripped.
 */
export async function restStep<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw classify(what, err);
  }
}

export function classify(what: string, err: unknown): unknown {
  if (err instanceof RetryableError) return err;
  if (err instanceof RateLimitError)
    return new RateLimitedError(`${what}: rate limited by Discord (${err.route})`, err.retryAfter);
  if (err instanceof DiscordAPIError) {
    if (err.status === 429 || err.status >= 500)
      return new RetryableError(`${what}: Discord answered ${err.status} ${err.message}`);
    const e = new Error(`${what}: Discord refused (${err.status}, code ${String(err.code)}): ${err.message}`);
    e.name = 'DiscordRefused';
    return e;
  }
  if (err instanceof HTTPError) return new RetryableError(`${what}: Discord answered ${err.status}`);
  // fetch failures and timeouts (AbortError): the network, not the request, is at fault.
  if (
    err instanceof Error &&
    (err.name === 'AbortError' || err.message === 'fetch failed' || /ECONN|ETIMEDOUT|EAI_AGAIN/.test(err.message))
  )
    return new RetryableError(`${what}: ${err.message}`);
  return err;
}
