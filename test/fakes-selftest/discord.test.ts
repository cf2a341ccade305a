import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ChannelType,
  Client,
  DiscordAPIError,
  EmbedBuilder,
  Events,
  GatewayIntentBits,
  MessageFlags,
  ModalBuilder,
  PermissionFlagsBits,
  TextInputBuilder,
  TextInputStyle,
  type Interaction,
  type TextChannel,
} from 'discord.js';
import { DISCORD_DEFAULTS, FakeDiscord } from '../fakes/discord.js';

const { users, channels, roles } = DISCORD_DEFAULTS;

describe('FakeDiscord with a real discord.js Client', () => {
  let fake: FakeDiscord;
  let client: Client;
  let handler: (i: Interaction) => Promise<void>;
  let handlerErrors: unknown[];

  beforeEach(async () => {
    fake = await FakeDiscord.start();
    handlerErrors = [];
    handler = async () => {};
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
    client.on(Events.InteractionCreate, (i) => {
      handler(i).catch((e) => handlerErrors.push(e));
    });
    const ready = new Promise((resolve) => client.once(Events.ClientReady, resolve));
    await client.login('fake.bot.token');
    await ready;
  });

  afterEach(async () => {
    await client.destroy();
    await fake.close();
    expect(handlerErrors).toEqual([]);
  });

  it('logs in: IDENTIFY recorded with intents and token redacted, guild with channels and roles cached', async () => {
    const identify = await fake.waitForIdentify();
    expect(identify.intents).toBe(GatewayIntentBits.Guilds);
    expect(identify.d.token).toBe('[redacted]');
    expect(client.user?.id).toBe(DISCORD_DEFAULTS.botUserId);
    const guild = client.guilds.cache.get(fake.guildId)!;
    expect(guild.name).toBe(DISCORD_DEFAULTS.guildName);
    expect(guild.channels.cache.get(channels.incidentsCategory)?.type).toBe(ChannelType.GuildCategory);
    expect((guild.channels.cache.get(channels.incidentLog) as TextChannel).parentId).toBe(channels.incidentsCategory);
    expect(guild.roles.cache.get(roles.oncall)?.name).toBe('On-call');
    expect(guild.members.me?.id).toBe(DISCORD_DEFAULTS.botUserId);
    const gw = fake.restCallsOf('GET', '/gateway/bot');
    expect(gw[0]?.auth).toBe('Bot fake.bot.token');
  });

  it('replies to a chat-input command with an embed and a button row, then update()s on the button', async () => {
    handler = async (i) => {
      if (i.isChatInputCommand() && i.commandName === 'incident') {
        const sub = i.options.getSubcommand();
        const title = i.options.getString('title', true);
        const sev = i.options.getInteger('severity', true);
        const lead = i.options.getUser('lead');
        await i.reply({
          embeds: [new EmbedBuilder().setTitle(`${sub}: ${title}`).setDescription(`SEV${sev} lead ${lead?.username}`)],
          components: [
            new ActionRowBuilder<ButtonBuilder>().addComponents(
              new ButtonBuilder().setCustomId('inc:ack').setLabel('Acknowledge').setStyle(ButtonStyle.Primary),
            ),
          ],
        });
      } else if (i.isButton() && i.customId === 'inc:ack') {
        await i.update({ content: `acked by ${i.user.username}`, components: [] });
      }
    };

    const payload = fake.chatInput({
      name: 'incident',
      subcommand: 'open',
      options: { title: 'db down', severity: 2, lead: { type: 6, value: users.bob.id } },
      channelId: channels.incidentLog,
    });
    expect(payload.data.options[0]).toMatchObject({ type: 1, name: 'open' });
    const cb = await fake.sendInteraction(payload);
    expect(cb.auth).toBeNull();
    expect(cb.query.with_response).toBe('false');
    expect(cb.status).toBe(204);
    expect(cb.body.type).toBe(4);
    expect(cb.body.data.embeds[0]).toMatchObject({ title: 'open: db down', description: 'SEV2 lead bob' });
    expect(cb.body.data.components[0].components[0]).toMatchObject({ type: 2, custom_id: 'inc:ack' });

    const reply = fake.lastMessage(channels.incidentLog)!;
    expect(reply.type).toBe(20);
    expect(reply.interaction_metadata.name).toBe('incident');

    const click = await fake.sendInteraction(
      fake.button({ customId: 'inc:ack', message: reply.id, user: users.alice.id }),
    );
    expect(click.body.type).toBe(7);
    const updated = fake.message(channels.incidentLog, reply.id)!;
    expect(updated.content).toBe('acked by alice');
    expect(updated.components).toEqual([]);
    expect(updated.edited_timestamp).not.toBeNull();
  });

  it('defers, edits @original and follows up (paging flow); fetchReply reads the stored state', async () => {
    handler = async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.deferReply({ flags: MessageFlags.Ephemeral });
      await i.editReply({ content: 'paged bob' });
      const fetched = await i.fetchReply();
      await i.followUp({ content: `confirmed ${fetched.content}`, flags: MessageFlags.Ephemeral });
    };
    const payload = fake.chatInput({ name: 'page', options: { user: { type: 6, value: users.bob.id } } });
    const cb = await fake.sendInteraction(payload);
    expect(cb.body).toEqual({ type: 5, data: { flags: MessageFlags.Ephemeral } });
    const follow = await fake.waitForRest('POST', /^\/webhooks\/\d+\/[^/]+$/);
    expect(follow.body.content).toBe('confirmed paged bob');
    const edit = fake.restCallsOf('PATCH', /\/messages\/@original$/)[0]!;
    expect(edit.response.content).toBe('paged bob');
    const stored = fake.message(channels.general, edit.response.id)!;
    expect(stored.flags & MessageFlags.Loading).toBe(0);
    expect(stored.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
  });

  it('shows a modal and reads modal submits in both the action-row and the label shapes', async () => {
    const seen: string[] = [];
    handler = async (i) => {
      if (i.isButton()) {
        await i.showModal(
          new ModalBuilder()
            .setCustomId('resolve')
            .setTitle('Resolve incident')
            .addComponents(
              new ActionRowBuilder<TextInputBuilder>().addComponents(
                new TextInputBuilder().setCustomId('summary').setLabel('Summary').setStyle(TextInputStyle.Paragraph),
              ),
            ),
        );
      } else if (i.isModalSubmit()) {
        seen.push(i.fields.getTextInputValue('summary'));
        await i.reply({ content: 'resolved', flags: MessageFlags.Ephemeral });
      }
    };
    const modal = await fake.sendInteraction(fake.button({ customId: 'inc:resolve' }));
    expect(modal.body).toMatchObject({ type: 9, data: { custom_id: 'resolve', title: 'Resolve incident' } });

    const classic = fake.modalSubmit({ customId: 'resolve', fields: { summary: 'restarted the db' } });
    expect(classic.data.components[0].type).toBe(1);
    await fake.sendInteraction(classic);
    const label = fake.modalSubmit({ customId: 'resolve', fields: { summary: 'rolled back' }, shape: 'label' });
    expect(label.data.components[0].type).toBe(18);
    await fake.sendInteraction(label);
    expect(seen).toEqual(['restarted the db', 'rolled back']);
  });

  it('creates a guild channel under a category with overwrites; CHANNEL_CREATE reaches the client', async () => {
    const guild = client.guilds.cache.get(fake.guildId)!;
    const created = new Promise((resolve) => client.once(Events.ChannelCreate, resolve));
    const ch = await guild.channels.create({
      name: 'INC 42 db down',
      type: ChannelType.GuildText,
      parent: channels.incidentsCategory,
      topic: 'SEV2',
      permissionOverwrites: [
        { id: guild.roles.everyone.id, deny: [PermissionFlagsBits.ViewChannel] },
        { id: users.bob.id, allow: [PermissionFlagsBits.ViewChannel] },
      ],
      reason: 'incident 42',
    });
    await created;
    expect(fake.sentDispatches.some((d) => d.t === 'CHANNEL_CREATE' && d.d.id === ch.id)).toBe(true);
    expect(ch.name).toBe('inc-42-db-down');
    expect(ch.parentId).toBe(channels.incidentsCategory);
    const call = fake.restCallsOf('POST', /^\/guilds\/\d+\/channels$/)[0]!;
    expect(call.reason).toBe('incident 42');
    expect(call.status).toBe(201);
    expect(fake.channel(ch.id)?.permission_overwrites).toHaveLength(2);

    await ch.permissionOverwrites.edit(users.carol.id, { ViewChannel: true });
    const put = await fake.waitForRest('PUT', new RegExp(`^/channels/${ch.id}/permissions/${users.carol.id}$`));
    expect(put.status).toBe(204);

    const msg = await ch.send({ content: 'Incident 42 opened' });
    await msg.pin();
    await msg.edit({ content: 'Incident 42 resolved' });
    await msg.react('✅');
    expect(fake.message(ch.id, msg.id)).toMatchObject({
      content: 'Incident 42 resolved',
      pinned: true,
      reactions: [{ emoji: { name: '✅' }, me: true }],
    });
    expect(fake.restCallsOf('PUT', new RegExp(`^/channels/${ch.id}/messages/pins/${msg.id}$`))).toHaveLength(1);

    // duplicate names are allowed on Discord
    const dup = await guild.channels.create({ name: 'inc-42-db-down' });
    expect(dup.id).not.toBe(ch.id);
  });

  it('sends DMs via client.users.send and user.createDM; refuses when DMs are closed', async () => {
    const msg = await client.users.send(users.bob.id, { content: 'You are paged for incident 42' });
    const dm = fake.dmChannelFor(users.bob.id);
    expect(msg.channelId).toBe(dm.id);
    expect(fake.restCallsOf('POST', '/users/@me/channels')[0]?.body).toEqual({ recipient_id: users.bob.id });
    expect(fake.lastMessage(dm.id)?.content).toBe('You are paged for incident 42');

    const alice = await client.users.fetch(users.alice.id);
    const dmA = await alice.createDM();
    await dmA.send('hello');
    expect(fake.messages(dmA.id).map((m) => m.content)).toEqual(['hello']);

    fake.addUser({ id: '1170000000000000099', username: 'private', dmsDisabled: true });
    const err = await client.users.send('1170000000000000099', 'hi').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect((err as DiscordAPIError).code).toBe(50007);
  });

  it('surfaces an injected 403 on channel creation as DiscordAPIError 50013, and retries a 429', async () => {
    const guild = client.guilds.cache.get(fake.guildId)!;
    fake.fail('POST', /^\/guilds\/\d+\/channels$/, { status: 403 });
    const err = await guild.channels.create({ name: 'inc-43' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect((err as DiscordAPIError).code).toBe(50013);
    expect((err as DiscordAPIError).status).toBe(403);

    fake.fail('POST', /^\/channels\/\d+\/messages$/, { retryAfter: 0.05 });
    const general = guild.channels.cache.get(channels.general) as TextChannel;
    const started = Date.now();
    const sent = await general.send('after a 429');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(sent.content).toBe('after a 429');
    expect(fake.restCallsOf('POST', /^\/channels\/\d+\/messages$/).map((c) => c.status)).toEqual([429, 200]);
  });

  it('bulk-overwrites application commands idempotently and uses their ids in interactions', async () => {
    const defs = [
      {
        name: 'incident',
        description: 'Manage incidents',
        options: [{ type: 1, name: 'open', description: 'Open one' }],
      },
      { name: 'page', description: 'Page someone' },
    ];
    const first = await client.application!.commands.set(defs);
    const second = await client.application!.commands.set(defs);
    expect([...first.keys()].sort()).toEqual([...second.keys()].sort());
    const guildCmds = await client.application!.commands.set(defs, fake.guildId);
    expect(guildCmds.size).toBe(2);
    expect(fake.commands(fake.guildId)).toHaveLength(2);
    expect(fake.chatInput({ name: 'incident', subcommand: 'open' }).data.id).toBe(fake.commands(fake.guildId)[0]!.id);

    const bad = await client
      .application!.commands.set([{ name: 'Bad Name', description: 'x' }])
      .catch((e: unknown) => e);
    expect((bad as DiscordAPIError).code).toBe(50035);
    const fetched = await client.application!.commands.fetch();
    expect(fetched.size).toBe(2);
  });

  it('parses multipart bodies (files), answers with_response=true, and handles DM interactions', async () => {
    handler = async (i) => {
      if (!i.isChatInputCommand()) return;
      const res = await i.reply({
        content: `report for ${i.guildId === null ? 'dm' : 'guild'}`,
        files: [{ attachment: Buffer.from('line1\nline2\n'), name: 'report.txt' }],
        withResponse: true,
      });
      await i.followUp(`original ${res.resource?.message?.id}`);
    };
    const cb = await fake.sendInteraction(fake.chatInput({ name: 'report', guildId: null, user: users.carol.id }));
    expect(cb.query.with_response).toBe('true');
    expect(cb.status).toBe(200);
    expect(cb.files).toHaveLength(1);
    expect(cb.files[0]).toMatchObject({ field: 'files[0]', filename: 'report.txt', size: 12 });
    expect(cb.body.data.content).toBe('report for dm');
    const original = cb.response.resource.message;
    expect(original.attachments[0].filename).toBe('report.txt');
    const follow = await fake.waitForRest('POST', /^\/webhooks\//);
    expect(follow.body.content).toBe(`original ${original.id}`);
    expect(fake.messages(fake.dmChannelFor(users.carol.id).id)).toHaveLength(2);
  });

  it('survives a dropped gateway connection: the client resumes and keeps handling interactions', async () => {
    handler = async (i) => {
      if (i.isChatInputCommand()) await i.reply('still here');
    };
    fake.dropGateway(4000);
    await expect
      .poll(() => fake.sentDispatches.some((d) => d.t === 'RESUMED'), { timeout: 1500, interval: 10 })
      .toBe(true);
    expect(fake.identifies).toHaveLength(1);
    const cb = await fake.sendInteraction(fake.chatInput({ name: 'status' }));
    expect(cb.body.data.content).toBe('still here');
  });

  it('answers unknown routes with 404 and rejects a second interaction response', async () => {
    const res = await fetch(`${fake.apiUrl}/v10/nope/123`, { headers: { authorization: 'Bot x' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: '404: Not Found', code: 0 });

    let second: unknown;
    handler = async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.reply('one');
      i.replied = false;
      second = await i.reply('two').catch((e: unknown) => e);
    };
    await fake.sendInteraction(fake.chatInput({ name: 'twice' }));
    await fake.waitForRest('POST', /\/callback$/, (c) => c.status === 400);
    await expect.poll(() => (second as DiscordAPIError | undefined)?.code).toBe(40060);
    await expect(fake.waitForRest('DELETE', /never/, undefined, 30)).rejects.toThrow(/Seen so far/);
  });
});
