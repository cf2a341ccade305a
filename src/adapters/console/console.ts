// Local console chat: type the same slash commands as on Slack or Discord; numbered buttons are clickable
// by typing their number. Works interactively and with commands piped on stdin (one per line).
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Command } from '../../core/commands.js';
import type { ConsoleRenderer } from '../../render/console/text.js';
import { encodeAction } from '../../render/action-codec.js';
import type { Dispatcher } from '../shared/dispatch.js';

export interface ConsoleOptions {
  input: Readable;
  output: Writable;
  /** Policy person id the console speaks as. */
  user: string;
  userName?: string;
  interactive: boolean;
}

export interface ConsoleAdapter {
  /** Resolves when the input ends (EOF, `exit`) and every line has been answered. */
  readonly done: Promise<void>;
  stop(): void;
}

const BANNER = 'Steward console. Type /steward help, /service list, /service show <id>; a number presses a button; exit to quit.';

export function startConsole(opts: ConsoleOptions, deps: { dispatcher: Dispatcher; render: ConsoleRenderer }): ConsoleAdapter {
  const { dispatcher, render } = deps;
  const rl = createInterface({ input: opts.input, output: opts.interactive ? opts.output : undefined, terminal: opts.interactive, prompt: 'steward> ' });
  const write = (s: string) => opts.output.write(s.endsWith('\n') ? s : `${s}\n`);
  let buttons: Command[] = [];
  let chain = Promise.resolve();

  const inv = () => ({ platform: 'console' as const, userId: opts.user, userName: opts.userName, requestId: randomUUID() });

  async function handle(line: string) {
    const input = line.trim();
    if (!input) return;
    if (!opts.interactive) write(`steward> ${input}`);
    let reply;
    if (/^\d+$/.test(input)) {
      const cmd = buttons[Number(input) - 1];
      if (!cmd) {
        write(buttons.length ? `There is no button [${input}]; choose 1-${buttons.length}.` : 'There are no buttons to press yet.');
        return;
      }
      reply = await dispatcher.action(inv(), encodeAction(cmd));
    } else if (input.startsWith('/')) {
      const [, name, text = ''] = /^\/(\S+)\s*(.*)$/s.exec(input)!;
      reply = await dispatcher.command(inv(), name, text);
    } else {
      write('Commands start with "/" (try /steward help); a number presses a button; exit quits.');
      return;
    }
    const msg = render.reply(reply);
    buttons = msg.buttons;
    write(msg.text);
  }

  const done = new Promise<void>((resolve) => {
    rl.on('line', (line) => {
      if (/^(exit|quit|\/exit|\/quit)$/i.test(line.trim())) {
        rl.close();
        return;
      }
      chain = chain.then(() => handle(line)).catch((err) => write(`error: ${(err as Error).message}`)).then(() => {
        if (opts.interactive) rl.prompt();
      });
    });
    rl.on('close', () => void chain.then(resolve));
  });

  write(BANNER);
  if (opts.interactive) rl.prompt();
  return { done, stop: () => rl.close() };
}
