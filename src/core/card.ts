// The neutral card model every use case returns. Renderers turn it into Block Kit, Discord
// embeds + components, and console text. User-written text only ever travels in `text` spans,
// which renderers escape so it cannot mention anyone; mentions exist only as `user` spans.

export type Span =
  | { t: 'text'; v: string }
  | { t: 'strong'; v: string }
  | { t: 'code'; v: string }
  | { t: 'user'; name: string; slack?: string; discord?: string }
  | { t: 'channel'; name?: string; slack?: string; discord?: string }
  | { t: 'link'; url: string; label: string }
  | { t: 'time'; at: Date; style: 'datetime' | 'relative' }
  | { t: 'br' };

export type Rich = Span[];

export interface Field {
  label: string;
  value: Rich;
}

/** What a button runs: an operation kind and its arguments (checked against the operation's schema when decoded). */
export interface Command {
  kind: string;
  [arg: string]: unknown;
}

export interface Button {
  label: string;
  command: Command;
  style?: 'primary' | 'danger' | 'default';
  /** "Are you sure?" where the platform offers it natively (Slack's confirm dialog); elsewhere one click decides. */
  confirm?: { title: string; text: string; yes: string; no: string };
}

export type Tone = 'neutral' | 'info' | 'good' | 'warning' | 'danger';

export interface Card {
  title: string;
  tone?: Tone;
  body?: Rich;
  fields?: Field[];
  sections?: { heading?: string; body: Rich }[];
  buttons?: Button[];
  /** Small print under the card. */
  context?: Rich;
}

export interface FormOption {
  value: string;
  label: string;
  description?: string;
}

export interface FormField {
  id: string;
  label: string;
  kind: 'text' | 'paragraph' | 'select' | 'boolean';
  options?: FormOption[];
  initial?: string;
  required?: boolean;
  maxLength?: number;
  placeholder?: string;
}

/** A form the user fills in (Slack modal, Discord modal, console prompts). At most 5 fields (Discord). */
export interface Form {
  /** Encoded submit target (see render/form-codec.ts). */
  target: FormTarget;
  title: string;
  submitLabel: string;
  fields: FormField[];
}

/**
 * What a submitted form does: its kind (a module's form), the numbered thing it is about when it
 * is about one (INC-n …), and a nonce that makes each opened form's submission idempotent.
 */
export interface FormTarget {
  kind: string;
  number?: number;
  nonce: string;
}

export const FORM_MAX_FIELDS = 5;

export interface Reply {
  cards: Card[];
  /** Open this form (needs a fresh trigger: a slash command or a button click). */
  form?: Form;
  /** `ephemeral`: only the invoking user sees it (Slack ephemeral, Discord ephemeral flag). */
  visibility: 'ephemeral' | 'in_channel';
  /** For button clicks: replace the message that holds the button instead of adding one. */
  replaceOriginal?: boolean;
}

// ---- small builders so use cases read naturally ----
export const txt = (v: string): Span => ({ t: 'text', v });
export const strong = (v: string): Span => ({ t: 'strong', v });
export const code = (v: string): Span => ({ t: 'code', v });
export const br: Span = { t: 'br' };
export const link = (url: string, label: string): Span => ({ t: 'link', url, label });
export const time = (at: Date, style: 'datetime' | 'relative' = 'datetime'): Span => ({ t: 'time', at, style });
export const user = (p: { name: string; slack?: string; discord?: string }): Span => ({
  t: 'user',
  name: p.name,
  slack: p.slack,
  discord: p.discord,
});

/** Joins rich fragments with a separator span. */
export function join(parts: Rich[], sep: Span = txt(', ')): Rich {
  return parts.flatMap((p, i) => (i === 0 ? p : [sep, ...p]));
}

/** Plain text of a rich value (fallback text, search, logs). */
export function plain(r: Rich): string {
  return r
    .map((s) => {
      switch (s.t) {
        case 'text':
        case 'strong':
        case 'code':
          return s.v;
        case 'user':
          return `@${s.name}`;
        case 'channel':
          return `#${s.name ?? 'channel'}`;
        case 'link':
          return s.label;
        case 'time':
          return s.at.toISOString();
        case 'br':
          return '\n';
      }
    })
    .join('');
}

export const ephemeral = (...cards: Card[]): Reply => ({ cards, visibility: 'ephemeral' });
export const inChannel = (...cards: Card[]): Reply => ({ cards, visibility: 'in_channel' });
