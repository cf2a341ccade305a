// Neutral card → console text. Buttons are numbered; the console adapter maps a typed number back to its command.
import { DateTime } from 'luxon';
import type { Button, Card, Command, Reply, Rich, Span } from '../../core/card.js';

export interface ConsoleMessage {
  text: string;
  /** Commands of the numbered buttons: buttons[0] is [1]. */
  buttons: Command[];
}

const TONE_MARK = { neutral: '', info: '', good: '✓ ', warning: '! ', danger: '!! ' } as const;

export class ConsoleRenderer {
  constructor(private readonly opts: { timezone: string; width?: number }) {}

  reply(reply: Reply, firstButton = 1): ConsoleMessage {
    const buttons: Button[] = [];
    const parts = reply.cards.map((c) => this.card(c, buttons, firstButton));
    return { text: parts.join('\n\n'), buttons: buttons.map((b) => b.command) };
  }

  private card(c: Card, buttons: Button[], first: number): string {
    const width = this.opts.width ?? 72;
    const title = `${TONE_MARK[c.tone ?? 'neutral']}${oneLine(c.title)}`;
    const lines = [`┌─ ${title} ${'─'.repeat(Math.max(0, width - title.length - 4))}`];
    const push = (s: string, indent = '│ ') => s.split('\n').forEach((l) => lines.push(indent + l));
    if (c.body?.length) push(this.rich(c.body));
    if (c.fields?.length) {
      const w = Math.max(...c.fields.map((f) => f.label.length));
      for (const f of c.fields)
        push(`${oneLine(f.label).padEnd(w)}  ${this.rich(f.value).replace(/\n/g, '\n' + ' '.repeat(w + 2))}`);
    }
    for (const s of c.sections ?? []) {
      if (s.heading) push(`▸ ${oneLine(s.heading)}`);
      push(this.rich(s.body), s.heading ? '│   ' : '│ ');
    }
    if (c.buttons?.length) {
      const labels = c.buttons.map((b) => {
        buttons.push(b);
        return `[${first + buttons.length - 1}] ${oneLine(b.label)}`;
      });
      push(labels.join('  '));
    }
    if (c.context?.length) push(this.rich(c.context), '│ · ');
    lines.push('└' + '─'.repeat(width - 1));
    return lines.join('\n');
  }

  rich(r: Rich): string {
    return r.map((s) => this.span(s)).join('');
  }

  private span(s: Span): string {
    switch (s.t) {
      case 'text':
        return control(s.v);
      case 'strong':
        return control(s.v);
      case 'code':
        return control(s.v);
      case 'user':
        return `@${control(s.name)}`;
      case 'channel':
        return `#${control(s.name ?? s.slack ?? s.discord ?? 'channel')}`;
      case 'link':
        return `${control(s.label)} <${control(s.url)}>`;
      case 'time': {
        const dt = DateTime.fromJSDate(s.at).setZone(this.opts.timezone);
        return s.style === 'relative' ? (dt.toRelative() ?? dt.toISO()!) : dt.toFormat('yyyy-LL-dd HH:mm ZZZZ');
      }
      case 'br':
        return '\n';
    }
  }
}

/** Terminal control characters in user text could rewrite the screen: show them as �. */
function control(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '�');
}
const oneLine = (s: string) => control(s).replace(/\n/g, ' ');
