// Slack adapter: the real Bolt app (HTTP receiver mounted on Steward's server, or Socket Mode).
// Registration is explicit: every command, action, modal and event Steward serves on Slack is
// routed here (modals handled in forms.ts, pin events in pins.ts); the ChatGateway is in gateway.ts.
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, ServerResponse } from 'node:http';
import {
  type AllMiddlewareArgs,
  App,
  type BlockAction,
  HTTPReceiver,
  LogLevel,
  type SlackActionMiddlewareArgs,
  type SlackCommandMiddlewareArgs,
  type SlackViewMiddlewareArgs,
  SocketModeReceiver,
  type ViewSubmitAction,
} from '@slack/bolt';
import type { Invocation } from '../../core/context.js';
import type { Reply } from '../../core/card.js';
import type { ChatGateway } from '../../core/chat/gateway.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { SlackRenderer } from '../../render/slack/blocks.js';
import type { Dispatcher } from '../shared/dispatch.js';
import { withinAckBudget } from './ack-budget.js';
import { boltLogger } from './bolt-logger.js';
import { FORM_CALLBACK_ID, formSubmissions, openForm } from './forms.js';
import { SlackGateway } from './gateway.js';
import { PIN_EVENTS, pinEvents } from './pins.js';

/** How long stop() waits for Slack to complete the Socket Mode close handshake. */
const SOCKET_CLOSE_WAIT_MS = 2_000;
/**
 * Web API calls retry a failed request a few times within seconds, never for minutes: the
 * outbox owns longer retries, and a rate limit is reported at once (RetryableError) instead of
 * holding the client's queue.
 */
export const WEB_API_RETRY = { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 2_000, randomize: true } as const;
/** Abandon a Web API request that has not answered by then (it is retried as above). */
export const WEB_API_TIMEOUT_MS = 15_000;

/**
 * How far in the future a request's signed timestamp may be. Bolt refuses timestamps more than
 * 5 minutes old but not ones ahead of the clock; a request signed for the future could be replayed
 * for longer than five minutes, so it is refused too (against real time, not the injected clock:
 * Slack signs with real time).
 */
export const SLACK_MAX_FUTURE_SKEW_S = 300;

/** The whole answer to a slash command from a workspace the policy does not bind Steward to. */
export const NOT_HERE = 'Steward does not answer in this workspace.';

/** Steward's buttons (render/action-codec.ts). */
const ACTION_ID = /^steward:\d+$/;

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
  /** Token verified and, in Socket Mode, the WebSocket connected. */
  readonly ready: boolean;
  /** Carries out incident side effects on Slack (war rooms, posts, edits, pins, DMs). */
  readonly gateway: ChatGateway;
}

