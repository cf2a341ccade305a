// The ChatGateway on Slack: war-room channels, posts, in-place edits, pins and direct messages
// through the Bolt app's Web API client. Rate limits and transient failures become RetryableError
// so the outbox tries again later; refusals Slack will repeat are answered, not retried.
import type { webApi } from '@slack/bolt';
import type { Reply } from '../../core/card.js';
import {
  type ChatGateway,
  type CreateChannelResult,
  RateLimitedError,
  RetryableError,
} from '../../core/chat/gateway.js';
import { type Clock, systemClock } from '../../core/clock.js';
import type { Logger } from '../../observability/logger.js';
import { plainSlack, type SlackRenderer } from '../../render/slack/blocks.js';

type WebClient = webApi.WebClient;

/** Slack's limit on a channel topic. */
export const SLACK_TOPIC_MAX = 250;

/** Platform errors that mean "try again later" rather than "this will never work". */
const TRANSIENT = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/** Platform errors that mean the app is not allowed to create the channel. */
const FORBIDDEN: Record<string, (e: SlackFailure) => string> = {
  missing_scope: (e) =>
    `Steward's Slack app lacks the ${e.needed && e.needed !== 'unknown' ? e.needed : 'channels:manage'} permission needed to create channels`,
  restricted_action: () =>
    'A workspace setting prevents Steward from creating channels (ask a Slack admin to allow apps to create channels)',
  restricted_action_read_only_channel: () => 'A workspace setting prevents Steward from creating channels',
  not_allowed_token_type: () =>
    'Steward was configured with a token type that cannot create channels (use the bot token, xoxb-…)',
  no_permission: () => 'Slack refused Steward permission to create channels',
  access_denied: () => 'Slack refused Steward access to create channels',
  team_access_not_granted: () => 'Steward is not allowed to create channels in this workspace',
  ekm_access_denied: () => 'Slack refused the request: the workspace’s encryption keys are not available',
  account_inactive: () => 'Steward’s Slack token belongs to a deactivated account',
  token_revoked: () => 'Steward’s Slack token was revoked',
  invalid_auth: () => 'Slack did not accept Steward’s token',
};

/** What a failed Web API call tells us, whatever layer it failed in. */
export interface SlackFailure {
  /** Slack's error string for platform errors (`name_taken`, `missing_scope`…). */
  error?: string;
  needed?: string;
  retryable: boolean;
  retryAfterMs?: number;
  /** Slack's rate limit refused the call (HTTP 429, with the Retry-After it named). */
  rateLimited?: boolean;
  message: string;
}

