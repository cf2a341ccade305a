// A domain's chat behaviour without the wire: the real dispatcher (mentions rewritten, the command
// parsed, the platform binding and access decided, the operation run, errors turned into replies)
// in front of a Steward, with buttons clicked through the real action codec and forms submitted
// through the real form codec. Where the wire is the subject, the *.e2e.test.ts files drive the
// real Bolt and discord.js instead.
import { createDispatcher } from '../../src/adapters/shared/dispatch.js';
import type { Form, Reply } from '../../src/core/card.js';
import type { Invocation } from '../../src/core/context.js';
import type { Steward } from '../../src/core/steward.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { ActionCodec } from '../../src/render/action-codec.js';
import { encodeForm } from '../../src/render/form-codec.js';

let seq = 0;

export function chatOf(steward: Steward) {
  const actions = new ActionCodec(steward.registry);
  const logs: string[] = [];
  const log = createLogger({ level: 'warn', secrets: [], destination: { write: (s: string) => void logs.push(s) } });
  const dispatcher = createDispatcher({ steward, actions, metrics: new Metrics({ defaults: false }), log });
  const inv = (platform: Invocation['platform'], userId: string): Invocation => ({
    platform,
    userId,
    channelId: 'C0GENERAL',
    requestId: `chat-${++seq}`,
  });
  return {
    dispatcher,
    logs,
    /** A slash command with its text as the platform sends it (`/alert` → `alert`). */
    command: (platform: Invocation['platform'], userId: string, name: string, text: string) =>
      dispatcher.command(inv(platform, userId), name, text),
    /** A click on the button labelled `label` in `reply`, its id encoded as the renderers encode it. */
    click(platform: Invocation['platform'], userId: string, reply: Reply, label: string) {
      const button = reply.cards.flatMap((c) => c.buttons ?? []).find((b) => b.label === label);
      if (!button) throw new Error(`no button "${label}" in ${reply.cards.map((c) => c.title).join(' / ')}`);
      return dispatcher.action(inv(platform, userId), actions.encode(button.command));
    },
    /** A form submitted with `values` (field id → value). */
    submit: (platform: Invocation['platform'], userId: string, form: Form, values: Record<string, string>) =>
      dispatcher.submit(inv(platform, userId), encodeForm(form.target), values),
  };
}

/** The text of a reply's cards: titles, bodies and fields, for assertions. */
export function replyText(r: Reply): string {
  return r.cards
    .flatMap((c) => [
      c.title,
      ...(c.body ?? []).map((s) => ('v' in s ? s.v : '')),
      ...(c.fields ?? []).map((f) => `${f.label}: ${f.value.map((s) => ('v' in s ? s.v : '')).join('')}`),
    ])
    .join('\n');
}
