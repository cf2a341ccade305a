// The one path from any adapter into the core: parse → execute → reply, with metrics and logs.
import type { Reply } from '../../core/card.js';
import type { Command } from '../../core/commands.js';
import type { Invocation } from '../../core/context.js';
import type { CoreError, Outcome } from '../../core/errors.js';
import type { Steward } from '../../core/steward.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { decodeAction } from '../../render/action-codec.js';
import { errorReply, toReply } from '../../render/outcome.js';
import { decodeForm } from '../../render/form-codec.js';
import type { FormTarget } from '../../core/card.js';
import { COMMAND_NAMES, parseCommand } from './parse.js';

export interface Dispatcher {
  command(inv: Invocation, name: string, text: string): Promise<Reply>;
  action(inv: Invocation, actionId: string): Promise<Reply>;
  /**
   * A submitted form. `fields` in the result's error (code FORM.INVALID) maps field ids to
   * messages for platforms that show them inline.
   */
  submit(inv: Invocation, formId: string, values: Record<string, string | undefined>): Promise<{ reply: Reply; fieldErrors?: Record<string, string> }>;
  /** Resolves once the side effects due now have been carried out (the console waits on it). */
  settled(): Promise<void>;
  /** A message pinned or marked 📌 in a war room (deduplicated per message). */
  pinned(platform: Invocation['platform'], channelId: string, m: { messageId: string; authorId: string; authorName: string | null; text: string; at: Date; pinnedBy?: string }): Promise<boolean>;
}

const INTERNAL: CoreError = { code: 'INTERNAL', message: 'Something went wrong on Steward’s side; it has been logged.', hint: 'Try again in a moment.' };

export function createDispatcher(deps: { steward: Steward; metrics: Metrics; log: Logger }): Dispatcher {
  const { steward, metrics, log } = deps;

  function record(inv: Invocation, kind: 'command' | 'interaction', label: string, outcome: string, seconds: number) {
    metrics.latency.observe({ platform: inv.platform, kind }, seconds);
    if (kind === 'command') metrics.commands.inc({ platform: inv.platform, command: label, outcome });
    else metrics.interactions.inc({ platform: inv.platform, action: label, outcome });
    log.info({ requestId: inv.requestId, platform: inv.platform, user: inv.userId, kind, label, outcome, ms: Math.round(seconds * 1e4) / 10 }, kind);
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
    command(inv, name, text) {
      const p = parseCommand(name, text);
      const bare = name.replace(/^\//, '');
      const label = p.ok ? p.command.kind : (COMMAND_NAMES as readonly string[]).includes(bare) ? `/${bare}` : 'unknown';
      return run('command', inv, label, p.ok ? { ok: true, value: p.command } : p);
    },
    async submit(inv, formId, values) {
      const d = decodeForm(formId);
      if (!d.ok) return { reply: await run('interaction', inv, 'form', { ok: false, error: { code: 'ACTION.EXPIRED', message: 'This form is no longer understood by Steward.', hint: d.reason } }) };
      let fieldErrors: Record<string, string> | undefined;
      const reply = await run('interaction', inv, `form:${d.target.kind}`, { ok: true, value: d.target }, async (target) => {
        const r = await steward.submit(inv, target as FormTarget, values);
        if (!r.ok && r.error.fields) fieldErrors = r.error.fields;
        return r;
      });
      return { reply, fieldErrors };
    },
    settled: () => steward.outbox.kick(),
    async pinned(platform, channelId, m) {
      try {
        return await steward.incidents.addPinned(platform, channelId, m);
      } catch (err) {
        log.error({ err, platform, channelId }, 'pin not recorded');
        return false;
      }
    },
    action(inv, actionId) {
      const d = decodeAction(actionId);
      if (!d.ok) return run('interaction', inv, 'unknown', { ok: false, error: { code: 'ACTION.EXPIRED', message: 'This button is no longer understood by Steward.', hint: d.reason } });
      return run('interaction', inv, d.command.kind, { ok: true, value: d.command });
    },
  };
}
