// What the core asks of a chat platform to carry out side effects. Adapters implement it.
import type { Reply } from '../card.js';
import type { Platform } from '../ports.js';

export type CreateChannelResult =
  | { ok: true; channelId: string; name: string }
  | { ok: false; reason: 'name_taken' | 'forbidden' | 'invalid_name' | 'not_configured'; message: string };

/** Thrown for failures worth retrying later (rate limits, timeouts, 5xx). Anything else is final. */
export class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RetryableError';
  }
}

/** The platform's rate limit refused the call: try again after `retryAfterMs`, which it named. */
export class RateLimitedError extends RetryableError {
  constructor(message: string, retryAfterMs: number) {
    super(message, retryAfterMs);
    this.name = 'RateLimitedError';
  }
}

/** The gateway of a platform; one not connected yet (still starting) makes the outbox item retry later. */
export function gatewayOf(gateways: ReadonlyMap<Platform, ChatGateway>, platform: Platform): ChatGateway {
  const gw = gateways.get(platform);
  if (!gw) throw new RetryableError(`${platform} is not connected yet`, 2_000);
  return gw;
}

export interface ChatGateway {
  readonly platform: Platform;
  createChannel(name: string, topic: string): Promise<CreateChannelResult>;
  invite(channelId: string, userIds: string[]): Promise<void>;
  post(channelId: string, reply: Reply, opts?: { threadOf?: string }): Promise<{ messageId: string }>;
  edit(channelId: string, messageId: string, reply: Reply): Promise<void>;
  pin(channelId: string, messageId: string): Promise<void>;
  /** Sends a direct message; null when the platform will not deliver it (closed DMs, unknown user). */
  dm(userId: string, reply: Reply): Promise<{ channelId: string; messageId: string } | null>;
}
