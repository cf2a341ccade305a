// Discord interactions in, replies out: slash commands (as the text the shared parser reads),
// buttons, and modals (forms shown with showModal, submissions read field by field).
import { mentionOf } from '../../core/people/mention.js';
import { randomUUID } from 'node:crypto';
import {
  ApplicationCommandOptionType,
  ApplicationIntegrationType,
  ComponentType,
  MessageFlags,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  type Interaction,
  type ModalSubmitInteraction,
} from 'discord.js';
import { type Button, type Command, type Reply, br, code, join, strong, txt } from '../../core/card.js';
import type { Invocation } from '../../core/context.js';
import type { CoreError } from '../../core/errors.js';
import type { DiscordRenderer } from '../../render/discord/message.js';
import type { CommandOption, SlashCommandDecl } from '../../core/module.js';
import { errorReply } from '../../render/outcome.js';
import type { Dispatcher } from '../shared/dispatch.js';

/** The whole answer to an interaction from a place the policy does not bind Steward to. */
export const NOT_HERE = 'Steward does not answer here.';

const ACTION_PREFIX = 'st1|';
const FORM_PREFIX = 'f1|';

const SNOWFLAKE = /^\d{15,21}$/;
const REF = /^\s*(?:([a-z]+)-?\s*)?#?(\d{1,9})\s*$/i;

function leafOptions(i: Pick<ChatInputCommandInteraction, 'options'>): readonly CommandInteractionOption[] {
  const sub = i.options.getSubcommand(false);
  return (sub ? i.options.data[0]?.options : i.options.data) ?? [];
}

/** How the command declares its options (of the subcommand used, when there is one), by name. */
function declared(
  i: Pick<ChatInputCommandInteraction, 'options'>,
  decl: SlashCommandDecl | undefined,
): Map<string, CommandOption> {
  const sub = i.options.getSubcommand(false);
  const opts = sub
    ? (decl?.options.find((o) => o.type === 'subcommand' && o.name === sub)?.options ?? [])
    : (decl?.options ?? []);
  return new Map(opts.map((o) => [o.name, o]));
}

/**
 * A chat-input interaction as the text the command's grammar reads: "<subcommand> [REF-n] <options…>".
 * Whatever order the user filled the options in: a reference (INC-n …) first, then flags (a boolean
 * option set to true is `--<name>`; false is left out), then plain values in the order the command
 * declares them (those with spaces stay one quoted argument), then a user (as a neutral mention,
 * `@discord:<id>`), then free text as typed.
 */
export function interactionText(
  i: Pick<ChatInputCommandInteraction, 'options'>,
  decl: SlashCommandDecl | undefined,
): string {
  const how = declared(i, decl);
  const flag = (o: CommandInteractionOption) => o.type === ApplicationCommandOptionType.Boolean;
  const rank = (o: CommandInteractionOption) =>
    how.get(o.name)?.ref
      ? 0
      : flag(o)
        ? 0.5
        : how.get(o.name)?.freeText
          ? 3
          : o.type === ApplicationCommandOptionType.User
            ? 2
            : 1;
  // Values of one rank in the order the command declares them (positional words read them so).
  const order = [...how.keys()];
  const at = (o: CommandInteractionOption) => order.indexOf(o.name);
  const parts = [...leafOptions(i)]
    .filter((o) => !flag(o) || o.value === true)
    .sort((a, b) => rank(a) - rank(b) || at(a) - at(b))
    .map((o) => {
      if (flag(o)) return `--${o.name}`;
      const v = String(o.value ?? '');
      const d = how.get(o.name);
      if (o.type === ApplicationCommandOptionType.User && SNOWFLAKE.test(v)) return mentionOf('discord', v);
      if (d?.ref) {
        const n = REF.exec(v);
        return n && (!n[1] || n[1].toUpperCase() === d.ref.prefix) ? `${d.ref.prefix}-${Number(n[2])}` : v;
      }
      if (d?.freeText) return v.trim();
      return /\s/.test(v) ? `"${v.replace(/"/g, "'")}"` : v;
    });
  return [i.options.getSubcommand(false) ?? '', ...parts].filter((s) => s !== '').join(' ');
}

/** Options the grammar cannot check from the text alone (a reference that is not one). */
export function optionError(
  i: Pick<ChatInputCommandInteraction, 'options'>,
  decl: SlashCommandDecl | undefined,
): CoreError | undefined {
  const how = declared(i, decl);
  for (const o of leafOptions(i)) {
    const d = how.get(o.name);
    if (!d?.ref) continue;
    const n = REF.exec(String(o.value ?? ''));
    if (!n || (n[1] && n[1].toUpperCase() !== d.ref.prefix))
      return {
        code: 'COMMAND.INVALID',
        message: `"${String(o.value)}" does not name ${d.ref.noun}.`,
        hint: d.ref.hint,
      };
  }
  return undefined;
}

