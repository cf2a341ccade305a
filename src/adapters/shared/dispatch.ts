// The one path from any adapter into the core: parse → execute → reply, with metrics and logs.
import type { DropReason, Place } from '../../core/access.js';
import type { Command, Reply } from '../../core/card.js';
import type { Invocation } from '../../core/context.js';
import type { CoreError, Outcome } from '../../core/errors.js';
import type { PinnedMessage } from '../../core/module.js';
import type { Registry } from '../../core/registry.js';
import type { Steward } from '../../core/steward.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { ActionCodec } from '../../render/action-codec.js';
import { errorReply, toReply } from '../../render/outcome.js';
import { decodeForm } from '../../render/form-codec.js';
import { neutralMentions } from './mentions.js';
import { parseCommand } from './parse.js';

export interface Submitted {
  reply: Reply;
  /** Field id → message, for platforms that show them inline (code FORM.INVALID). */
  fieldErrors?: Record<string, string>;
  /** With field errors: the command that opens the form again with the values typed so far. */
  reopen?: Command;
}

export interface Dispatcher {
  /** What the composed modules declare (slash commands, operations, forms). */
  readonly registry: Registry;
  readonly actions: ActionCodec;
  /**
   * Why the policy's `access` drops a request from `place` (logged and counted), or undefined when
   * Steward answers there. Asked before anything else about the request; `user` is for the log.
   */
  refuse(place: Place, user?: string): DropReason | undefined;
  command(inv: Invocation, name: string, text: string): Promise<Reply>;
  action(inv: Invocation, actionId: string): Promise<Reply>;
  /** A submitted form. */
  submit(inv: Invocation, formId: string, values: Record<string, string | undefined>): Promise<Submitted>;
  /** Resolves once the side effects due now have been carried out (the console waits on it). */
  settled(): Promise<void>;
  /** A message pinned or marked 📌 in a channel (deduplicated per message). */
  pinned(platform: Invocation['platform'], channelId: string, m: PinnedMessage): Promise<boolean>;
}

const INTERNAL: CoreError = {
  code: 'INTERNAL',
  message: 'Something went wrong on Steward’s side; it has been logged.',
  hint: 'Try again in a moment.',
};

export function createDispatcher(deps: {
  steward: Steward;
  actions: ActionCodec;
  metrics: Metrics;
  log: Logger;
}): Dispatcher {
  const { steward, metrics, log } = deps;
  const registry = steward.registry;

  function record(inv: Invocation, kind: 'command' | 'interaction', label: string, outcome: string, seconds: number) {
    metrics.latency.observe({ platform: inv.platform, kind }, seconds);
    if (kind === 'command') metrics.commands.inc({ platform: inv.platform, command: label, outcome });
    else metrics.interactions.inc({ platform: inv.platform, action: label, outcome });
    log.info(
      {
        requestId: inv.requestId,
        platform: inv.platform,
        user: inv.userId,
        kind,
        label,
        outcome,
        ms: Math.round(seconds * 1e4) / 10,
      },
      kind,
    );
  }

  async function run<T = Command>(
    kind: 'command' | 'interaction',
    inv: Invocation,
    label: string,
    parsed: Outcome<T>,
    exec: (value: T) => Promise<Outcome<Reply>> = (value) => steward.execute(inv, value as Command),
  ): Promise<Reply> {
    const started = process.hrtime.bigint();
    let outcome = 'ok';
    try {
      if (!parsed.ok) {
        outcome = parsed.error.code;
        return errorReply(parsed.error);
      }
      const result = await exec(parsed.value);
      if (!result.ok) outcome = result.error.code;
      return toReply(result);
    } catch (err) {
      outcome = 'error';
      log.error({ err, requestId: inv.requestId, platform: inv.platform, label }, 'request failed');
      return errorReply(INTERNAL);
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // Recorded once the reply is on its way: under a burst of requests, every reply goes out
      // before the bookkeeping of the burst is done.
      setImmediate(record, inv, kind, label, outcome, seconds);
    }
  }

  return {
    registry,
    actions: deps.actions,
    refuse(place, user) {
      const a = steward.admits(place);
      if (a.admitted) return undefined;
      const { platform, ...where } = place;
      log.warn(
        { platform, reason: a.reason, ...where, user },
        `${platform} request dropped: ${a.reason.replaceAll('_', ' ')}`,
      );
      metrics.requestsDropped.inc({ platform, reason: a.reason });
      return a.reason;
    },
    command(inv, name, text) {
      const p = parseCommand(name, neutralMentions(inv.platform, text), registry);
      const bare = name.replace(/^\//, '');
      const label = p.ok ? p.command.kind : registry.commands.has(bare) ? `/${bare}` : 'unknown';
      return run('command', inv, label, p.ok ? { ok: true, value: p.command } : p);
    },
    async submit(inv, formId, values) {
      const d = decodeForm(formId);
      if (!d.ok)
        return {
          reply: await run('interaction', inv, 'form', {
            ok: false,
            error: { code: 'ACTION.EXPIRED', message: 'This form is no longer understood by Steward.', hint: d.reason },
          }),
        };
      let fieldErrors: Record<string, string> | undefined;
      let reopen: Command | undefined;
      const reply = await run(
        'interaction',
        inv,
        `form:${d.target.kind}`,
        { ok: true, value: d.target },
        async (target) => {
          const r = await steward.submit(inv, target, values);
          if (!r.ok && r.error.fields) ({ fields: fieldErrors, reopen } = r.error);
          return r;
        },
      );
      return { reply, fieldErrors, reopen };
    },
    settled: () => steward.outbox.kick(),
    async pinned(platform, channelId, m) {
      try {
        return await steward.pinned(platform, channelId, m);
      } catch (err) {
        log.error({ err, platform, channelId }, 'pin not recorded');
        return false;
      }
    },
    action(inv, actionId) {
      const d = deps.actions.decode(actionId);
      if (!d.ok)
        return run('interaction', inv, 'unknown', {
          ok: false,
          error: { code: 'ACTION.EXPIRED', message: 'This button is no longer understood by Steward.', hint: d.reason },
        });
      return run('interaction', inv, d.command.kind, { ok: true, value: d.command });
    },
  };
}
