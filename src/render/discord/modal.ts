// Neutral form → Discord modal: every field inside a Label component (text inputs, and string
// selects for choices and yes/no), with Discord's modal limits checked at render time.
import type { Form, FormField } from '../../core/card.js';
import { encodeForm } from '../form-codec.js';
import { DISCORD, Limits, type LimitPolicy } from '../limits.js';

/** Discord's modal limits (the title and component count are shared with the message renderer). */
export const MODAL = {
  TITLE: DISCORD.MODAL_TITLE,
  COMPONENTS: DISCORD.MODAL_COMPONENTS,
  CUSTOM_ID: DISCORD.CUSTOM_ID,
  LABEL: 45,
  LABEL_DESCRIPTION: 100,
  TEXT_INPUT_LENGTH: 4000,
  PLACEHOLDER: 100,
  SELECT_OPTIONS: 25,
  OPTION_LABEL: 100,
  OPTION_VALUE: 100,
  OPTION_DESCRIPTION: 100,
} as const;

const COMPONENT = { StringSelect: 3, TextInput: 4, Label: 18 } as const;
const TEXT_STYLE = { short: 1, paragraph: 2 } as const;

export interface DiscordSelectOption {
  label: string;
  value: string;
  description?: string;
  default?: boolean;
}
export interface DiscordTextInput {
  type: 4;
  custom_id: string;
  style: 1 | 2;
  required: boolean;
  max_length?: number;
  value?: string;
  placeholder?: string;
}
export interface DiscordStringSelect {
  type: 3;
  custom_id: string;
  required: boolean;
  min_values: number;
  max_values: number;
  placeholder?: string;
  options: DiscordSelectOption[];
}
export interface DiscordLabel {
  type: 18;
  label: string;
  description?: string;
  component: DiscordTextInput | DiscordStringSelect;
}
/** The `data` of an interaction response of type 9 (MODAL). */
export interface DiscordModal {
  custom_id: string;
  title: string;
  components: DiscordLabel[];
}

/** Values of a yes/no field as submitted. */
export const YES = 'yes';
export const NO = 'no';

export function renderModal(form: Form, policy: LimitPolicy): DiscordModal {
  const lim = new Limits('discord', policy);
  return {
    custom_id: lim.exact('CUSTOM_ID', MODAL.CUSTOM_ID, encodeForm(form.target)),
    title: lim.text('MODAL_TITLE', MODAL.TITLE, form.title),
    components: lim.items('MODAL_COMPONENTS', MODAL.COMPONENTS, form.fields).map((f) => label(f, lim)),
  };
}

function label(f: FormField, lim: Limits): DiscordLabel {
  return {
    type: COMPONENT.Label,
    label: lim.text('LABEL', MODAL.LABEL, f.label),
    component: f.kind === 'text' || f.kind === 'paragraph' ? textInput(f, lim) : select(f, lim),
  };
}

function textInput(f: FormField, lim: Limits): DiscordTextInput {
  const max = Math.min(f.maxLength ?? MODAL.TEXT_INPUT_LENGTH, MODAL.TEXT_INPUT_LENGTH);
  const input: DiscordTextInput = {
    type: COMPONENT.TextInput,
    custom_id: lim.exact('CUSTOM_ID', MODAL.CUSTOM_ID, f.id),
    style: f.kind === 'paragraph' ? TEXT_STYLE.paragraph : TEXT_STYLE.short,
    required: f.required ?? false,
    max_length: max,
  };
  // A prefilled value longer than the input allows would be refused by Discord: cut it to fit.
  if (f.initial) input.value = f.initial.slice(0, max);
  if (f.placeholder) input.placeholder = lim.text('PLACEHOLDER', MODAL.PLACEHOLDER, f.placeholder);
  return input;
}

function select(f: FormField, lim: Limits): DiscordStringSelect {
  const required = f.required ?? false;
  const options =
    f.kind === 'boolean'
      ? yesNo(f)
      : (f.options ?? []).map((o) => ({
          label: o.label,
          value: o.value,
          description: o.description,
          default: f.initial !== undefined && o.value === f.initial,
        }));
  const out: DiscordStringSelect = {
    type: COMPONENT.StringSelect,
    custom_id: lim.exact('CUSTOM_ID', MODAL.CUSTOM_ID, f.id),
    required,
    min_values: required ? 1 : 0,
    max_values: 1,
    options: lim.items('SELECT_OPTIONS', MODAL.SELECT_OPTIONS, options).map((o) => {
      const opt: DiscordSelectOption = {
        label: lim.text('OPTION_LABEL', MODAL.OPTION_LABEL, o.label),
        value: lim.exact('OPTION_VALUE', MODAL.OPTION_VALUE, o.value),
      };
      if (o.description) opt.description = lim.text('OPTION_DESCRIPTION', MODAL.OPTION_DESCRIPTION, o.description);
      if (o.default) opt.default = true;
      return opt;
    }),
  };
  if (f.placeholder) out.placeholder = lim.text('PLACEHOLDER', MODAL.PLACEHOLDER, f.placeholder);
  return out;
}

/** A yes/no question as a two-option select, "No" unless the field starts as yes. */
function yesNo(f: FormField): DiscordSelectOption[] {
  const yes = f.initial === YES || f.initial === 'true';
  const detail = f.options?.find((o) => o.value === YES)?.label;
  return [
    { label: 'Yes', value: YES, ...(detail && detail !== f.label ? { description: detail } : {}), default: yes },
    { label: 'No', value: NO, default: !yes },
  ];
}
