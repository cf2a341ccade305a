// Steward's real discord.js client over the fake Discord gateway and REST API: slash commands,
// buttons, identity recording, mention safety, metrics, log hygiene and REST failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayIntentBits, MessageFlags } from 'discord.js';
import type { DiscordRestCall } from '../fakes/discord.js';
import {
  DISCORD_TEST_TOKEN,
  POLICY_DISCORD,
  STRANGER,
  callbacksAfter,
  startDiscordSteward,
  type DiscordSteward,
} from '../support/steward-discord.js';

const CALLBACK = /^\/interactions\/\d+\/[^/]+\/callback$/;
const EPHEMERAL = MessageFlags.Ephemeral; // 64
const NO_MENTIONS = { parse: [] };

/** Every text of every embed of a callback, for content checks. */
function embedTexts(cb: DiscordRestCall): string[] {
  return (cb.body.data.embeds as any[]).flatMap((e) => [
    e.title ?? '',
    e.description ?? '',
    e.footer?.text ?? '',
    ...(e.fields ?? []).flatMap((f: any) => [f.name, f.value]),
  ]);
}

function customIds(cb: DiscordRestCall): string[] {
  return (cb.body.data.components as any[]).flatMap((row) => row.components.map((c: any) => c.custom_id));
}

/** Value of one Prometheus sample (0 when the series does not exist yet). */
async function metric(base: string, series: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const listOk = 'steward_commands_total{platform="discord",command="service.list",outcome="ok"}';

describe('Discord end to end (real discord.js client, fake gateway + REST)', () => {
  let s: DiscordSteward;

  beforeAll(async () => {
    s = await startDiscordSteward({ env: { LOG_LEVEL: 'trace' } });
  });
  afterAll(async () => {
    await s?.stop();
  });

  const general = () => s.fake.channel('general')!.id;
  const alice = (o: { name: string; subcommand?: string; options?: Record<string, string> }) =>
    s.fake.chatInput({ ...o, user: POLICY_DISCORD.alice });

  it('identifies with the intents incidents need and the configured token; /readyz reports discord ok', async () => {
    const identify = await s.fake.waitForIdentify();
    // Guilds (interactions, channels, pin updates); guild messages, their reactions and content (📌 on the timeline).
    const intents =
      GatewayIntentBits.Guilds |
      GatewayIntentBits.GuildMessages |
      GatewayIntentBits.GuildMessageReactions |
      GatewayIntentBits.MessageContent;
    expect(identify.intents).toBe(intents);
    expect(identify.d.intents).toBe(1 | (1 << 9) | (1 << 10) | (1 << 15));
    // Not asked for: members, presences, direct messages.
    expect(
      identify.intents &
        (GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences | GatewayIntentBits.DirectMessages),
    ).toBe(0);
    expect(s.fake.identifies).toHaveLength(1);
    expect(s.fake.restCallsOf('GET', '/gateway/bot')[0]?.auth).toBe(`Bot ${DISCORD_TEST_TOKEN}`);
    const ready = await fetch(`${s.base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: [
        { name: 'database', ok: true },
        { name: 'discord', ok: true },
      ],
    });
  });

  it('/service list: one ephemeral catalog embed with a field per team, service buttons, no mentions parsed', async () => {
    const cb = await s.send(alice({ name: 'service', subcommand: 'list' }));
    expect(cb.status).toBe(204);
    expect(cb.auth).toBeNull();
    expect(cb.body.type).toBe(4);
    expect(cb.body.data.flags).toBe(EPHEMERAL);
    expect(cb.body.data.allowed_mentions).toEqual(NO_MENTIONS);
    expect(cb.body.data.embeds).toEqual([
      {
        title: 'Service catalog',
        color: 0x3498db,
        description: '3 services in 2 teams.',
        fields: [
          {
            name: 'Payments (2)',
            value:
              '**Payments API** `payments-api` · tier 1 · <@111111111111111111>\n**Ledger** `ledger` · tier 2 · <@111111111111111112>',
            inline: false,
          },
          {
            name: 'Platform (1)',
            value: '**Edge Gateway** `edge-gateway` · tier 1 · <@111111111111111113>, <@111111111111111114>',
            inline: false,
          },
        ],
        footer: { text: 'Details: /service show <id>' },
      },
    ]);
    // Most critical first, then by name.
    expect(cb.body.data.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 2, label: 'Edge Gateway', custom_id: 'st1|service.show|edge-gateway' },
          { type: 2, style: 2, label: 'Payments API', custom_id: 'st1|service.show|payments-api' },
          { type: 2, style: 2, label: 'Ledger', custom_id: 'st1|service.show|ledger' },
        ],
      },
    ]);
    // Discord stored it as the interaction's ephemeral reply.
    const stored = s.fake.lastMessage(general())!;
    expect(stored.type).toBe(20);
    expect(stored.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(stored.interaction_metadata.name).toBe('service');
  });

  it('/service list team:payments shows only that team', async () => {
    const cb = await s.send(alice({ name: 'service', subcommand: 'list', options: { team: 'payments' } }));
    expect(cb.body.data.flags).toBe(EPHEMERAL);
    const [embed] = cb.body.data.embeds;
    expect(embed.title).toBe('Services of Payments');
    expect(embed.description).toBe('2 services in 1 team.');
    expect(embed.fields).toEqual([
      {
        name: 'Payments (2)',
        value:
          '**Payments API** `payments-api` · tier 1 · <@111111111111111111>\n**Ledger** `ledger` · tier 2 · <@111111111111111112>',
        inline: false,
      },
    ]);
    expect(customIds(cb)).toEqual(['st1|service.show|payments-api', 'st1|service.show|ledger']);
    expect(cb.body.data.allowed_mentions).toEqual(NO_MENTIONS);
  });

  it('/service list team:nope answers TEAM.NOT_FOUND naming the known teams', async () => {
    const cb = await s.send(alice({ name: 'service', subcommand: 'list', options: { team: 'nope' } }));
    expect(cb.body.data.embeds).toEqual([
      {
        title: 'There is no team "nope".',
        color: 0xe74c3c,
        description: 'Teams: payments, platform',
        footer: { text: 'TEAM.NOT_FOUND' },
      },
    ]);
    expect(cb.body.data.components).toEqual([]);
  });

  it('/service show id:payments-api: the service card with owners, escalation path, channel and runbook link', async () => {
    const cb = await s.send(alice({ name: 'service', subcommand: 'show', options: { id: 'payments-api' } }));
    expect(cb.body.type).toBe(4);
    expect(cb.body.data.flags).toBe(EPHEMERAL);
    expect(cb.body.data.allowed_mentions).toEqual(NO_MENTIONS);
    expect(cb.body.data.embeds).toEqual([
      {
        title: 'Payments API',
        color: 0xf1c40f, // tier 1
        description: 'Card and bank payments for the checkout.',
        fields: [
          { name: 'Team', value: 'Payments', inline: true },
          { name: 'Tier', value: '1 (most critical)', inline: true },
          { name: 'Owners', value: '<@111111111111111111>', inline: true },
          { name: 'Escalation path', value: '`payments-default` · 2 levels, 15m per pass, repeats 1×', inline: true },
          { name: 'Channels', value: '<#222222222222222222>', inline: true },
          { name: 'Runbook', value: '[runbook](https://runbooks.example.com/payments-api)', inline: true },
          {
            name: 'Repository',
            value: '[git.example.com/payments/payments-api](https://git.example.com/payments/payments-api)',
            inline: true,
          },
        ],
        footer: { text: 'Service payments-api · from the policy' },
      },
    ]);
    expect(cb.body.data.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 1, label: 'Escalation path', custom_id: 'st1|service.escalation|payments-api' },
          { type: 2, style: 2, label: 'Payments services', custom_id: 'st1|service.list|payments' },
        ],
      },
    ]);
  });

  it('/service show id:ledger (tier 2, owner bob, the team channel)', async () => {
    const cb = await s.send(alice({ name: 'service', subcommand: 'show', options: { id: 'ledger' } }));
    const [embed] = cb.body.data.embeds;
    expect(embed.title).toBe('Ledger');
    expect(embed.color).toBe(0x3498db);
    expect(embed.fields.map((f: any) => [f.name, f.value])).toEqual([
      ['Team', 'Payments'],
      ['Tier', '2'],
      ['Owners', '<@111111111111111112>'],
      ['Escalation path', '`payments-default` · 2 levels, 15m per pass, repeats 1×'],
      ['Channels', '<#222222222222222222>'],
    ]);
  });

  it('/service show id:nope: an error embed with SERVICE.NOT_FOUND in the footer, no buttons', async () => {
    const cb = await s.send(alice({ name: 'service', subcommand: 'show', options: { id: 'nope' } }));
    expect(cb.body.type).toBe(4);
    expect(cb.body.data.flags).toBe(EPHEMERAL);
    expect(cb.body.data.embeds).toEqual([
      {
        title: 'There is no service "nope".',
        color: 0xe74c3c,
        description: 'See /service list.',
        footer: { text: 'SERVICE.NOT_FOUND' },
      },
    ]);
    expect(cb.body.data.components).toEqual([]);
    expect(cb.body.data.allowed_mentions).toEqual(NO_MENTIONS);
  });

  it('a button from a previous reply answers with a new ephemeral reply: the escalation card', async () => {
    const shown = await s.send(alice({ name: 'service', subcommand: 'show', options: { id: 'payments-api' } }));
    const reply = s.fake.lastMessage(general())!;
    expect(reply.embeds[0].title).toBe('Payments API');
    const customId = reply.components[0].components[0].custom_id;
    expect(customId).toBe(customIds(shown)[0]);

    const mark = s.fake.mark;
    const cb = await s.send(s.fake.button({ customId, message: reply.id, user: POLICY_DISCORD.alice }));
    expect(cb.body.type).toBe(4); // a new message, the card with the button stays
    expect(cb.body.data.flags).toBe(EPHEMERAL);
    expect(cb.body.data.allowed_mentions).toEqual(NO_MENTIONS);
    expect(cb.body.data.embeds).toEqual([
      {
        title: 'Escalation path of Payments API',
        color: 0x3498db,
        description: '`payments-default`',
        fields: [
          {
            name: 'Level 1 · at once',
            value: 'on call in `payments-primary` (2 in rotation, every 1w) · acknowledge within 5m',
            inline: false,
          },
          {
            name: 'Level 2 · after 5m',
            value: '<@111111111111111113>, team Payments · acknowledge within 10m',
            inline: false,
          },
          {
            name: 'Afterwards',
            value: 'Then the path repeats 1 more time; if nobody acknowledged, the Payments team channel is told.',
            inline: false,
          },
        ],
      },
    ]);
    expect(customIds(cb)).toEqual(['st1|service.show|payments-api']);
    // The message holding the button was not edited.
    expect(s.fake.restCalls.filter((c) => c.seq >= mark && c.method === 'PATCH')).toEqual([]);
    expect(s.fake.message(general(), reply.id)!.edited_timestamp).toBeNull();
  });

  it('"Payments services" button lists the team; a list button shows the service', async () => {
    const list = await s.send(s.fake.button({ customId: 'st1|service.list|payments', user: POLICY_DISCORD.bob }));
    expect(list.body.data.embeds[0].title).toBe('Services of Payments');
    const show = await s.send(s.fake.button({ customId: 'st1|service.show|edge-gateway', user: POLICY_DISCORD.bob }));
    expect(show.body.data.embeds[0].title).toBe('Edge Gateway');
    expect(show.body.data.embeds[0].fields.find((f: any) => f.name === 'Owners').value).toBe(
      '<@111111111111111113>, <@111111111111111114>',
    );
    expect(show.body.data.embeds[0].fields.find((f: any) => f.name === 'Channels').value).toBe('<#222222222222222223>');
  });

  it('a forged st1| custom_id gets a clear "no longer understood" reply', async () => {
    const cb = await s.send(s.fake.button({ customId: 'st1|service.delete|x', user: POLICY_DISCORD.alice }));
    expect(cb.body.type).toBe(4);
    expect(cb.body.data.flags).toBe(EPHEMERAL);
    expect(cb.body.data.embeds).toEqual([
      {
        title: 'This button is no longer understood by Steward.',
        color: 0xe74c3c,
        description: 'unknown action "service.delete"',
        footer: { text: 'ACTION.EXPIRED' },
      },
    ]);
    const wrongArity = await s.send(s.fake.button({ customId: 'st1|service.show|a|b', user: POLICY_DISCORD.alice }));
    expect(wrongArity.body.data.embeds[0].title).toBe('This button is no longer understood by Steward.');
    expect(wrongArity.body.data.embeds[0].description).toBe('action "service.show" expects 1 argument(s)');
    const badId = await s.send(
      s.fake.button({ customId: 'st1|service.show|<@&1160000000000000030>', user: POLICY_DISCORD.alice }),
    );
    expect(badId.body.data.embeds[0].footer).toEqual({ text: 'ACTION.EXPIRED' });
    expect(embedTexts(badId).join('\n')).not.toMatch(/<@&\d+>/);
  });

  it("a custom_id that is not Steward's (no st1| prefix) is left alone: no callback", async () => {
    const foreign = s.fake.button({ customId: 'poll:vote:1', user: POLICY_DISCORD.alice });
    s.fake.dispatch('INTERACTION_CREATE', foreign);
    // A later interaction is answered, so the first one has been processed by then.
    await s.send(alice({ name: 'service', subcommand: 'list' }));
    expect(await callbacksAfter(s.fake, foreign.id, 150)).toEqual([]);
  });

  it('commands Steward does not own are left alone', async () => {
    const other = s.fake.chatInput({ name: 'cardsearch', options: { cardname: 'x' }, user: POLICY_DISCORD.alice });
    s.fake.dispatch('INTERACTION_CREATE', other);
    await s.send(alice({ name: 'steward', subcommand: 'help' }));
    expect(await callbacksAfter(s.fake, other.id, 150)).toEqual([]);
  });

  it('/steward help from alice: who she is to Steward', async () => {
    const cb = await s.send(alice({ name: 'steward', subcommand: 'help' }));
    const [who, what] = cb.body.data.embeds;
    expect(who.title).toBe('You are Alice Example');
    expect(who.description).toBe(
      'Person `alice` in the policy\nMember of **Payments**\nOwner of **Payments API** `payments-api`\nTime zone: Europe/Berlin.',
    );
    expect(what.title).toBe('What Steward can do here');
    expect(cb.body.data.flags).toBe(EPHEMERAL);
  });

  it('/steward help from a Discord user not in the policy: the "not in the policy yet" card; recorded once', async () => {
    const seenBefore = s.rows('select * from seen_user where platform_user_id = ?', STRANGER.id);
    expect(seenBefore).toEqual([]);
    const first = await s.send(s.fake.chatInput({ name: 'steward', subcommand: 'help', user: STRANGER.id }));
    expect(first.body.data.flags).toBe(EPHEMERAL);
    expect(first.body.data.embeds[0]).toEqual({
      title: 'You are not in the policy yet',
      color: 0xf1c40f,
      description:
        'Steward knows you only as discord user `999999999999999901`: you may use read-only commands. To act (declare, approve, acknowledge), ask an administrator to add your discord id to `people` in the policy.',
    });
    expect(first.body.data.embeds[1].title).toBe('What Steward can do here');
    expect(first.body.data.embeds[1].description).toBe(
      [
        '`/incident declare [title]` — declare an incident: war room, announcement, roles, timeline (needs a policy person)',
        '`/incident help` — every incident command: update, status, severity, role, resolve, list, timeline, stats',
        "`/page <service|@person> <message>` — page a service's on-call along its escalation path, or one person (needs a policy person)",
        '`/page list` — open and acknowledged pages',
        '`/oncall [service|schedule]` — who is on call now and next, in your time zone',
        '`/oncall override <@user> <duration> [schedule]` — someone covers a shift from now (needs a policy person)',
        '`/oncall override cancel <#id|schedule>` — cancel an override you cover or set up (needs a policy person)',
        '`/change request [title]` — request a change: approvers chosen by policy get Approve / Reject (needs a policy person)',
        '`/change list [mine|pending|today|week]` — changes, and /change show CHG-n for one',
        '`/change calendar` — changes and freezes in the next 7 days, in your time zone',
        "`/change start|complete|rollback|cancel CHG-n` — a change's lifecycle (needs a policy person)",
        '`/patch list [service|team] [overdue]` — open vulnerability findings, worst first, with their deadlines',
        '`/patch show <finding>` — one finding: versions, deadline, scanners and history',
        "`/patch digest [team]` — a team's patch SLA digest now: overdue, due soon, new, fixed, exceptions ending",
        '`/patch exception <finding>` — request a risk exception: approvers chosen by policy get Approve / Reject (needs a policy person)',
        '`/alert list [service|team] [firing|silenced|resolved]` — alert groups from monitoring',
        '`/alert show ALR-n` — an alert group: alerts, labels, links, history',
        '`/alert ack|resolve ALR-n` — acknowledge or resolve an alert group and its page (needs a policy person)',
        '`/alert silence <service|label=value …> <duration> <reason>` — matching alerts page nobody for a while (they are still stored) (needs a policy person)',
        '`/alert unsilence SIL-n` — end a silence now (needs a policy person)',
        '`/alert heartbeats` — heartbeats: state and last ping; pause or resume one',
        '`/status` — the public status page as customers see it now',
        '`/status set <component> <status>` — set a component: operational, degraded-performance, partial-outage, major-outage, under-maintenance (needs a policy person)',
        '`/incident publish [INC-n] · /incident update --public <text> · /change publish CHG-n` — publish an incident, a public update, a change as scheduled maintenance (needs a policy person)',
        '`/service list [team]` — the service catalog: teams, tiers, owners',
        '`/service show <id>` — one service: team, owners, tier, escalation path, channels',
        '`/steward help` — this help, and who you are to Steward',
      ].join('\n'),
    );
    expect(first.body.data.embeds[1].footer.text).toMatch(/^Policy version [0-9a-f]{12} · 3 services, 2 teams$/);
    // A second request from the same user is not recorded again.
    await s.send(s.fake.chatInput({ name: 'service', subcommand: 'list', user: STRANGER.id }));

    const seen = s.rows<Record<string, unknown>>(
      'select platform, platform_user_id, display_name, person_id from seen_user where platform_user_id = ?',
      STRANGER.id,
    );
    expect(seen).toEqual([
      { platform: 'discord', platform_user_id: STRANGER.id, display_name: 'Mallory Stranger', person_id: null },
    ]);
    const audit = s.rows<{
      action: string;
      actor_platform: string;
      actor_user_id: string;
      actor_person_id: string | null;
      after: string;
    }>(
      'select action, actor_platform, actor_user_id, actor_person_id, after from audit_entry where subject = ?',
      `identity:discord:${STRANGER.id}`,
    );
    expect(audit).toEqual([
      {
        action: 'identity.first_seen',
        actor_platform: 'discord',
        actor_user_id: STRANGER.id,
        actor_person_id: null,
        after: JSON.stringify({ displayName: 'Mallory Stranger', personId: null }),
      },
    ]);
    // Alice, a policy person, was recorded with her person id.
    expect(s.rows('select person_id from seen_user where platform_user_id = ?', POLICY_DISCORD.alice)).toEqual([
      { person_id: 'alice' },
    ]);
  });

  it('a command in a DM is answered with one generic line and runs nothing (commands exist in guilds only)', async () => {
    const cb = await s.send(
      s.fake.chatInput({
        name: 'service',
        subcommand: 'show',
        options: { id: 'ledger' },
        user: POLICY_DISCORD.bob,
        guildId: null,
      }),
    );
    expect(cb.body.data.content).toBe('Steward does not answer here.');
    expect(cb.body.data.embeds).toBeUndefined();
    expect(cb.body.data.flags).toBe(EPHEMERAL);
  });

  it('mention injection: option values never come back as live mentions, allowed_mentions is always empty', async () => {
    const injections = [
      '@everyone',
      '@here',
      '<@123456789012345678>',
      '<@!123456789012345678>',
      '<@&1160000000000000030>',
      '<#222222222222222222>',
      '@everyone <@&1160000000000000030> look',
      'payments" "@here',
      '“@everyone”',
      'PAYMENTS\n@everyone',
    ];
    const replies: DiscordRestCall[] = [];
    for (const value of injections) {
      replies.push(await s.send(alice({ name: 'service', subcommand: 'list', options: { team: value } })));
      replies.push(await s.send(alice({ name: 'service', subcommand: 'show', options: { id: value } })));
    }
    // A user whose display name is itself an injection attempt.
    s.fake.addUser({
      id: '999999999999999902',
      username: 'everyone',
      global_name: '@everyone <@&1160000000000000030>',
    });
    replies.push(await s.send(s.fake.chatInput({ name: 'steward', subcommand: 'help', user: '999999999999999902' })));
    replies.push(await s.send(s.fake.chatInput({ name: 'service', subcommand: 'list', user: '999999999999999902' })));

    const policyUsers = new Set<string>(Object.values(POLICY_DISCORD));
    for (const cb of replies) {
      expect(cb.status).toBe(204);
      expect(cb.body.data.allowed_mentions).toEqual(NO_MENTIONS);
      expect(cb.body.data.flags).toBe(EPHEMERAL);
      for (const text of embedTexts(cb)) {
        expect(text).not.toMatch(/@(everyone|here)/);
        expect(text).not.toMatch(/<@[!&]/);
        expect(text).not.toMatch(/<#\d+>/);
        for (const [, id] of text.matchAll(/<@(\d+)>/g)) expect(policyUsers.has(id!)).toBe(true);
      }
    }
    // Each injected value was refused by the parser, not looked up.
    const footers = replies.slice(0, injections.length * 2).map((cb) => cb.body.data.embeds[0].footer?.text);
    expect(new Set(footers)).toEqual(new Set(['COMMAND.INVALID']));
  });

  it('metrics: commands and button clicks are counted by platform, command/action and outcome', async () => {
    const before = {
      list: await metric(s.base, listOk),
      notFound: await metric(
        s.base,
        'steward_commands_total{platform="discord",command="service.show",outcome="SERVICE.NOT_FOUND"}',
      ),
      click: await metric(
        s.base,
        'steward_interactions_total{platform="discord",action="service.escalation",outcome="ok"}',
      ),
      expired: await metric(
        s.base,
        'steward_interactions_total{platform="discord",action="unknown",outcome="ACTION.EXPIRED"}',
      ),
    };
    await s.send(alice({ name: 'service', subcommand: 'list' }));
    await s.send(alice({ name: 'service', subcommand: 'list', options: { team: 'platform' } }));
    await s.send(alice({ name: 'service', subcommand: 'show', options: { id: 'nope' } }));
    await s.send(s.fake.button({ customId: 'st1|service.escalation|ledger', user: POLICY_DISCORD.alice }));
    await s.send(s.fake.button({ customId: 'st1|nope', user: POLICY_DISCORD.alice }));

    expect(await metric(s.base, listOk)).toBe(before.list + 2);
    expect(
      await metric(
        s.base,
        'steward_commands_total{platform="discord",command="service.show",outcome="SERVICE.NOT_FOUND"}',
      ),
    ).toBe(before.notFound + 1);
    expect(
      await metric(s.base, 'steward_interactions_total{platform="discord",action="service.escalation",outcome="ok"}'),
    ).toBe(before.click + 1);
    expect(
      await metric(s.base, 'steward_interactions_total{platform="discord",action="unknown",outcome="ACTION.EXPIRED"}'),
    ).toBe(before.expired + 1);
    const text = await (await fetch(`${s.base}/metrics`)).text();
    expect(text).toMatch(/^steward_request_duration_seconds_count\{platform="discord",kind="command"\} [1-9]\d*$/m);
    expect(text).toMatch(/^steward_request_duration_seconds_count\{platform="discord",kind="interaction"\} [1-9]\d*$/m);
  });

  it('a 404 "Unknown interaction" on the callback is logged (without the interaction token); the next interaction works', async () => {
    s.fake.fail('POST', CALLBACK, { status: 404, body: { message: 'Unknown interaction', code: 10062 } });
    const lost = alice({ name: 'service', subcommand: 'list' });
    const failed = await s.send(lost);
    expect(failed.status).toBe(404);
    const entry = await s.logs.waitFor((e) => e.msg === 'discord interaction failed' && e.interaction === lost.id);
    expect(entry.level).toBe(50);
    expect(entry.platform).toBe('discord');
    expect(entry.err).toMatchObject({
      type: 'DiscordAPIError',
      code: 10062,
      status: 404,
      method: 'POST',
      message: 'Unknown interaction',
    });
    expect(entry.err.url).toMatch(new RegExp(`/interactions/${lost.id}/\\[REDACTED\\]/callback`));
    expect(s.logs.text).not.toContain(lost.token);
    expect(entry.err).not.toHaveProperty('requestBody');

    const next = await s.send(alice({ name: 'service', subcommand: 'show', options: { id: 'ledger' } }));
    expect(next.status).toBe(204);
    expect(next.body.data.embeds[0].title).toBe('Ledger');
  });

  it('a callback that keeps failing with 500 is retried, then logged; Steward keeps serving', async () => {
    s.fake.fail('POST', CALLBACK, { status: 500, times: 4 });
    const doomed = alice({ name: 'service', subcommand: 'list' });
    s.fake.dispatch('INTERACTION_CREATE', doomed);
    const entry = await s.logs.waitFor((e) => e.msg === 'discord interaction failed' && e.interaction === doomed.id);
    expect(entry.err).toMatchObject({ type: 'HTTPError', status: 500, method: 'POST' });
    // discord.js retries a 5xx three times before giving up.
    const attempts = s.fake.restCallsOf('POST', new RegExp(`^/interactions/${doomed.id}/`));
    expect(attempts.map((c) => c.status)).toEqual([500, 500, 500, 500]);
    expect(s.logs.text).not.toContain(doomed.token);

    const next = await s.send(alice({ name: 'service', subcommand: 'list' }));
    expect(next.status).toBe(204);
    expect(next.body.data.embeds[0].title).toBe('Service catalog');
    expect((await fetch(`${s.base}/readyz`)).status).toBe(200);
  });

  it('logs (at trace) name requests and outcomes but never the bot token or an interaction token', async () => {
    const probe = alice({ name: 'service', subcommand: 'list' });
    await s.send(probe);
    const entry = await s.logs.waitFor(
      (e) => e.msg === 'command' && e.platform === 'discord' && e.outcome === 'ok' && e.user === POLICY_DISCORD.alice,
    );
    expect(entry).toMatchObject({ kind: 'command', label: 'service.list' });
    expect(entry.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(s.logs.entries().some((e) => e.msg === 'discord ready')).toBe(true);
    expect(s.logs.text).not.toContain(DISCORD_TEST_TOKEN);
    expect(s.logs.text).not.toContain(DISCORD_TEST_TOKEN.split('.')[2]); // the secret part on its own
    expect(s.logs.text).not.toContain(probe.token);
  });
});

describe('Discord readiness when the gateway session is lost for good', () => {
  let s: DiscordSteward;
  beforeAll(async () => {
    s = await startDiscordSteward();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('/readyz turns 503 naming discord when the gateway closes with a fatal code (4004)', async () => {
    expect((await fetch(`${s.base}/readyz`)).status).toBe(200);
    s.fake.dropGateway(4004, 'Authentication failed.');
    let body: any;
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${s.base}/readyz`);
      body = await res.json();
      if (res.status === 503) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(body).toEqual({
      status: 'not ready',
      checks: [
        { name: 'database', ok: true },
        { name: 'discord', ok: false, detail: 'gateway not connected' },
      ],
    });
  });
});
