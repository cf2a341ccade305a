// Neutral card → Discord message (embeds + button rows), mentions never parsed from text.
import type { Card, Form, Reply, Rich, Span, Tone } from '../../core/card.js';
import type { ActionCodec } from '../action-codec.js';
import { DISCORD, Limits, type LimitPolicy } from '../limits.js';
import { ZWSP, defuseMassMentions } from '../safe-text.js';
import { type DiscordModal, renderModal } from './modal.js';

export interface DiscordEmbed {
  title?: string;
  description?: string;
  color?: number;
  fields?: { name: string; value: string; inline?: boolean }[];
  footer?: { text: string };
}
export interface DiscordButton {
  type: 2;
  style: 1 | 2 | 4 | 5;
  label: string;
  custom_id: string;
}
export interface DiscordRow {
  type: 1;
  components: DiscordButton[];
}
export interface DiscordMessage {
  content?: string;
  embeds: DiscordEmbed[];
  components: DiscordRow[];
  /** Explicit: nothing in a Steward message pings unless listed here. */
  allowed_mentions: { parse: []; users?: string[] };
}

const TONE_COLOR: Record<Tone, number> = {
  neutral: 0x99aab5,
  info: 0x3498db,
  good: 0x2ecc71,
  warning: 0xf1c40f,
  danger: 0xe74c3c,
};
const BUTTON_STYLE = { primary: 1, default: 2, danger: 4 } as const;

/**
 * Escapes Discord markdown in user text and breaks mention syntax (`<@…>`, `<#…>`, `<@&…>`, `<t:…>`,
 * custom emoji) and mass mentions. Line-start markers (quotes, headings, lists) are escaped only
 * where they act, so ordinary text such as `payments-api` stays readable and copyable.
 */
