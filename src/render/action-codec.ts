// Buttons carry a Command. It travels as a compact id string (Slack value / Discord custom_id,
// at most 100 characters): the operation's kind and its arguments in the order the operation
// declares, parsed back with the operation's own schema.
import type { Command } from '../core/card.js';
import type { Registry } from '../core/registry.js';
import { DISCORD } from './limits.js';

const PREFIX = 'st1';
const SEP = '|';

export type Decoded = { ok: true; command: Command } | { ok: false; reason: string };

export class ActionCodec {
  constructor(private readonly registry: Registry) {}

  encode(cmd: Command): string {
    const op = this.registry.operations.get(cmd.kind);
    if (!op) throw new Error(`no module declares the operation ${cmd.kind}`);
    const args = op.order.map((a) => {
      const v = cmd[a];
      const s = v === undefined ? '' : typeof v === 'string' ? v : (JSON.stringify(v) ?? '');
      if (s.includes(SEP)) throw new Error(`action argument contains "${SEP}": ${s}`);
      return s;
    });
    const id = [PREFIX, cmd.kind, ...args].join(SEP);
    if (id.length > DISCORD.CUSTOM_ID) throw new Error(`action id longer than ${DISCORD.CUSTOM_ID}: ${id}`);
    return id;
  }

  decode(id: string): Decoded {
    const [prefix, kind, ...args] = id.split(SEP);
    if (prefix !== PREFIX) return { ok: false, reason: 'not a Steward action' };
    // "st1" alone has no kind: as unknown as a kind nobody declared.
    const op = kind === undefined ? undefined : this.registry.operations.get(kind);
    if (!op || kind === undefined) return { ok: false, reason: `unknown action "${kind}"` };
    if (args.length !== op.order.length)
      return { ok: false, reason: `action "${kind}" expects ${op.order.length} argument(s)` };
    const obj: Record<string, unknown> = {};
    op.order.forEach((n, i) => {
      if (args[i] !== '') obj[n] = args[i];
    });
    const r = op.args.safeParse(obj);
    return r.success
      ? { ok: true, command: { kind, ...(r.data as Record<string, unknown>) } }
      : { ok: false, reason: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  }
}
