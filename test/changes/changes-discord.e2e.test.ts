// Change approvals on Discord end to end: Steward's real discord.js client against the fake
// gateway and REST API (SQLite), with test/fixtures/changes-e2e.policy.yaml. /change request →
// the five-field modal → field errors with "Open the form again" (every value kept) → CHG-1, its
// card in the team channel and a direct message to each approver → Approve decides in one click
// and every copy is edited in place; a change at the form's limits (long title, details and
// reason) fits Discord's embeds. Refusals and Reject with a reason from Discord are tested through
// the dispatcher in changes-chat.test.ts.
import { MessageFlags } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscordUserSeed } from '../fakes/discord.js';
import {
  INCIDENTS_GUILD,
  INCIDENTS_GUILD_SEED,
  POLICY_DISCORD,
  POLICY_USERS,
  customIds,
  field,
  startDiscordSteward,
  type DiscordSteward,
} from '../support/steward-discord.js';
import { until } from '../support/wait.js';

type Json = Record<string, any>;
const POLICY = new URL('../fixtures/changes-e2e.policy.yaml', import.meta.url).pathname;
const { alice, bob, carol, dave } = POLICY_DISCORD;
const ERIN: DiscordUserSeed = { id: '111111111111111115', username: 'erin', global_name: 'Erin Field' };
/** The payments team's channel (teams[payments].channels.discord). */
const PAYMENTS = '222222222222222222';
const EPHEMERAL = MessageFlags.Ephemeral;

interface CopyRow {
  kind: string;
  person_id: string | null;
  channel_id: string;
  message_id: string;
}

