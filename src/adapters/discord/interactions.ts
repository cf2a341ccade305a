// Discord interactions in, replies out: slash commands (as the text the shared parser reads),
// buttons, and modals (forms shown with showModal, submissions read field by field).
import { randomUUID } from 'node:crypto';
import {
  ApplicationCommandOptionType,
  ComponentType,
  MessageFlags,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  type Interaction,
  type ModalSubmitInteraction,
} from 'discord.js';
import { type Button, type FormTarget, type Reply, br, code, join, strong, txt } from '../../core/card.js';
import type { Invocation } from '../../core/context.js';
import type { CoreError } from '../../core/errors.js';
import type { DiscordRenderer } from '../../render/discord/message.js';
import { decodeForm } from '../../render/form-codec.js';
import { errorReply } from '../../render/outcome.js';
import type { Dispatcher } from '../shared/dispatch.js';
import { COMMAND_NAMES } from '../shared/parse.js';

const ACTION_PREFIX = 'st1|';
const FORM_PREFIX = 'f1|';

/** Options whose value is the rest of the line (kept as typed, placed last). */
const FREE_TEXT = new Set(['title', 'text', 'summary', 'message']);
/** The option naming an incident: `INC-7`, `inc-7`, `#7` or `7`. */
const INCIDENT_OPTION = 'incident';
const INCIDENT_REF = /^\s*(?:inc-?\s*)?#?(\d{1,9})\s*$/i;
const SNOWFLAKE = /^\d{15,21}$/;

function leafOptions(i: Pick<ChatInputCommandInteraction, 'options'>): readonly CommandInteractionOption[] {
  const sub = i.options.getSubcommand(false);
  return (sub ? i.options.data[0]?.options : i.options.data) ?? [];
}

/**
 * A chat-input interaction as the text the shared parser reads: "<subcommand> [INC-n] <options…>".
 * Whatever order the user filled the options in: the incident first, then plain values (those
 * with spaces stay one quoted argument), then a user (as a mention), then free text as typed.
 */
export function interactionText(i: Pick<ChatInputCommandInteraction, 'options'>): string {
  const rank = (o: CommandInteractionOption) => (o.name === INCIDENT_OPTION ? 0 : FREE_TEXT.has(o.name) ? 3 : o.type === ApplicationCommandOptionType.User ? 2 : 1);
  const parts = [...leafOptions(i)]
    .sort((a, b) => rank(a) - rank(b))
    .map((o) => {
      const v = String(o.value ?? '');
      if (o.type === ApplicationCommandOptionType.User && SNOWFLAKE.test(v)) return `<@${v}>`;
      if (o.name === INCIDENT_OPTION) {
        const n = INCIDENT_REF.exec(v);
        return n ? `INC-${Number(n[1])}` : v;
      }
      if (FREE_TEXT.has(o.name)) return v.trim();
      return /\s/.test(v) ? `"${v.replace(/"/g, "'")}"` : v;
    });
  return [i.options.getSubcommand(false) ?? '', ...parts].filter((s) => s !== '').join(' ');
}

/** Options the parser cannot check from the text alone (an incident reference that is not one). */
export function optionError(i: Pick<ChatInputCommandInteraction, 'options'>): CoreError | undefined {
  const inc = leafOptions(i).find((o) => o.name === INCIDENT_OPTION);
  if (inc && !INCIDENT_REF.test(String(inc.value ?? '')))
    return { code: 'COMMAND.INVALID', message: `"${String(inc.value)}" does not name an incident.`, hint: 'Name it like INC-7; /incident list shows the open ones.' };
  return undefined;
}

const fieldLabel = (id: string) => id.charAt(0).toUpperCase() + id.slice(1).replace(/[-_]/g, ' ');

/** Room for a title carried by the "open the form again" button (custom_id ≤ 100 characters). */
export const CARRIED_TITLE_MAX = 100 - `${ACTION_PREFIX}incident.declare|`.length;

/**
 * Discord modals cannot show errors next to fields: the submission is answered with the list of
 * problems and a button that opens the form again (for a declaration, with the title typed so far).
 */
export function formErrorReply(target: FormTarget, values: Record<string, string | undefined>, fields: Record<string, string>): Reply {
  const title = values.title?.replace(/\|/g, '/').trim().slice(0, CARRIED_TITLE_MAX);
  const again: Button =
    target.kind === 'incident.declare'
      ? { label: 'Open the form again', style: 'primary', command: { kind: 'incident.declare', ...(title ? { title } : {}) } }
      : { label: 'Open the form again', style: 'primary', command: { kind: 'incident.form', incident: target.number, form: target.kind.slice('incident.'.length) as 'status' } };
  return {
    visibility: 'ephemeral',
    cards: [
      {
        title: 'Some fields need another look',
        tone: 'danger',
        body: join(Object.entries(fields).map(([id, message]) => [strong(fieldLabel(id)), txt(`: ${message}`)]), br),
        buttons: [again],
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

  async function onChatInput(i: ChatInputCommandInteraction) {
    if (!(COMMAND_NAMES as readonly string[]).includes(i.commandName)) return;
    const refused = optionError(i);
    const reply = refused ? errorReply(refused) : await dispatcher.command(inv(i), i.commandName, interactionText(i));
    await answer(i, reply);
  }

  async function onButton(i: ButtonInteraction) {
    if (!i.customId.startsWith(ACTION_PREFIX)) return;
    await answer(i, await dispatcher.action(inv(i), i.customId));
  }

  async function onModalSubmit(i: ModalSubmitInteraction) {
    if (!i.customId.startsWith(FORM_PREFIX)) return;
    const values: Record<string, string | undefined> = {};
    for (const [id, field] of i.fields.fields) {
      if (field.type === ComponentType.TextInput) values[id] = field.value;
      else if (field.type === ComponentType.StringSelect) values[id] = field.values[0];
    }
    const { reply, fieldErrors } = await dispatcher.submit(inv(i), i.customId, values);
    const decoded = decodeForm(i.customId);
    const shown = fieldErrors && decoded.ok ? formErrorReply(decoded.target, values, fieldErrors) : reply;
    await i.reply({ ...payload(shown), flags: MessageFlags.Ephemeral });
  }

  /** The work an interaction causes, or undefined when it is not Steward's. */
  return (i: Interaction): Promise<void> | undefined =>
    i.isChatInputCommand() ? onChatInput(i) : i.isButton() ? onButton(i) : i.isModalSubmit() ? onModalSubmit(i) : undefined;
}
