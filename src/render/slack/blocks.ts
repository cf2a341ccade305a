// Neutral card → Slack Block Kit (mrkdwn with `verbatim: true`, everything user-written escaped).
import type { Card, Reply, Rich, Span, Tone } from '../../core/card.js';
import { plain } from '../../core/card.js';
import type { ActionCodec } from '../action-codec.js';
import { Limits, SLACK, type LimitPolicy } from '../limits.js';
import { defuseMassMentions } from '../safe-text.js';

export type SlackBlock = Record<string, unknown> & { type: string };
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const TONE_EMOJI: Record<Tone, string> = {
  neutral: '',
  info: ':information_source: ',
  good: ':white_check_mark: ',
  warning: ':warning: ',
  danger: ':rotating_light: ',
};

/** Slack's three control characters; escaping them also defeats `<!channel>` and `<@U…>` injection. */
const SLACK_SPECIAL = /[&<>]/g;
const SLACK_ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

export function escapeSlack(s: string): string {
  return defuseMassMentions(s.replace(SLACK_SPECIAL, (c) => SLACK_ENTITY[c] ?? c));
}

/**
 * Plain-text fields (headers, button labels) are not escaped by Slack's rules; angle brackets are
 * swapped for look-alikes so no `<!everyone>` or `<@U…>` can survive into them.
 */
export function plainSlack(s: string): string {
  return defuseMassMentions(s.replace(/</g, '‹').replace(/>/g, '›'));
}

/** Backticks and formatting markers inside user text would break out of code/bold spans. */
const stripMarks = (s: string) => s.replace(/[`*]/g, "'");

export function mrkdwn(r: Rich): string {
  return r.map(span).join('');
}

function span(s: Span): string {
  switch (s.t) {
    case 'text':
      return escapeSlack(s.v);
    case 'strong':
      return `*${escapeSlack(stripMarks(s.v))}*`;
    case 'code':
      return `\`${escapeSlack(stripMarks(s.v))}\``;
    case 'user':
      return s.slack ? `<@${s.slack}>` : escapeSlack(s.name);
    case 'channel':
      return s.slack ? `<#${s.slack}>` : `#${escapeSlack(s.name ?? 'channel')}`;
    case 'link':
      return /^https?:\/\/[^\s<>|]+$/.test(s.url)
        ? `<${s.url}|${escapeSlack(s.label).replace(/\|/g, '¦')}>`
        : escapeSlack(s.label);
    case 'time': {
      const unix = Math.floor(s.at.getTime() / 1000);
      // Relative: "3 minutes ago" in the reader's client; absolute: the date and time in the reader's zone.
      const fmt = s.style === 'relative' ? '{ago}' : '{date_short_pretty} {time}';
      return `<!date^${unix}^${fmt}|${s.at.toISOString()}>`;
    }
    case 'br':
      return '\n';
  }
}

export class SlackRenderer {
  /** Replies are immutable values: the same reply object renders to the same message. */
  private readonly rendered = new WeakMap<Reply, SlackMessage>();

  /** The overflow policy is shared with the modal renderer (render/slack/modal.ts). */
  constructor(
    readonly policy: LimitPolicy,
    private readonly actions: ActionCodec,
  ) {}

  reply(reply: Reply): SlackMessage {
    let m = this.rendered.get(reply);
    if (!m) this.rendered.set(reply, (m = this.build(reply)));
    return m;
  }

  private build(reply: Reply): SlackMessage {
    const lim = new Limits('slack', this.policy);
    const blocks = reply.cards.flatMap((c, i) => [...(i > 0 ? [{ type: 'divider' }] : []), ...this.card(c, lim)]);
    const text = reply.cards.map((c) => fallback(c)).join('\n');
    return {
      text: lim.text('MESSAGE_TEXT', SLACK.MESSAGE_TEXT, escapeSlack(text)),
      blocks: lim.items('BLOCKS_PER_MESSAGE', SLACK.BLOCKS_PER_MESSAGE, blocks),
    };
  }

  card(c: Card, lim = new Limits('slack', this.policy)): SlackBlock[] {
    const md = (limit: string, max: number, r: Rich) => ({
      type: 'mrkdwn',
      text: lim.text(limit, max, mrkdwn(r)),
      verbatim: true,
    });
    const blocks: SlackBlock[] = [
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: lim.text('HEADER_TEXT', SLACK.HEADER_TEXT, TONE_EMOJI[c.tone ?? 'neutral'] + plainSlack(c.title)),
          emoji: true,
        },
      },
    ];
    if (c.body?.length) blocks.push({ type: 'section', text: md('SECTION_TEXT', SLACK.SECTION_TEXT, c.body) });
    const fields = c.fields ?? [];
    for (let i = 0; i < fields.length; i += SLACK.FIELDS_PER_SECTION) {
      blocks.push({
        type: 'section',
        fields: fields
          .slice(i, i + SLACK.FIELDS_PER_SECTION)
          .map((f) => md('FIELD_TEXT', SLACK.FIELD_TEXT, [{ t: 'strong', v: f.label }, { t: 'br' }, ...f.value])),
      });
    }
    for (const s of c.sections ?? []) {
      blocks.push({
        type: 'section',
        text: md(
          'SECTION_TEXT',
          SLACK.SECTION_TEXT,
          s.heading ? [{ t: 'strong', v: s.heading }, { t: 'br' }, ...s.body] : s.body,
        ),
      });
    }
    if (c.buttons?.length) {
      blocks.push({
        type: 'actions',
        elements: lim.items('ACTIONS_ELEMENTS', SLACK.ACTIONS_ELEMENTS, c.buttons).map((b, i) => ({
          type: 'button',
          action_id: lim.exact('ACTION_ID', SLACK.ACTION_ID, `steward:${i}`),
          text: {
            type: 'plain_text',
            text: lim.text('BUTTON_TEXT', SLACK.BUTTON_TEXT, plainSlack(b.label)),
            emoji: true,
          },
          value: lim.exact('BUTTON_VALUE', SLACK.BUTTON_VALUE, this.actions.encode(b.command)),
          ...(b.style && b.style !== 'default' ? { style: b.style } : {}),
          ...(b.confirm
            ? {
                confirm: {
                  title: {
                    type: 'plain_text',
                    text: lim.text('CONFIRM_TITLE', SLACK.CONFIRM_TITLE, plainSlack(b.confirm.title)),
                  },
                  text: {
                    type: 'plain_text',
                    text: lim.text('CONFIRM_TEXT', SLACK.CONFIRM_TEXT, plainSlack(b.confirm.text)),
                  },
                  confirm: {
                    type: 'plain_text',
                    text: lim.text('CONFIRM_BUTTON', SLACK.CONFIRM_BUTTON, plainSlack(b.confirm.yes)),
                  },
                  deny: {
                    type: 'plain_text',
                    text: lim.text('CONFIRM_BUTTON', SLACK.CONFIRM_BUTTON, plainSlack(b.confirm.no)),
                  },
                },
              }
            : {}),
        })),
      });
    }
    if (c.context?.length)
      blocks.push({ type: 'context', elements: [md('SECTION_TEXT', SLACK.SECTION_TEXT, c.context)] });
    return blocks;
  }
}

function fallback(c: Card): string {
  return [c.title, c.body ? plain(c.body) : ''].filter(Boolean).join(': ');
}