export function escapeDiscord(s: string): string {
  return plainDiscord(s.replace(/([\\*_~`|[\]])/g, '\\$1').replace(/^(\s*)([>#-])/gm, '$1\\$2'));
}

/**
 * Text shown without markdown (embed titles, field names, footers): mention syntax is broken
 * there too, so it can neither look like a mention nor become one, and mass mentions defused.
 */
export function plainDiscord(s: string): string {
  return defuseMassMentions(s.replace(/<(?=[@#:!&/]|a:|t:)/g, `<${ZWSP}`));
}

export function markdown(r: Rich): string {
  return r.map(span).join('');
}

function span(s: Span): string {
  switch (s.t) {
    case 'text':
      return escapeDiscord(s.v);
    case 'strong':
      return `**${escapeDiscord(s.v)}**`;
    case 'code':
      return `\`${s.v.replace(/`/g, "'")}\``;
    case 'user':
      return s.discord ? `<@${s.discord}>` : escapeDiscord(s.name);
    case 'channel':
      return s.discord ? `<#${s.discord}>` : `#${escapeDiscord(s.name ?? 'channel')}`;
    case 'link':
      return /^https?:\/\/[^\s()<>]+$/.test(s.url) ? `[${escapeDiscord(s.label)}](${s.url})` : escapeDiscord(s.label);
    case 'time':
      return `<t:${Math.floor(s.at.getTime() / 1000)}:${s.style === 'relative' ? 'R' : 'f'}>`;
    case 'br':
      return '\n';
  }
}

export class DiscordRenderer {
  /** Replies are immutable values: the same reply object renders to the same message. */
  private readonly rendered = new WeakMap<Reply, DiscordMessage>();

  constructor(
    private readonly policy: LimitPolicy,
    private readonly actions: ActionCodec,
  ) {}

  reply(reply: Reply): DiscordMessage {
    let m = this.rendered.get(reply);
    if (!m) this.rendered.set(reply, (m = this.build(reply)));
    return m;
  }

  /** A form as a modal (the response to a slash command or a button click). */
  modal(form: Form): DiscordModal {
    return renderModal(form, this.policy);
  }

  private build(reply: Reply): DiscordMessage {
    const lim = new Limits('discord', this.policy);
    const embeds = lim
      .items('EMBEDS_PER_MESSAGE', DISCORD.EMBEDS_PER_MESSAGE, reply.cards)
      .map((c) => this.embed(c, lim));
    const total = embeds.reduce((n, e) => n + embedLength(e), 0);
    if (total > DISCORD.EMBED_TOTAL) lim.overflow('EMBED_TOTAL', DISCORD.EMBED_TOTAL, total);
    while (embeds.reduce((n, e) => n + embedLength(e), 0) > DISCORD.EMBED_TOTAL && shrink(embeds));
    const buttons = reply.cards.flatMap((c) => c.buttons ?? []);
    const rows: DiscordRow[] = [];
    const capped = lim.items('BUTTONS', DISCORD.ACTION_ROWS * DISCORD.BUTTONS_PER_ROW, buttons);
    for (let i = 0; i < capped.length; i += DISCORD.BUTTONS_PER_ROW) {
      rows.push({
        type: 1,
        components: capped.slice(i, i + DISCORD.BUTTONS_PER_ROW).map((b) => ({
          type: 2,
          style: BUTTON_STYLE[b.style ?? 'default'],
          label: lim.text('BUTTON_LABEL', DISCORD.BUTTON_LABEL, b.label),
          custom_id: lim.exact('CUSTOM_ID', DISCORD.CUSTOM_ID, this.actions.encode(b.command)),
        })),
      });
    }
    return { embeds, components: rows, allowed_mentions: { parse: [] } };
  }

  embed(c: Card, lim = new Limits('discord', this.policy)): DiscordEmbed {
    const fields = [
      ...(c.fields ?? []).map((f) => ({ name: f.label, value: markdown(f.value), inline: true })),
      ...(c.sections ?? []).map((s) => ({ name: s.heading ?? '\u200b', value: markdown(s.body), inline: false })),
    ];
    const e: DiscordEmbed = {
      title: lim.text('EMBED_TITLE', DISCORD.EMBED_TITLE, plainDiscord(c.title)),
      color: TONE_COLOR[c.tone ?? 'neutral'],
    };
    if (c.body?.length) e.description = lim.text('EMBED_DESCRIPTION', DISCORD.EMBED_DESCRIPTION, markdown(c.body));
    if (fields.length) {
      e.fields = lim.items('EMBED_FIELDS', DISCORD.EMBED_FIELDS, fields).map((f) => ({
        name: lim.text('FIELD_NAME', DISCORD.FIELD_NAME, plainDiscord(f.name)),
        value: lim.text('FIELD_VALUE', DISCORD.FIELD_VALUE, f.value || '\u200b'),
        inline: f.inline,
      }));
    }
    if (c.context?.length) e.footer = { text: lim.text('FOOTER_TEXT', DISCORD.FOOTER_TEXT, plainFooter(c.context)) };
    return e;
  }
}

/** Footers do not render markdown or mentions: plain text. */
function plainFooter(r: Rich): string {
  return plainDiscord(
    r
      .map((s) =>
        s.t === 'user'
          ? `@${s.name}`
          : s.t === 'br'
            ? ' '
            : s.t === 'time'
              ? footerTime(s.at)
              : 'v' in s
                ? s.v
                : s.t === 'link'
                  ? s.label
                  : (s.name ?? ''),
      )
      .join(''),
  );
}

export function embedLength(e: DiscordEmbed): number {
  return (
    (e.title?.length ?? 0) +
    (e.description?.length ?? 0) +
    (e.footer?.text.length ?? 0) +
    (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

/** Drops the last field of the largest embed (production only; strict mode threw already). */
function shrink(embeds: DiscordEmbed[]): boolean {
  const big = [...embeds].sort((a, b) => embedLength(b) - embedLength(a))[0];
  if (big?.fields?.length) {
    big.fields.pop();
    big.footer = { text: 'Some fields were truncated (Discord limit).' };
    return true;
  }
  if (big?.description && big.description.length > 100) {
    big.description = big.description.slice(0, Math.floor(big.description.length / 2)) + '… (truncated)';
    return true;
  }
  return false;
}

/** Footers cannot hold Discord's <t:…> timestamps: the instant in UTC, to the minute (2026-12-01 14:00 UTC). */
function footerTime(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
