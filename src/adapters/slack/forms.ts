// Steward's forms as Slack modals: opened with the trigger_id of a slash command or a button click,
// submitted back as view_submission. Invalid fields are shown inline in the modal
// (response_action "errors"); the result of a valid submission goes to the user as an ephemeral
// message in the channel the form was opened from, or as a direct message when that fails.
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, types, ViewSubmitAction, webApi } from '@slack/bolt';
import type { Form, Reply } from '../../core/card.js';
import type { Invocation } from '../../core/context.js';
import type { Logger } from '../../observability/logger.js';
import type { SlackRenderer } from '../../render/slack/blocks.js';
import { modalMetadata, modalValues, renderModal } from '../../render/slack/modal.js';
import { errorReply } from '../../render/outcome.js';
import type { Dispatcher } from '../shared/dispatch.js';
import { withinAckBudget } from './ack-budget.js';
import { slackFailure } from './gateway.js';

type WebClient = webApi.WebClient;

/** Callback ids of Steward's modals (render/form-codec.ts). */
export const FORM_CALLBACK_ID = /^f1\|/;

export interface FormDeps {
  dispatcher: Dispatcher;
  render: SlackRenderer;
  log: Logger;
  inv: (user: { id: string; name?: string }, channelId: string | undefined, requestId: unknown) => Invocation;
}

/**
 * Opens `form` as a modal. Returns a reply to show instead when Slack refuses (an expired
 * trigger, a bad view), so the user is never left without an answer.
 */
export async function openForm(
  client: WebClient,
  triggerId: string,
  form: Form,
  channel: string | undefined,
  deps: Pick<FormDeps, 'render' | 'log'>,
): Promise<Reply | undefined> {
  try {
    const view = renderModal(form, { channel }, deps.render.policy);
    await client.views.open({ trigger_id: triggerId, view: view as unknown as types.ModalView });
    return undefined;
  } catch (err) {
    const f = slackFailure(err);
    deps.log.warn({ platform: 'slack', form: form.target.kind, err: f.message }, 'form not opened');
    return f.error === 'expired_trigger_id'
      ? errorReply({
          code: 'ACTION.EXPIRED',
          message: 'Slack closed the window for opening this form.',
          hint: 'Run the command or press the button again.',
        })
      : errorReply({
          code: 'INTERNAL',
          message: 'Slack did not open the form; it has been logged.',
          hint: 'Try again in a moment.',
        });
  }
}

/** Handles the submission of one of Steward's modals (callback id matching FORM_CALLBACK_ID). */
export function formSubmissions(
  deps: FormDeps,
): (args: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => Promise<void> {
  const { dispatcher, render, log } = deps;

  return async ({ ack, body, view, client, context }) => {
    const meta = modalMetadata(view.private_metadata);
    const values = modalValues(view.state.values);
    const inv = deps.inv({ id: body.user.id, name: body.user.name }, meta.channel, context.requestId);
    const pending = dispatcher.submit(inv, view.callback_id, values);

    const first = await withinAckBudget(pending);
    if (first !== 'late' && first.fieldErrors) {
      const errors = inlineErrors(first.fieldErrors, view.blocks);
      if (errors) return ack({ response_action: 'errors', errors });
    }
    // Closes the modal; the outcome (or the errors, when they could not be shown inline) follows.
    await ack();
    const { reply } = first === 'late' ? await pending : first;
    await deliver(client, body.user.id, meta.channel, reply, { render, log });
  };
}

/**
 * Field errors keyed by the modal's block ids. An error about something that is not one of the
 * modal's inputs is shown on the first input; undefined when the modal has no input at all.
 */
export function inlineErrors(
  fields: Record<string, string>,
  blocks: readonly { type: string; block_id?: string }[],
): Record<string, string> | undefined {
  const ids = blocks.filter((b) => b.type === 'input' && b.block_id).map((b) => b.block_id!);
  if (!ids.length) return undefined;
  const errors: Record<string, string> = {};
  for (const [field, message] of Object.entries(fields)) {
    const id = ids.includes(field) ? field : ids[0]!;
    errors[id] = errors[id] ? `${errors[id]} ${message}` : message;
  }
  return errors;
}

/** Shows a reply to one user: ephemeral in `channel`, else in a direct message. */
export async function deliver(
  client: WebClient,
  user: string,
  channel: string | undefined,
  reply: Reply,
  deps: Pick<FormDeps, 'render' | 'log'>,
): Promise<void> {
  if (!reply.cards.length) return;
  const m = deps.render.reply(reply);
  if (channel) {
    try {
      await client.chat.postEphemeral({ channel, user, text: m.text, blocks: m.blocks });
      return;
    } catch (err) {
      deps.log.info(
        { platform: 'slack', channel, err: slackFailure(err).message },
        'ephemeral reply refused; sending it as a direct message',
      );
    }
  }
  try {
    await client.chat.postMessage({
      channel: user,
      text: m.text,
      blocks: m.blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
  } catch (err) {
    deps.log.warn({ platform: 'slack', user, err: slackFailure(err).message }, 'form result not delivered');
  }
}
