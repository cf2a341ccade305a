// Local console chat: type the same slash commands as on Slack or Discord; numbered buttons are
// pressed by typing their number; forms are asked field by field. Works interactively and with
// commands piped on stdin (one per line). Plain text in a channel is a chat message (for /pin).
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Command, Form, Reply } from '../../core/card.js';
import type { ConsoleRenderer } from '../../render/console/text.js';
import { encodeForm } from '../../render/form-codec.js';
import type { Dispatcher } from '../shared/dispatch.js';
import { ConsoleGateway } from './gateway.js';
import { FormSession } from './form-session.js';

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
  readonly gateway: ConsoleGateway;
  stop(): void;
}

const BANNER =
  'Steward console. Try /steward help, /service list, /incident declare <title>, /oncall, /page <service> <message>. A number presses a button; /join <channel>, /leave, /pin <message>; exit quits.';

export function startConsole(
  opts: ConsoleOptions,
  deps: { dispatcher: Dispatcher; render: ConsoleRenderer },
): ConsoleAdapter {
  const { dispatcher, render } = deps;
  const rl = createInterface({
    input: opts.input,
    output: opts.interactive ? opts.output : undefined,
    terminal: opts.interactive,
    prompt: 'steward> ',
  });
  const write = (s: string) => opts.output.write(s.endsWith('\n') ? s : `${s}\n`);
  let buttons: Command[] = [];
  let channel: string | undefined;
  let form: FormSession | undefined;
  const said = new Map<string, { text: string; at: Date }>();
  let chain = Promise.resolve();

  const show = (reply: Reply, heading?: string) => {
    if (heading) write(heading);
    const msg = render.reply(reply);
    if (msg.text) write(msg.text);
    // A reply to what the user typed replaces the buttons; a channel post only when it has some.
    if (!heading || msg.buttons.length) buttons = msg.buttons;
    if (reply.form) startForm(reply.form);
  };
  const gateway = new ConsoleGateway(
    {
      show: (heading, reply) => show(reply, heading),
      note: (line) => write(line),
      enter: (c) => {
        channel = c;
        write(`(you are now in #${c}; /leave to go back)`);
      },
    },
    opts.user,
  );

  const inv = () => ({
    platform: 'console' as const,
    userId: opts.user,
    userName: opts.userName,
    channelId: channel,
    requestId: randomUUID(),
  });

  function startForm(f: Form) {
    form = new FormSession(f);
    write(`── ${f.title} ── (empty line keeps the default; "cancel" abandons the form)`);
    write(form.prompt());
  }

  async function answerForm(input: string) {
    const f = form!;
    if (input.trim().toLowerCase() === 'cancel') {
      form = undefined;
      write('Form cancelled.');
      return;
    }
    const problem = f.answer(input);
    if (problem) {
      write(problem);
      write(f.prompt());
      return;
    }
    if (!f.complete) {
      write(f.prompt());
      return;
    }
    const { reply, fieldErrors } = await dispatcher.submit(inv(), encodeForm(f.form.target), f.values);
    if (fieldErrors) {
      write(
        Object.entries(fieldErrors)
          .map(([k, v]) => `  ${f.label(k)}: ${v}`)
          .join('\n'),
      );
      f.reopen(Object.keys(fieldErrors));
      write(f.prompt());
      return;
    }
    form = undefined;
    show(reply);
  }

  async function handle(line: string) {
    const input = line.trim();
    if (!opts.interactive && input) write(`steward> ${input}`);
    if (form) return answerForm(line);
    if (!input) return;
    if (/^\d+$/.test(input)) {
      const cmd = buttons[Number(input) - 1];
      if (!cmd)
        return void write(
          buttons.length
            ? `There is no button [${input}]; choose 1-${buttons.length}.`
            : 'There are no buttons to press yet.',
        );
      return show(await dispatcher.action(inv(), dispatcher.actions.encode(cmd)));
    }
    const meta = /^\/(join|leave|pin)\b\s*(.*)$/.exec(input);
    if (meta) return metaCommand(meta[1]!, meta[2]!.trim());
    if (input.startsWith('/')) {
      const [, name, text = ''] = /^\/(\S+)\s*(.*)$/s.exec(input)!;
      return show(await dispatcher.command(inv(), name!, text));
    }
    if (channel) {
      const id = gateway.say();
      said.set(`${channel}:${id}`, { text: input, at: new Date() });
      return void write(`[#${channel}] message ${id} from ${opts.userName ?? opts.user}`);
    }
    write('Commands start with "/" (try /steward help); a number presses a button; exit quits.');
  }

  async function metaCommand(name: string, arg: string) {
    if (name === 'join') {
      channel = arg.replace(/^#/, '') || undefined;
      return void write(channel ? `(you are now in #${channel})` : 'Usage: /join <channel>');
    }
    if (name === 'leave') {
      channel = undefined;
      return void write('(you left the channel)');
    }
    const m = channel ? said.get(`${channel}:${arg}`) : undefined;
    if (!channel || !m) return void write('Usage: /pin <message number> — a message you wrote in this channel.');
    const added = await dispatcher.pinned('console', channel, {
      messageId: arg,
      authorId: opts.user,
      authorName: opts.userName ?? null,
      text: m.text,
      at: m.at,
    });
    write(
      added
        ? `📌 message ${arg} added to the incident timeline`
        : `message ${arg} was already on the timeline (or this is not a war room)`,
    );
  }

  const done = new Promise<void>((resolve) => {
    rl.on('line', (line) => {
      if (!form && /^(exit|quit|\/exit|\/quit)$/i.test(line.trim())) {
        rl.close();
        return;
      }
      // Each line's side effects (war room, announcements, edits) are shown before the next line runs.
      chain = chain
        .then(() => handle(line))
        .then(() => dispatcher.settled())
        .catch((err) => write(`error: ${(err as Error).message}`))
        .then(() => {
          if (opts.interactive) rl.prompt();
        });
    });
    rl.on('close', () => void chain.then(resolve));
  });

  write(BANNER);
  if (opts.interactive) rl.prompt();
  return { done, gateway, stop: () => rl.close() };
}
