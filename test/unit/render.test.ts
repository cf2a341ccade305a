import { describe, expect, it } from 'vitest';
import type { Card, Reply } from '../../src/core/card.js';
import { time, txt, user } from '../../src/core/card.js';
import { DiscordRenderer, embedLength, escapeDiscord } from '../../src/render/discord/message.js';
import { SlackRenderer } from '../../src/render/slack/blocks.js';
import { ConsoleRenderer } from '../../src/render/console/text.js';
import { DISCORD, LimitError, SLACK, TRUNCATION_MARK } from '../../src/render/limits.js';
import { ActionCodec } from '../../src/render/action-codec.js';
import { standardRegistry } from '../../src/adapters/shared/parse.js';
import { alertCard, alertDetail } from '../../src/core/alerts/cards.js';
import type { Alert, AlertGroup } from '../../src/core/alerts/model.js';
import { Directory } from '../../src/core/directory.js';
import { parsePolicy } from '../../src/config/policy.js';

const actions = new ActionCodec(standardRegistry());
const encodeAction = (c: Parameters<ActionCodec['encode']>[0]) => actions.encode(c);
const decodeAction = (id: string) => actions.decode(id);

const strict = { strict: true };
const lenient = { strict: false };
const reply = (...cards: Card[]): Reply => ({ cards, visibility: 'ephemeral' });
const hostile = 'Outage <!channel> @here @everyone <@U0BOSS> <#C0SECRET> <https://evil.example|bank> **x** `y`';