/** Reads an error thrown by the Web API client. */
export function slackFailure(err: unknown): SlackFailure {
  const e = err as {
    code?: string;
    data?: { error?: string; needed?: string };
    retryAfter?: number;
    statusCode?: number;
    message?: string;
  };
  switch (e?.code) {
    case 'slack_webapi_platform_error': {
      const error = e.data?.error ?? 'unknown_error';
      return { error, needed: e.data?.needed, retryable: TRANSIENT.has(error), message: error };
    }
    case 'slack_webapi_rate_limited_error':
      return {
        retryable: true,
        rateLimited: true,
        retryAfterMs: (e.retryAfter ?? 1) * 1000,
        message: `rate limited for ${e.retryAfter ?? 1}s`,
      };
    case 'slack_webapi_http_error':
      return { retryable: true, message: `HTTP ${e.statusCode ?? '?'}` };
    case 'slack_webapi_request_error':
      return { retryable: true, message: `request failed: ${e.message ?? 'unknown'}` };
    default:
      return { retryable: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/** Rethrows a Web API failure as the outbox understands it: RetryableError or a plain, final Error. */
function rethrow(method: string, err: unknown): never {
  const f = slackFailure(err);
  if (f.retryable && f.rateLimited && f.retryAfterMs !== undefined)
    throw new RateLimitedError(`Slack ${method}: ${f.message}`, f.retryAfterMs);
  if (f.retryable) throw new RetryableError(`Slack ${method}: ${f.message}`, f.retryAfterMs);
  throw new Error(`Slack ${method}: ${f.message}`, { cause: err });
}

/**
 * Slack's rate limits are per method (its tiers; chat.postMessage per channel). When Slack answers
 * 429 with Retry-After, calls of that method (of chat.postMessage: to that channel) stop until then: each fails at once as retryable with
 * the time left plus its place in the backlog at the pace Slack allowed, so the outbox tries it
 * again when Slack will take it, instead of every queued message asking and being refused. Other
 * methods (edits, channel creation) go on.
 */
export class SlackRateLimits {
  private readonly until = new Map<string, number>();
  /** Calls Slack accepted per scope in the current second and the one before (its allowance, as seen). */
  private readonly accepted = new Map<string, { start: number; n: number; before: number }>();
  /** Per scope, during its pause: the rate it allowed before the 429, and how many calls were held back since. */
  private readonly paused = new Map<string, { rate: number; held: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly spread: () => number = Math.random,
  ) {}

  /** Milliseconds until `method` may be called again (0: now). */
  wait(method: string): number {
    const t = this.until.get(method);
    if (t === undefined) return 0;
    const left = t - this.now();
    if (left <= 0) {
      this.until.delete(method);
      this.paused.delete(method);
    }
    return Math.max(0, left);
  }

  limited(method: string, retryAfterMs: number): void {
    const t = this.now() + retryAfterMs;
    if (t <= (this.until.get(method) ?? 0)) return;
    this.until.set(method, t);
    const a = this.accepted.get(method);
    this.paused.set(method, { rate: Math.max(1, a?.n ?? 0, a?.before ?? 0), held: 0 });
  }

  private ok(scope: string): void {
    const now = this.now();
    const a = this.accepted.get(scope);
    if (!a) this.accepted.set(scope, { start: now, n: 1, before: 0 });
    else if (now - a.start >= 1000) Object.assign(a, { start: now, before: now - a.start < 2000 ? a.n : 0, n: 1 });
    else a.n++;
  }

  /**
   * How long a call held back during a pause waits: the pause, then its place among the calls held
   * back so far at the rate Slack allowed before the 429 (with a little spread), so the backlog
   * comes back at about the pace Slack takes it instead of all at once and refused again.
   */
  private holdBack(scope: string, left: number): number {
    const p = this.paused.get(scope) ?? { rate: 1, held: 0 };
    return left + Math.floor((1000 * (p.held++ + this.spread())) / p.rate);
  }

  /** Runs one Web API call under its method's limit; a platform refusal in `ignore` answers undefined. */
  async call<T>(
    method: string,
    fn: () => Promise<T>,
    ignore: readonly string[] = [],
    scope: string = method,
  ): Promise<T | undefined> {
    const left = this.wait(scope);
    if (left > 0)
      throw new RateLimitedError(
        `Slack ${method}: rate limited for ${Math.ceil(left / 1000)}s more`,
        this.holdBack(scope, left),
      );
    try {
      const r = await fn();
      this.ok(scope);
      return r;
    } catch (err) {
      const f = slackFailure(err);
      if (f.rateLimited && f.retryAfterMs !== undefined) this.limited(scope, f.retryAfterMs);
      if (f.error && ignore.includes(f.error)) return undefined;
      rethrow(method, err);
    }
  }
}

export class SlackGateway implements ChatGateway {
  readonly platform = 'slack' as const;

  private readonly limits: SlackRateLimits;

  constructor(
    private readonly client: WebClient,
    private readonly render: SlackRenderer,
    private readonly log: Logger,
    clock: Clock = systemClock,
  ) {
    // The outbox retries on the same clock, so a retry at the instant Slack named is let through.
    this.limits = new SlackRateLimits(() => clock.now().getTime());
  }

  async createChannel(name: string, topic: string): Promise<CreateChannelResult> {
    let created: { id: string; name: string };
    const left = this.limits.wait('conversations.create');
    if (left > 0)
      throw new RateLimitedError(`Slack conversations.create: rate limited for ${Math.ceil(left / 1000)}s more`, left);
    try {
      const r = await this.client.conversations.create({ name, is_private: false });
      created = { id: r.channel!.id!, name: r.channel!.name ?? name };
    } catch (err) {
      const f = slackFailure(err);
      if (f.rateLimited && f.retryAfterMs !== undefined) {
        this.limits.limited('conversations.create', f.retryAfterMs);
        throw new RateLimitedError(`Slack conversations.create: ${f.message}`, f.retryAfterMs);
      }
      if (f.retryable) throw new RetryableError(`Slack conversations.create: ${f.message}`, f.retryAfterMs);
      if (f.error === 'name_taken') return { ok: false, reason: 'name_taken', message: `#${name} already exists` };
      if (f.error?.startsWith('invalid_name'))
        return {
          ok: false,
          reason: 'invalid_name',
          message: `Slack does not accept #${name} as a channel name (${f.error})`,
        };
      const forbidden = f.error ? FORBIDDEN[f.error] : undefined;
      if (forbidden) return { ok: false, reason: 'forbidden', message: `${forbidden(f)} (${f.error})` };
      rethrow('conversations.create', err);
    }
    // The topic is a courtesy: the channel exists now, and a failure here must not make the
    // outbox create a second one. It holds the user's title, so it gets the plain-text treatment.
    try {
      await this.client.conversations.setTopic({
        channel: created.id,
        topic: plainSlack(topic).slice(0, SLACK_TOPIC_MAX),
      });
    } catch (err) {
      this.log.warn(
        { platform: 'slack', channel: created.id, err: slackFailure(err).message },
        'war-room topic not set',
      );
    }
    return { ok: true, channelId: created.id, name: created.name };
  }

  async invite(channelId: string, userIds: string[]): Promise<void> {
    const users = [...new Set(userIds)].filter(Boolean);
    if (!users.length) return;
    // force: invite the valid users even when one of them cannot be invited (already in, the bot itself).
    await this.limits.call(
      'conversations.invite',
      () => this.client.conversations.invite({ channel: channelId, users: users.join(','), force: true }),
      ['already_in_channel', 'cant_invite_self'],
    );
  }

  async post(channelId: string, reply: Reply, opts?: { threadOf?: string }): Promise<{ messageId: string }> {
    const m = this.render.reply(reply);
    const r = await this.limits.call(
      'chat.postMessage',
      () =>
        this.client.chat.postMessage({
          channel: channelId,
          text: m.text,
          blocks: m.blocks,
          unfurl_links: false,
          unfurl_media: false,
          ...(opts?.threadOf ? { thread_ts: opts.threadOf } : {}),
        }),
      [],
      `chat.postMessage:${channelId}`,
    );
    if (!r?.ts) throw new Error('Slack chat.postMessage: no message ts in the answer');
    return { messageId: r.ts };
  }

  async edit(channelId: string, messageId: string, reply: Reply): Promise<void> {
    const m = this.render.reply(reply);
    await this.limits.call('chat.update', () =>
      this.client.chat.update({ channel: channelId, ts: messageId, text: m.text, blocks: m.blocks }),
    );
  }

  async pin(channelId: string, messageId: string): Promise<void> {
    await this.limits.call('pins.add', () => this.client.pins.add({ channel: channelId, timestamp: messageId }), [
      'already_pinned',
    ]);
  }

  /** Posting to a user id opens (or reuses) the app's direct message with that user. */
  async dm(userId: string, reply: Reply): Promise<{ channelId: string; messageId: string } | null> {
    const m = this.render.reply(reply);
    const r = await this.limits.call(
      'chat.postMessage',
      () =>
        this.client.chat.postMessage({
          channel: userId,
          text: m.text,
          blocks: m.blocks,
          unfurl_links: false,
          unfurl_media: false,
        }),
      [],
      `chat.postMessage:${userId}`,
    );
    // Edits need the direct-message channel (D…) that Slack answers with, not the user id.
    return r?.channel && r.ts ? { channelId: r.channel, messageId: r.ts } : null;
  }
}
