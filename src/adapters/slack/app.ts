// Slack adapter: the real Bolt app (HTTP receiver mounted on Steward's server, or Socket Mode).
// Registration is explicit: every command and action Steward serves on Slack is listed here.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import bolt from '@slack/bolt';
import type { Invocation } from '../../core/context.js';
import type { Reply } from '../../core/card.js';
import type { Logger } from '../../observability/logger.js';
import type { SlackRenderer } from '../../render/slack/blocks.js';
import type { Dispatcher } from '../shared/dispatch.js';
import { COMMAND_NAMES } from '../shared/parse.js';
import { boltLogger } from './bolt-logger.js';

const { App, HTTPReceiver, SocketModeReceiver, LogLevel } = bolt;

export interface SlackOptions {
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  apiUrl?: string;
}

export interface SlackAdapter {
  /** HTTP mode: handles POST /slack/events on Steward's server. Undefined in Socket Mode. */
  requestListener?: (req: IncomingMessage, res: ServerResponse) => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createSlackAdapter(opts: SlackOptions, deps: { dispatcher: Dispatcher; render: SlackRenderer; log: Logger }): SlackAdapter {
  const { dispatcher, render, log } = deps;
  const logger = boltLogger(log.child({ platform: 'slack' }));
  const clientOptions = opts.apiUrl ? { slackApiUrl: opts.apiUrl.endsWith('/') ? opts.apiUrl : `${opts.apiUrl}/` } : undefined;
  const socketMode = !!opts.appToken && !opts.signingSecret;

  const http = socketMode
    ? undefined
    : new HTTPReceiver({
        signingSecret: opts.signingSecret!,
        endpoints: '/slack/events',
        logger,
        customPropertiesExtractor: (req) => ({ requestId: String(req.headers['x-request-id'] ?? randomUUID()) }),
      });
  const receiver =
    http ??
    new SocketModeReceiver({
      appToken: opts.appToken!,
      logger,
      installerOptions: clientOptions ? { clientOptions } : undefined,
      customPropertiesExtractor: () => ({ requestId: randomUUID() }),
    });
  const app = new App({ token: opts.botToken, receiver, logger, logLevel: LogLevel.WARN, clientOptions, ignoreSelf: true, deferInitialization: true });

  const message = (reply: Reply) => ({ ...render.reply(reply), response_type: reply.visibility === 'in_channel' ? ('in_channel' as const) : ('ephemeral' as const) });
  const inv = (user: { id: string; name?: string }, channelId: string | undefined, requestId: unknown): Invocation => ({
    platform: 'slack',
    userId: user.id,
    userName: user.name,
    channelId,
    requestId: typeof requestId === 'string' ? requestId : randomUUID(),
  });

  // Slash commands: the reply travels in the acknowledgement itself (no extra API call).
  for (const name of COMMAND_NAMES) {
    app.command(`/${name}`, async ({ command, ack, context }) => {
      const reply = await dispatcher.command(inv({ id: command.user_id, name: command.user_name }, command.channel_id, context.requestId), name, command.text ?? '');
      await ack(message(reply));
    });
  }

  // Buttons: value carries the encoded command; the reply goes to the response_url.
  app.action({ type: 'block_actions', action_id: /^steward:\d+$/ }, async ({ ack, body, action, respond, context }) => {
    await ack();
    const value = 'value' in action && typeof action.value === 'string' ? action.value : '';
    const reply = await dispatcher.action(inv({ id: body.user.id, name: body.user.name }, body.channel?.id, context.requestId), value);
    await respond({ ...message(reply), replace_original: !!reply.replaceOriginal });
  });

  app.error(async (err) => {
    log.error({ err, platform: 'slack' }, 'slack handler error');
  });

  return {
    requestListener: http?.requestListener,
    async start() {
      // init() verifies the token with auth.test before anything is served.
      await app.init();
      if (!http) await app.start();
      log.info({ platform: 'slack', mode: http ? 'http' : 'socket' }, 'slack ready');
    },
    async stop() {
      if (!http) await app.stop();
    },
  };
}