const fieldLabel = (id: string) => id.charAt(0).toUpperCase() + id.slice(1).replace(/[-_]/g, ' ');

/**
 * Discord modals cannot show errors next to fields: the submission is answered with the list of
 * problems and a button that opens the form again with every value typed so far.
 */
export function formErrorReply(fields: Record<string, string>, reopen: Command | undefined): Reply {
  const again: Button[] = reopen ? [{ label: 'Open the form again', style: 'primary', command: reopen }] : [];
  return {
    visibility: 'ephemeral',
    cards: [
      {
        title: 'Some fields need another look',
        tone: 'danger',
        body: join(
          Object.entries(fields).map(([id, message]) => [strong(fieldLabel(id)), txt(`: ${message}`)]),
          br,
        ),
        buttons: again,
        context: [code('FORM.INVALID')],
      },
    ],
  };
}

export interface InteractionDeps {
  dispatcher: Dispatcher;
  render: DiscordRenderer;
}

export function createInteractionHandler({ dispatcher, render }: InteractionDeps) {
  const inv = (i: Interaction): Invocation => ({
    platform: 'discord',
    userId: i.user.id,
    userName: i.user.globalName ?? i.user.username,
    channelId: i.channelId ?? undefined,
    requestId: randomUUID(),
  });
  const payload = (reply: Reply) => {
    const m = render.reply(reply);
    return { embeds: m.embeds, components: m.components, allowedMentions: { parse: [] as never[] } };
  };
  const flags = (reply: Reply) => (reply.visibility === 'ephemeral' ? MessageFlags.Ephemeral : undefined);

  /** A reply that opens a form shows the modal (only a command or a click may open one). */
  async function answer(i: ChatInputCommandInteraction | ButtonInteraction, reply: Reply) {
    if (reply.form) return void (await i.showModal(render.modal(reply.form)));
    if (i.isButton() && reply.replaceOriginal) return void (await i.update(payload(reply)));
    await i.reply({ ...payload(reply), flags: flags(reply) });
  }

  /**
   * Asks the policy's `access` about the interaction's guild; a refused one is answered with a
   * generic ephemeral line (so that Discord shows no failure) and goes no further. A command that
   * only a user installation authorizes does not come from a guild Steward is installed in.
   */
  async function refused(
    i: ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction,
    kind: 'command' | 'component' | 'modal',
  ) {
    const owners = i.authorizingIntegrationOwners ?? {};
    const userInstalled =
      kind === 'command' &&
      owners[ApplicationIntegrationType.UserInstall] !== undefined &&
      owners[ApplicationIntegrationType.GuildInstall] === undefined;
    if (!dispatcher.refuse({ platform: 'discord', guild: userInstalled ? null : i.guildId, kind }, i.user.id))
      return false;
    await i.reply({ content: NOT_HERE, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    return true;
  }

  async function onChatInput(i: ChatInputCommandInteraction) {
    const decl = dispatcher.registry.commands.get(i.commandName);
    if (!decl || (await refused(i, 'command'))) return;
    const invalid = optionError(i, decl);
    const reply = invalid
      ? errorReply(invalid)
      : await dispatcher.command(inv(i), i.commandName, interactionText(i, decl));
    await answer(i, reply);
  }

  async function onButton(i: ButtonInteraction) {
    if (!i.customId.startsWith(ACTION_PREFIX) || (await refused(i, 'component'))) return;
    await answer(i, await dispatcher.action(inv(i), i.customId));
  }

  async function onModalSubmit(i: ModalSubmitInteraction) {
    if (!i.customId.startsWith(FORM_PREFIX) || (await refused(i, 'modal'))) return;
    const values: Record<string, string | undefined> = {};
    for (const [id, field] of i.fields.fields) {
      if (field.type === ComponentType.TextInput) values[id] = field.value;
      else if (field.type === ComponentType.StringSelect) values[id] = field.values[0];
    }
    const { reply, fieldErrors, reopen } = await dispatcher.submit(inv(i), i.customId, values);
    const shown = fieldErrors ? formErrorReply(fieldErrors, reopen) : reply;
    await i.reply({ ...payload(shown), flags: MessageFlags.Ephemeral });
  }

  /** The work an interaction causes, or undefined when it is not Steward's. */
  return (i: Interaction): Promise<void> | undefined =>
    i.isChatInputCommand()
      ? onChatInput(i)
      : i.isButton()
        ? onButton(i)
        : i.isModalSubmit()
          ? onModalSubmit(i)
          : undefined;
}