describe('mention safety', () => {
  const card: Card = {
    title: `Title @everyone`,
    body: [txt(hostile)],
    fields: [{ label: 'Owner', value: [user({ name: 'Alice', slack: 'U0ALICE', discord: '111111111111111111' })] }],
  };

  it('Slack: user text cannot ping or fake a mention; real mentions survive', () => {
    const m = new SlackRenderer(strict, actions).reply(reply(card));
    const all = JSON.stringify(m);
    expect(all).not.toMatch(/<!channel>|<@U0BOSS>|<#C0SECRET>|<https:\/\/evil/);
    expect(all).not.toMatch(/@(here|everyone|channel)\b/);
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('<@U0ALICE>');
    const sections = m.blocks.filter((b) => b.type === 'section') as { text?: { verbatim?: boolean } }[];
    expect(sections.every((s) => !s.text || s.text.verbatim === true)).toBe(true);
  });

  it('Discord: user text cannot ping or fake a mention; allowed_mentions parses nothing', () => {
    const m = new DiscordRenderer(strict, actions).reply(reply(card));
    const all = JSON.stringify(m.embeds);
    expect(all).not.toMatch(/<@U0BOSS>|<#C0SECRET>|@everyone|@here/);
    expect(all).toContain('<@111111111111111111>');
    expect(m.allowed_mentions).toEqual({ parse: [] });
  });

  it('Discord: markdown escaped where it acts, readable text left alone', () => {
    expect(escapeDiscord('payments-api (tier 1) <id>')).toBe('payments-api (tier 1) <id>');
    expect(escapeDiscord('> quoted\n# heading\n- item')).toBe('\\> quoted\n\\# heading\n\\- item');
    expect(escapeDiscord('[bank](https://evil.example) **bold** `code`')).toBe(
      '\\[bank\\](https://evil.example) \\*\\*bold\\*\\* \\`code\\`',
    );
    expect(escapeDiscord('<@123> <@&456> <#789> <t:1:R> <a:x:1>')).not.toMatch(/<[@#ta]/);
  });

  it('console: control characters cannot rewrite the terminal', () => {
    const text = new ConsoleRenderer({ timezone: 'UTC' }).reply(reply({ title: 'x', body: [txt('a\u001b[2Jb')] })).text;
    expect(text).not.toContain('\u001b');
    expect(text).toContain('a�[2Jb');
  });
});

describe('times', () => {
  const at = new Date('2026-03-08T06:30:00.000Z');
  const card: Card = { title: 'When', body: [time(at, 'relative'), txt(' · '), time(at)] };

  it('relative and absolute times render differently on every platform, with the instant as fallback', () => {
    const slack = JSON.stringify(new SlackRenderer(strict, actions).reply(reply(card)));
    expect(slack).toContain(`<!date^${at.getTime() / 1000}^{ago}|2026-03-08T06:30:00.000Z>`);
    expect(slack).toContain(`<!date^${at.getTime() / 1000}^{date_short_pretty} {time}|2026-03-08T06:30:00.000Z>`);
    const discord = JSON.stringify(new DiscordRenderer(strict, actions).reply(reply(card)).embeds);
    expect(discord).toContain(`<t:${at.getTime() / 1000}:R>`);
    expect(discord).toContain(`<t:${at.getTime() / 1000}:f>`);
  });
});

describe('platform limits', () => {
  const many = (n: number): Card => ({
    title: 'Many',
    sections: Array.from({ length: n }, (_, i) => ({ heading: `S${i}`, body: [txt('x')] })),
  });

  it('Slack: more than 50 blocks throws in strict mode and is cut in production', () => {
    expect(() => new SlackRenderer(strict, actions).reply(reply(many(60)))).toThrow(LimitError);
    const cut: string[] = [];
    const m = new SlackRenderer({ strict: false, onTruncate: (_p, l) => cut.push(l) }, actions).reply(reply(many(60)));
    expect(m.blocks).toHaveLength(SLACK.BLOCKS_PER_MESSAGE);
    expect(cut).toEqual(['BLOCKS_PER_MESSAGE']);
  });

  it('Slack: long section text is truncated visibly', () => {
    const long: Card = { title: 't', body: [txt('a'.repeat(SLACK.SECTION_TEXT + 10))] };
    expect(() => new SlackRenderer(strict, actions).reply(reply(long))).toThrow(/SECTION_TEXT exceeded: 3010 > 3000/);
    const block = new SlackRenderer(lenient, actions).reply(reply(long)).blocks[1] as unknown as {
      text: { text: string };
    };
    expect(block.text.text).toHaveLength(SLACK.SECTION_TEXT);
    expect(block.text.text.endsWith(TRUNCATION_MARK)).toBe(true);
  });

  it('Discord: 25 buttons at most (5 rows of 5), 25 fields, 6000 characters per message', () => {
    const buttons: Card = {
      title: 'b',
      buttons: Array.from({ length: 27 }, (_, i) => ({
        label: `B${i}`,
        command: { kind: 'service.show', id: `s${i}` },
      })),
    };
    expect(() => new DiscordRenderer(strict, actions).reply(reply(buttons))).toThrow(LimitError);
    const m = new DiscordRenderer(lenient, actions).reply(reply(buttons));
    expect(m.components).toHaveLength(DISCORD.ACTION_ROWS);
    expect(m.components.every((r) => r.components.length === DISCORD.BUTTONS_PER_ROW)).toBe(true);

    const fat: Card = {
      title: 'f',
      sections: Array.from({ length: 20 }, (_, i) => ({ heading: `S${i}`, body: [txt('y'.repeat(900))] })),
    };
    expect(() => new DiscordRenderer(strict, actions).reply(reply(fat))).toThrow(/EMBED_TOTAL/);
    const shrunk = new DiscordRenderer(lenient, actions).reply(reply(fat));
    expect(embedLength(shrunk.embeds[0]!)).toBeLessThanOrEqual(DISCORD.EMBED_TOTAL);
    expect(shrunk.embeds[0]!.footer?.text).toMatch(/truncated/);
  });

  it('button ids: a command that does not fit 100 characters is refused, never cut', () => {
    expect(encodeAction({ kind: 'service.escalation', id: 'a'.repeat(64) })).toHaveLength(87);
    const tooLong = { kind: 'service.list', team: 'x'.repeat(90) } as const;
    expect(() => encodeAction(tooLong)).toThrow(/longer than 100/);
    expect(() =>
      new DiscordRenderer(lenient, actions).reply(reply({ title: 't', buttons: [{ label: 'x', command: tooLong }] })),
    ).toThrow(/longer than 100/);
  });
});

describe('action codec', () => {
  it('round-trips every command shape', () => {
    for (const cmd of [
      { kind: 'service.list' },
      { kind: 'service.list', team: 'payments' },
      { kind: 'service.show', id: 'payments-api' },
      { kind: 'steward.help' },
    ] as const) {
      expect(decodeAction(encodeAction(cmd))).toEqual({ ok: true, command: cmd });
    }
  });

  it('refuses forged or stale ids with a reason', () => {
    expect(decodeAction('st1|service.delete|x')).toEqual({ ok: false, reason: 'unknown action "service.delete"' });
    expect(decodeAction('st1|service.show|Bad Id')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/id: must be an id/),
    });
    expect(decodeAction('st1|service.show')).toMatchObject({ ok: false });
    expect(decodeAction('other|x')).toEqual({ ok: false, reason: 'not a Steward action' });
  });
});

describe('the alert card at its largest fits every platform', () => {
  // A group as hostile a sender can make it: the longest title, summaries, labels and links kept.
  const long = (n: number, c = 'x') => c.repeat(n);
  const labels = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`label_${i}`, long(1024)]));
  const group: AlertGroup = {
    id: 1,
    number: 123456,
    integration: long(64, 'i'),
    groupKey: long(1024),
    source: 'alertmanager',
    serviceId: 'payments-api',
    title: `@everyone ${long(290)}`,
    labels,
    links: Array.from({ length: 10 }, (_, i) => ({ href: `https://example.com/${long(1900)}${i}`, text: long(200) })),
    state: 'firing',
    suppressed: { kind: 'maintenance', ref: long(64, 'w'), until: new Date('2027-01-01T00:00:00Z') },
    firing: 900,
    resolved: 100,
    pageNumber: null,
    pageError: long(300),
    ackBy: null,
    ackAt: null,
    resolvedBy: null,
    resolvedAt: null,
    createdAt: new Date('2026-12-01T00:00:00Z'),
    version: 1,
    updatedAt: new Date('2026-12-01T00:00:00Z'),
  };
  const alerts: Alert[] = Array.from({ length: 30 }, (_, i) => ({
    id: i,
    groupId: 1,
    fingerprint: `fp${i}`,
    status: i % 3 ? 'firing' : 'resolved',
    labels,
    annotations: { summary: `<!channel> ${long(1024)}` },
    startsAt: new Date('2026-12-01T00:00:00Z'),
    endsAt: null,
    url: `https://prometheus.example/${long(1900)}`,
    firstSeenAt: new Date('2026-12-01T00:00:00Z'),
    lastSeenAt: new Date('2026-12-01T00:00:00Z'),
  }));
  const dir = new Directory(
    parsePolicy('teams: [{ id: t, name: T }]\nservices: [{ id: payments-api, name: Payments API, team: t, tier: 1 }]\n')
      .policy,
    'x',
  );

  it('in strict mode on Slack and Discord, with every button id short enough', () => {
    for (const card of [alertCard(dir, group, alerts), alertDetail(dir, group, alerts, [])]) {
      expect(() => new SlackRenderer(strict, actions).reply(reply(card))).not.toThrow();
      expect(() => new DiscordRenderer(strict, actions).reply(reply(card))).not.toThrow();
      const text = JSON.stringify(new SlackRenderer(strict, actions).reply(reply(card)));
      expect(text).not.toContain('<!channel>');
    }
  });
});