describe('Discord change approvals: request → approvers → one-click Approve → Reject with a reason', () => {
  let s: DiscordSteward;

  beforeAll(async () => {
    s = await startDiscordSteward({
      env: { STEWARD_CONFIG: POLICY },
      fake: {
        users: [...POLICY_USERS, ERIN],
        guild: {
          ...INCIDENTS_GUILD_SEED,
          channels: [...INCIDENTS_GUILD_SEED.channels!, { id: PAYMENTS, name: 'payments', type: 0 }],
        },
      },
    });
  });
  afterAll(async () => {
    await s?.stop();
  });

  const command = (user: string, subcommand: string, options: Json = {}) =>
    s.send(s.fake.chatInput({ name: 'change', subcommand, options, user, channelId: INCIDENTS_GUILD.general }));
  const settled = () => s.rowsWhen((r) => r.length === 0, "select key from outbox_item where state = 'pending'");
  const changes = () =>
    s.rows<{ number: number; title: string; approval: string; phase: string }>(
      'select number, title, approval, phase from "change" order by number',
    );
  const copies = (n: number) =>
    s.rows<CopyRow>(
      'select m.kind, m.person_id, m.channel_id, m.message_id from change_message m join "change" c on c.id = m.change_id where c.number = ? order by m.id',
      n,
    );
  const current = (m: CopyRow) => s.fake.message(m.channel_id, m.message_id)!;
  const patchesOf = (m: CopyRow, mark: number) =>
    s.fake.restCallsOf('PATCH', `/channels/${m.channel_id}/messages/${m.message_id}`).filter((c) => c.seq >= mark);
  /** Waits until every copy of CHG-n was PATCHed since `mark` to an embed that passes `check`. */
  async function everyCopyEdited(n: number, mark: number, check: (embed: Json) => boolean) {
    for (const m of copies(n))
      await until(`the ${m.kind} copy ${m.person_id ?? ''} edited`, () =>
        patchesOf(m, mark).some((c) => check(c.body.embeds[0])),
      );
    await settled();
  }
  const TLS = {
    title: 'Rotate the payments TLS certificate',
    service: ['payments-api'],
    kind: ['normal-high'],
    window: 'now +2h',
    details: 'Swap the certificate on both load balancers; roll back by restoring the old one.',
  };
  const submit = (customId: string, fields: Record<string, string | string[]>, user = bob) =>
    s.send(s.fake.modalSubmit({ customId, fields, user, channelId: INCIDENTS_GUILD.general, shape: 'label' }));

  let formId = '';
  it('/change request title:… opens the five-field modal with the title typed; nothing is created', async () => {
    const cb = await command(bob, 'request', { title: 'Rotate the payments TLS certificate' });
    expect(cb.status).toBe(204);
    expect(cb.body.type).toBe(9);
    const modal = cb.body.data;
    formId = modal.custom_id;
    expect(modal.title).toBe('Request a change');
    expect(formId).toMatch(/^f1\|change\.request\|[A-Za-z0-9_-]{6,32}$/);
    expect(
      modal.components.map((c: Json) => [
        c.type,
        c.label,
        c.component.type,
        c.component.custom_id,
        c.component.required,
      ]),
    ).toEqual([
      [18, 'Title', 4, 'title', true],
      [18, 'Service', 3, 'service', true],
      [18, 'Kind', 3, 'kind', true],
      [18, 'Planned window', 4, 'window', true],
      [18, 'Details', 4, 'details', true],
    ]);
    const [title, service, kind, window, details] = modal.components.map((c: Json) => c.component);
    expect(title).toMatchObject({ style: 1, max_length: 100, value: 'Rotate the payments TLS certificate' });
    expect(service.options.map((o: Json) => o.value)).toEqual(['payments-api', 'edge-gateway']);
    expect(kind.options.map((o: Json) => [o.value, o.label])).toEqual([
      ['standard', 'Standard (pre-approved)'],
      ['normal-low', 'Normal, low risk'],
      ['normal-medium', 'Normal, medium risk'],
      ['normal-high', 'Normal, high risk'],
      ['emergency', 'Emergency (name the incident)'],
    ]);
    expect(window).toMatchObject({
      style: 1,
      max_length: 60,
      placeholder: 'YYYY-MM-DD HH:MM +2h, or now +30m (your time zone)',
    });
    expect(window.value).toBeUndefined();
    expect(details).toMatchObject({ style: 2, max_length: 2000 });
    expect(changes()).toEqual([]);
  });

  it('a bad window: the list of problems and "Open the form again", which reopens it with every value typed', async () => {
    const typed = {
      ...TLS,
      window: 'tomorrow afternoon',
      details: 'Swap the certificate; roll back by restoring the old one.',
    };
    const cb = await submit(formId, typed);
    expect(cb.body.type).toBe(4);
    expect(cb.body.data.flags).toBe(EPHEMERAL);
    expect(cb.body.data.embeds[0]).toMatchObject({
      title: 'Some fields need another look',
      description: '**Window**: Use YYYY-MM-DD HH:MM +2h or now +30m',
      footer: { text: 'FORM.INVALID' },
    });
    const nonce = formId.split('|')[2];
    expect(customIds(cb.body.data)).toEqual([`st1|form.reopen|change.request||${nonce}`]);
    expect(cb.body.data.components[0].components[0].label).toBe('Open the form again');
    expect(changes()).toEqual([]);

    const again = await s.send(s.fake.button({ customId: `st1|form.reopen|change.request||${nonce}`, user: bob }));
    expect(again.body.type).toBe(9);
    expect(again.body.data.custom_id).toBe(formId);
    const [title, service, kind, window, details] = again.body.data.components.map((c: Json) => c.component);
    expect([title.value, window.value, details.value]).toEqual([typed.title, 'tomorrow afternoon', typed.details]);
    expect(service.options.filter((o: Json) => o.default).map((o: Json) => o.value)).toEqual(['payments-api']);
    expect(kind.options.filter((o: Json) => o.default).map((o: Json) => o.value)).toEqual(['normal-high']);
  });

  it('the corrected form creates CHG-1: its card in the payments channel and Approve / Reject by direct message to each approver', async () => {
    const mark = s.fake.mark;
    const cb = await submit(formId, TLS);
    expect(cb.body.data.flags).toBe(EPHEMERAL);
    expect(cb.body.data.embeds[0]).toMatchObject({
      title: 'CHG-1 requested',
      description: 'The approvers have been asked; the card in the team channel shows the tally.',
    });
    await settled();
    expect(changes()).toEqual([{ number: 1, title: TLS.title, approval: 'pending', phase: 'requested' }]);
    // Submitted twice (a double click): still one change.
    const twice = await submit(formId, TLS);
    expect(twice.body.data.embeds[0].title).toBe('CHG-1 was already requested from this form');
    expect(changes()).toHaveLength(1);

    const posts = s.fake.restCalls.filter(
      (c) => c.seq >= mark && c.method === 'POST' && /^\/channels\/\d+\/messages$/.test(c.path),
    );
    const dmOf = (user: string) => s.fake.dmChannelFor(user).id;
    expect(posts.map((c) => c.path.split('/')[2]).sort()).toEqual(
      [PAYMENTS, dmOf(alice), dmOf(carol), dmOf(dave)].sort(),
    );
    expect(copies(1).map((m) => [m.kind, m.person_id])).toEqual(
      expect.arrayContaining([
        ['card', null],
        ['approver', 'alice'],
        ['approver', 'carol'],
        ['approver', 'dave'],
      ]),
    );
    for (const p of posts) {
      expect(p.status).toBe(200);
      const embed = p.body.embeds[0];
      expect(embed.title).toBe('CHG-1 · Rotate the payments TLS certificate');
      expect(field(embed, 'Approvals')).toBe('0 of 2 from Change Advisory Board · owners 0 of 1');
      expect(field(embed, 'Requested by')).toBe(`<@${bob}>`);
      expect(field(embed, 'State')).toBe('**Waiting for approval**');
      expect(customIds(p.body)).toEqual(['st1|change.approve|1', 'st1|change.reject|1']);
      expect(p.body.components[0].components.map((b: Json) => [b.label, b.style])).toEqual([
        ['Approve', 1],
        ['Reject', 4],
      ]);
      expect(p.body.allowed_mentions).toEqual({ parse: [] });
    }
  });

  it('Approve decides in one click (no confirmation step); every copy is edited in place with the tally', async () => {
    const dm = copies(1).find((m) => m.person_id === 'carol')!;
    const mark = s.fake.mark;
    const cb = await s.send(
      s.fake.button({
        customId: 'st1|change.approve|1',
        message: dm.message_id,
        user: carol,
        guildId: null,
        channelId: dm.channel_id,
      }),
    );
    // The answer to the click is the decision itself, not a modal or a follow-up question.
    expect(cb.body.type).toBe(4);
    expect(cb.body.data.flags).toBe(EPHEMERAL);
    expect(cb.body.data.embeds[0]).toMatchObject({
      title: 'You approved CHG-1',
      description: 'Tally: 1 of 2 from Change Advisory Board · owners 0 of 1.',
    });
    expect(s.rows('select person_id, decision, platform, platform_user_id from change_decision')).toEqual([
      { person_id: 'carol', decision: 'approve', platform: 'discord', platform_user_id: carol },
    ]);
    await everyCopyEdited(1, mark, (e) =>
      /^1 of 2 from Change Advisory Board · owners 0 of 1\n✓ <@111111111111111113> /.test(field(e, 'Approvals') ?? ''),
    );
    for (const m of copies(1)) expect(customIds(current(m))).toEqual(['st1|change.approve|1', 'st1|change.reject|1']);
  });

  it('a change at the form’s limits (100-character title, 2000 characters of details, a 1000-character reason) renders on every copy', async () => {
    const details = Array.from(
      { length: 40 },
      (_, i) => `Step ${String(i + 1).padStart(2, '0')}: drain node ${i + 1}, swap its certificate, check it.`,
    )
      .join('\n')
      .padEnd(2000, '.')
      .slice(0, 2000);
    const title = 'Rotate every certificate of the payments edge, the internal mTLS mesh and the partner VPN endpoints'
      .padEnd(100, '!')
      .slice(0, 100);
    expect([title.length, details.length]).toEqual([100, 2000]);
    const opened = await command(bob, 'request');
    const cb = await submit(opened.body.data.custom_id, {
      title,
      service: ['payments-api'],
      kind: ['normal-high'],
      window: 'now +3h',
      details,
    });
    expect(cb.body.data.embeds[0].title).toBe('CHG-2 requested');
    await settled();
    expect(copies(2)).toHaveLength(4);
    /** The text of a section split over fields: the named field and the unnamed ones after it. */
    const sectionText = (embed: Json, name: string) => {
      const fields = embed.fields as Json[];
      const from = fields.findIndex((f) => f.name === name);
      const to = fields.findIndex((f, i) => i > from && f.name !== '\u200b');
      return fields.slice(from, to === -1 ? undefined : to).map((f) => f.value as string);
    };
    const shown = (m: CopyRow) => sectionText(current(m).embeds[0], 'Details').join('\n');
    for (const m of copies(2)) {
      expect(current(m).embeds[0].title).toBe(`CHG-2 · ${title}`);
      expect(shown(m).replace(/\n/g, ' ')).toBe(details.replace(/\n/g, ' '));
    }
    const reason = 'The rollback plan does not cover the partner VPN. '.repeat(20);
    expect(reason.trim().length).toBe(999);
    const dm = copies(2).find((m) => m.person_id === 'carol')!;
    const form = await s.send(
      s.fake.button({
        customId: 'st1|change.reject|2',
        message: dm.message_id,
        user: carol,
        guildId: null,
        channelId: dm.channel_id,
      }),
    );
    const mark = s.fake.mark;
    const done = await s.send(
      s.fake.modalSubmit({
        customId: form.body.data.custom_id,
        fields: { reason },
        user: carol,
        guildId: null,
        channelId: dm.channel_id,
        shape: 'label',
      }),
    );
    expect(done.body.data.embeds[0].title).toBe('You rejected CHG-2');
    await everyCopyEdited(2, mark, (e) => field(e, 'State') === '**Rejected**');
    // The reason is shortened in the tally and whole in its own section, on every copy.
    for (const m of copies(2)) {
      const embed = current(m).embeds[0];
      expect(field(embed, 'Approvals')).toMatch(
        new RegExp(
          `^0 of 2 from Change Advisory Board · owners 0 of 1\\n✗ <@${carol}> <t:\\d+:f>: The rollback plan does not cover the partner VPN\\. .{140,}… \\(in full below\\)$`,
        ),
      );
      expect(sectionText(embed, 'Why Carol Danvers rejected it').join(' ')).toBe(reason.trim());
    }
    const show = await command(alice, 'show', { change: 'CHG-2' });
    expect(show.body.data.embeds[0].title).toBe(`CHG-2 · ${title}`);
    expect(JSON.stringify(show.body.data.embeds[0])).toContain('partner VPN');
  });
});
