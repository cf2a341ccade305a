// Neutral form → Slack modal view (views.open), and a submitted view's state back to field values.
// One input block per field, its block_id the field id, so inline errors map back one to one.
import type { Form, FormField, FormOption } from '../../core/card.js';
import { encodeForm } from '../form-codec.js';
import { Limits, SLACK, type LimitPolicy } from '../limits.js';
import { plainSlack } from './blocks.js';

/** Slack's limits for modals and their input elements. */
export const SLACK_MODAL = {
  TITLE: SLACK.MODAL_TITLE,
  SUBMIT: 24,
  CLOSE: 24,
  BLOCKS: SLACK.MODAL_BLOCKS,
  CALLBACK_ID: 255,
  PRIVATE_METADATA: 3000,
  LABEL: 2000,
  PLACEHOLDER: 150,
  INPUT_MAX_LENGTH: 3000,
  INITIAL_VALUE: 3000,
  OPTIONS: 100,
  OPTION_TEXT: 75,
  OPTION_DESCRIPTION: 75,
  OPTION_VALUE: 150,
} as const;

/** The action_id every input element carries; the block_id (the field id) tells fields apart. */
export const FIELD_ACTION_ID = 'value';

/** What a modal carries back to Steward besides the form target (kept in private_metadata). */
export interface ModalMetadata {
  /** The channel the form was opened from: where the result is shown to the user. */
  channel?: string;
}

export type SlackModal = Record<string, unknown> & {
  type: 'modal';
  callback_id: string;
  blocks: Record<string, unknown>[];
};

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });

/** Short texts (titles, buttons, options) get a one-character mark: the long mark would not fit. */
function short(lim: Limits, limit: string, max: number, s: string): string {
  if (s.length <= max) return s;
  lim.overflow(limit, max, s.length);
  return s.slice(0, max - 1) + '…';
}

export function renderModal(form: Form, meta: ModalMetadata, policy: LimitPolicy): SlackModal {
  const lim = new Limits('slack', policy);
  const fields = lim.items('MODAL_BLOCKS', SLACK_MODAL.BLOCKS, form.fields);
  return {
    type: 'modal',
    callback_id: lim.exact('CALLBACK_ID', SLACK_MODAL.CALLBACK_ID, encodeForm(form.target)),
    private_metadata: lim.exact('PRIVATE_METADATA', SLACK_MODAL.PRIVATE_METADATA, JSON.stringify(meta)),
    title: plain(short(lim, 'MODAL_TITLE', SLACK_MODAL.TITLE, plainSlack(form.title))),
    submit: plain(short(lim, 'MODAL_SUBMIT', SLACK_MODAL.SUBMIT, plainSlack(form.submitLabel))),
    close: plain('Cancel'),
    blocks: fields.map((f) => input(f, lim)),
  };
}

function input(f: FormField, lim: Limits): Record<string, unknown> {
  return {
    type: 'input',
    block_id: f.id,
    label: plain(lim.text('INPUT_LABEL', SLACK_MODAL.LABEL, plainSlack(f.label))),
    optional: !f.required,
    element: element(f, lim),
  };
}

function element(f: FormField, lim: Limits): Record<string, unknown> {
  const placeholder = f.placeholder
    ? { placeholder: plain(short(lim, 'PLACEHOLDER', SLACK_MODAL.PLACEHOLDER, plainSlack(f.placeholder))) }
    : {};
  switch (f.kind) {
    case 'text':
    case 'paragraph': {
      const max = f.maxLength ? Math.min(f.maxLength, SLACK_MODAL.INPUT_MAX_LENGTH) : undefined;
      // The prefilled value is the user's own text, sent back as typed; it is never rendered as mrkdwn.
      const initial = f.initial ? f.initial.slice(0, max ?? SLACK_MODAL.INITIAL_VALUE) : undefined;
      return {
        type: 'plain_text_input',
        action_id: FIELD_ACTION_ID,
        ...(f.kind === 'paragraph' ? { multiline: true } : {}),
        ...(initial ? { initial_value: initial } : {}),
        ...(max ? { max_length: max } : {}),
        ...placeholder,
      };
    }
    case 'select': {
      const options = lim.items('SELECT_OPTIONS', SLACK_MODAL.OPTIONS, f.options ?? []).map((o) => option(o, lim));
      const initial = options.find((o) => o.value === f.initial);
      return {
        type: 'static_select',
        action_id: FIELD_ACTION_ID,
        options,
        ...(initial ? { initial_option: initial } : {}),
        ...(f.placeholder ? placeholder : { placeholder: plain('Choose…') }),
      };
    }
    case 'boolean': {
      const only = option(f.options?.[0] ?? { value: 'yes', label: f.label }, lim);
      return {
        type: 'checkboxes',
        action_id: FIELD_ACTION_ID,
        options: [only],
        ...(f.initial === only.value ? { initial_options: [only] } : {}),
      };
    }
  }
}

function option(o: FormOption, lim: Limits) {
  return {
    text: plain(lim.text('OPTION_TEXT', SLACK_MODAL.OPTION_TEXT, plainSlack(o.label))),
    value: lim.exact('OPTION_VALUE', SLACK_MODAL.OPTION_VALUE, o.value),
    ...(o.description
      ? {
          description: plain(lim.text('OPTION_DESCRIPTION', SLACK_MODAL.OPTION_DESCRIPTION, plainSlack(o.description))),
        }
      : {}),
  };
}

/** One element's state in a view_submission (`view.state.values[block][action]`). */
export interface ElementState {
  type: string;
  value?: string | null;
  selected_option?: { value: string } | null;
  selected_options?: { value: string }[];
}

/**
 * Field values from a submitted view: plain text inputs give their text, selects the chosen
 * option's value, a checkbox "yes" when ticked. Empty inputs are left out.
 */
export function modalValues(state: Record<string, Record<string, ElementState>>): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  for (const [blockId, actions] of Object.entries(state)) {
    const el = actions[FIELD_ACTION_ID] ?? Object.values(actions)[0];
    if (!el) continue;
    switch (el.type) {
      case 'plain_text_input':
        values[blockId] = el.value ?? undefined;
        break;
      case 'static_select':
        values[blockId] = el.selected_option?.value ?? undefined;
        break;
      case 'checkboxes':
        values[blockId] = el.selected_options?.length ? 'yes' : undefined;
        break;
      default:
        values[blockId] = el.value ?? el.selected_option?.value ?? undefined;
    }
  }
  return values;
}

/** Metadata from a submitted view; anything unreadable is no metadata. */
export function modalMetadata(raw: string | undefined): ModalMetadata {
  if (!raw) return {};
  try {
    const m = JSON.parse(raw) as unknown;
    return m && typeof m === 'object' && typeof (m as ModalMetadata).channel === 'string'
      ? { channel: (m as ModalMetadata).channel }
      : {};
  } catch {
    return {};
  }
}