export function createSlackAdapter(
  opts: SlackOptions,
  deps: { dispatcher: Dispatcher; render: SlackRenderer; log: Logger; metrics?: Metrics; clock?: Clock },
): SlackAdapter {
  const { dispatcher, render, log, metrics } = deps;
  /** The slash commands the composed modules declare, as one matcher: `/service`, `/incident`, … */
  const COMMAND_PATTERN = new RegExp(`^/(?:${dispatcher.registry.commandNames.join('|')})$`);
  const logger = boltLogger(log.child({ platform: 'slack' }));
  const apiUrl = opts.apiUrl ? { slackApiUrl: opts.apiUrl.endsWith('/') ? opts.apiUrl : `${opts.apiUrl}/` } : undefined;
  const clientOptions = {
    ...apiUrl,
    retryConfig: { ...WEB_API_RETRY },
    rejectRateLimitedCalls: true,
    timeout: WEB_API_TIMEOUT_MS,
  };
  const socketMode = !!opts.appToken && !opts.signingSecret;
  if (opts.appToken && opts.signingSecret)
    log.warn(
      { platform: 'slack' },
      'both SLACK_SIGNING_SECRET and SLACK_APP_TOKEN are set: serving HTTP at /slack/events, not Socket Mode',
    );
  let ready = false;

  // HTTP mode: each request's response object, so that a reply ready in time is written as JSON
  // text serialised once per reply (Bolt would serialise the message object on every request).
  const responses = new WeakMap<IncomingMessage, ServerResponse>();
  const http = socketMode
    ? undefined
    : new HTTPReceiver({
        signingSecret: opts.signingSecret!,
        endpoints: '/slack/events',
        logger,
        customPropertiesExtractor: (req) => ({
          requestId: String(req.headers['x-request-id'] ?? randomUUID()),
          httpResponse: responses.get(req),
        }),
      });
  // The Socket Mode client writes its own (patient) retry policy into the clientOptions object it
  // is given for opening connections; it gets its own object without the App's short policy.
  const socket = http
    ? undefined
    : new SocketModeReceiver({
        appToken: opts.appToken!,
        logger,
        installerOptions: apiUrl ? { clientOptions: { ...apiUrl } } : undefined,
        customPropertiesExtractor: () => ({ requestId: randomUUID() }),
      });
  const receiver = http ?? socket!;
  // convoStore: false — Steward keeps no per-conversation state in Bolt; the default in-memory store
  // also builds an Error for every request that has no stored conversation.
  const app = new App({
    token: opts.botToken,
    receiver,
    logger,
    logLevel: LogLevel.WARN,
    clientOptions,
    ignoreSelf: true,
    convoStore: false,
    deferInitialization: true,
  });

  const message = (reply: Reply) => ({
    ...render.reply(reply),
    response_type: reply.visibility === 'in_channel' ? ('in_channel' as const) : ('ephemeral' as const),
  });
  const serialised = new WeakMap<Reply, string>();
  /** Acknowledges with the reply as the message: JSON text when the HTTP response is at hand. */
  const ackWith = (ack: (body?: string | ReturnType<typeof message>) => Promise<void>, reply: Reply, res: unknown) => {
    if (!(res instanceof ServerResponse) || res.headersSent) return ack(message(reply));
    let body = serialised.get(reply);
    if (body === undefined) serialised.set(reply, (body = JSON.stringify(message(reply))));
    res.setHeader('content-type', 'application/json; charset=utf-8');
    return ack(body);
  };
  const inv = (user: { id: string; name?: string }, channelId: string | undefined, requestId: unknown): Invocation => ({
    platform: 'slack',
    userId: user.id,
    userName: user.name,
    channelId,
    requestId: typeof requestId === 'string' ? requestId : randomUUID(),
  });

  // Slash commands: the reply travels in the acknowledgement itself (no extra API call) when it is
  // ready within the budget; otherwise the command is acknowledged and the reply follows via
  // response_url. A reply that opens a form is acknowledged empty, then the modal is opened.
  const onCommand = async ({
    command,
    ack,
    respond,
    client,
    context,
  }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
    const name = command.command.slice(1);
    const pending = dispatcher.command(
      inv({ id: command.user_id, name: command.user_name }, command.channel_id, context.requestId),
      name,
      command.text ?? '',
    );
    const first = await withinAckBudget(pending);
    if (first !== 'late' && !first.form) return ackWith(ack, first, context.httpResponse);
    await ack();
    const reply = first === 'late' ? await pending : first;
    if (!reply.form) return void (await respond(message(reply)));
    const refused = await openForm(client, command.trigger_id, reply.form, command.channel_id, { render, log });
    if (refused) await respond(message(refused));
    else if (reply.cards.length) await respond(message(reply));
  };

  // Buttons: value carries the encoded command; the reply goes to the response_url, or opens a
  // modal with the click's trigger_id.
  const onButton = async ({
    ack,
    body,
    action,
    respond,
    client,
    context,
  }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs) => {
    await ack();
    const value = 'value' in action && typeof action.value === 'string' ? action.value : '';
    const channel = body.channel?.id ?? (body.container as { channel_id?: string } | undefined)?.channel_id;
    const reply = await dispatcher.action(
      inv({ id: body.user.id, name: body.user.name }, channel, context.requestId),
      value,
    );
    if (reply.form) {
      const refused = await openForm(client, body.trigger_id, reply.form, channel, { render, log });
      if (refused) return void (await respond({ ...message(refused), replace_original: false }));
      if (!reply.cards.length) return;
    }
    await respond({ ...message(reply), replace_original: !!reply.replaceOriginal });
  };

  const onSubmission = formSubmissions({ dispatcher, render, log, inv });
  const onPinEvent = pinEvents({ dispatcher, log });

  /**
   * Why the policy's `access.slack` drops this request (the workspace and the app it was sent to),
   * or undefined when Steward answers it. Bolt's context has the workspace of commands, payloads
   * and events alike; the body's own fields stand in when it has none.
   */
  const refused = ({ context, body }: AllMiddlewareArgs & { body: unknown }, user: string | undefined) => {
    const b = body as { team_id?: string; team?: { id?: string } | null; api_app_id?: string };
    return dispatcher.refuse(
      {
        platform: 'slack',
        team: context.teamId ?? b.team_id ?? b.team?.id,
        enterprise: context.enterpriseId,
        app: b.api_app_id,
      },
      user,
    );
  };

  // One entry point for everything Slack sends: Steward's commands, buttons, modals and pin events
  // are told apart here by the payload's own type and ids. (Bolt runs the matchers of every
  // registered listener, each with its own copy of the request's arguments, on every request.)
  // A request from outside the policy's workspace is answered without a word about why, and
  // reaches nothing of the core. Anything else goes on down Bolt's chain, where no listener takes it.
  app.use(async (args) => {
    if ('command' in args) {
      if (COMMAND_PATTERN.test(args.command.command)) {
        if (refused(args, args.command.user_id)) return args.ack({ response_type: 'ephemeral', text: NOT_HERE });
        return onCommand(args);
      }
    } else if ('action' in args) {
      if (
        args.body.type === 'block_actions' &&
        ACTION_ID.test((args.action as BlockAction['actions'][number]).action_id)
      ) {
        if (refused(args, args.body.user.id)) return args.ack();
        return onButton(args as SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs);
      }
    } else if ('view' in args) {
      if (args.body.type === 'view_submission' && FORM_CALLBACK_ID.test(args.view.callback_id)) {
        if (refused(args, args.body.user.id)) return args.ack();
        return onSubmission(args as SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs);
      }
    } else if ('event' in args) {
      if (PIN_EVENTS.test(args.event.type)) {
        if (refused(args, 'user' in args.event && typeof args.event.user === 'string' ? args.event.user : undefined))
          return;
        return onPinEvent(args);
      }
    }
    await args.next();
  });

  app.error(async (err) => {
    log.error({ err, platform: 'slack' }, 'slack handler error');
  });

  const gateway = new SlackGateway(app.client, render, log.child({ platform: 'slack' }), deps.clock);

  return {
    requestListener: http
      ? (req, res) => {
          const ts = Number(req.headers['x-slack-request-timestamp']);
          if (Number.isFinite(ts) && ts - Date.now() / 1000 > SLACK_MAX_FUTURE_SKEW_S) {
            log.warn(
              { platform: 'slack', reason: 'future_timestamp', skewSeconds: Math.round(ts - Date.now() / 1000) },
              'slack request dropped: signed timestamp is in the future',
            );
            metrics?.requestsDropped.inc({ platform: 'slack', reason: 'future_timestamp' });
            res.writeHead(401).end();
            return;
          }
          responses.set(req, res);
          http.requestListener(req, res);
        }
      : undefined,
    gateway,
    async start() {
      // init() verifies the token with auth.test before anything is served.
      await app.init();
      if (socket) {
        socket.client.on('connected', () => (ready = true));
        socket.client.on('disconnected', () => (ready = false));
        socket.client.on('reconnecting', () => (ready = false));
        await app.start();
      }
      ready = true;
      log.info({ platform: 'slack', mode: http ? 'http' : 'socket' }, 'slack ready');
    },
    get ready() {
      return ready;
    },
    async stop() {
      ready = false;
      if (!socket) return;
      // SocketModeReceiver.stop() returns before the WebSocket close handshake; the client's own
      // disconnect() resolves once the socket is closed. Bounded, in case Slack never answers.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        socket.client.disconnect(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, SOCKET_CLOSE_WAIT_MS);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
