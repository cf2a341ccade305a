// Captured Discord payloads (../shared/fixtures/discord) fed through Steward's real discord.js client
// over the fake gateway: real interaction shapes in, real HELLO/READY/RECONNECT/… frames on the wire.
// Runs only where the shared fixtures exist; fixtures are read in place, never copied.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayIntentBits, MessageFlags } from 'discord.js';
import { FakeDiscord as Fake } from '../fakes/discord.js';
import { runCli } from '../support/process.js';
import { until } from '../support/wait.js';
import {
  DISCORD_TEST_TOKEN,
  GatewayRelay,
  POLICY_DISCORD,
  callbacksAfter,
  startDiscordSteward,
  type DiscordSteward,
} from '../support/steward-discord.js';

const root = new URL('../../../shared/fixtures', import.meta.url);
const exists = existsSync(root);
if (!exists) console.warn(`Discord conformance suite skipped: no shared fixtures at ${fileURLToPath(root)}`);

type Json = Record<string, any>;

const dir = (sub: string) => fileURLToPath(new URL(`${root.href}/discord/${sub}/`));
const load = (sub: string, file: string): Json => JSON.parse(readFileSync(dir(sub) + file, 'utf8'));
const list = (sub: string, re: RegExp): string[] =>
  exists
    ? readdirSync(dir(sub))
        .filter((f) => re.test(f))
        .sort()
    : [];
/** Interaction fixtures are either the interaction itself or a whole INTERACTION_CREATE dispatch. */
const interaction = (file: string): Json => {
  const f = load('interactions', file);
  return f.op === 0 && f.t === 'INTERACTION_CREATE' ? f.d : f;
};

/**
 * The captured interaction as Discord would deliver it to this app: fresh id and token (so the
 * fake accepts exactly one callback for it) and our application id; every other field untouched.
 */
function delivered(fake: Fake, captured: Json): Json {
  const p = structuredClone(captured);
  p.id = fake.snowflake();
  p.token = Buffer.from(`interaction:${p.id}:conformance`).toString('base64url');
  if ('application_id' in p) p.application_id = fake.applicationId;
  // The fake answers callbacks only for users it knows: make the captured user known (not a guild member).
  const user = p.member?.user ?? p.user;
  if (user && !fake.user(user.id))
    fake.addUser({ id: user.id, username: user.username, global_name: user.global_name ?? null, notInGuild: true });
  return p;
}

const EPHEMERAL = MessageFlags.Ephemeral;
/** Guilds, GuildMessages, GuildMessageReactions, MessageContent. */
const INTENTS =
  GatewayIntentBits.Guilds |
  GatewayIntentBits.GuildMessages |
  GatewayIntentBits.GuildMessageReactions |
  GatewayIntentBits.MessageContent;

describe.runIf(exists)('Discord conformance: captured interactions through Steward', () => {
  let s: DiscordSteward;
  beforeAll(async () => {
    s = await startDiscordSteward();
  });
  afterAll(async () => {
    await s?.stop();
  });

  /** Sends an interaction Steward must not answer; a later one is answered, then none came for it. */
  async function expectIgnored(payload: Json) {
    s.fake.dispatch('INTERACTION_CREATE', payload);
    const probe = await s.send(s.fake.chatInput({ name: 'service', subcommand: 'list', user: POLICY_DISCORD.alice }));
    expect(probe.body.data.embeds[0].title).toBe('Service catalog');
    expect(await callbacksAfter(s.fake, payload.id, 100)).toEqual([]);
  }

  const chatInputs = list('interactions', /^application_command\.(chat_input|resolved|subcommand).*\.json$/);

  it('finds the chat-input and subcommand fixtures', () => {
    expect(chatInputs).toEqual(
      expect.arrayContaining([
        'application_command.chat_input.discord-docs.json',
        'application_command.resolved.gateway-dispatch.discord4j.json',
        'application_command.subcommand_group.gateway-dispatch.discord4j.json',
      ]),
    );
  });

  it.each(chatInputs)('%s as /service list → the catalog card, to that user, ephemeral', async (file) => {
    const captured = interaction(file);
    const p = delivered(s.fake, captured);
    p.data.name = 'service';
    p.data.options = [{ type: 1, name: 'list', options: [] }];
    const cb = await s.send(p);
    expect(cb.status).toBe(204);
    expect(cb.path).toBe(`/interactions/${p.id}/${p.token}/callback`);
    expect(cb.body.type).toBe(4);
    expect(cb.body.data.flags).toBe(EPHEMERAL);
    expect(cb.body.data.allowed_mentions).toEqual({ parse: [] });
    expect(cb.body.data.embeds).toHaveLength(1);
    expect(cb.body.data.embeds[0].title).toBe('Service catalog');
    expect(cb.body.data.embeds[0].fields.map((f: Json) => f.name)).toEqual(['Payments (2)', 'Platform (1)']);
    expect(cb.body.data.components[0].components.map((c: Json) => c.custom_id)).toEqual([
      'st1|service.show|edge-gateway',
      'st1|service.show|payments-api',
      'st1|service.show|ledger',
    ]);
    // The captured user is not in the policy: recorded by Discord id with the name Discord sent.
    const user = captured.member?.user ?? captured.user;
    expect(
      s.rows(
        'select person_id, display_name from seen_user where platform = ? and platform_user_id = ?',
        'discord',
        user.id,
      ),
    ).toEqual([{ person_id: null, display_name: user.global_name ?? user.username }]);
  });

  it("the subcommand fixture's subcommand + string option, renamed to list team:payments → Services of Payments", async () => {
    const captured = interaction('application_command.subcommand_group.gateway-dispatch.discord4j.json');
    const p = delivered(s.fake, captured);
    const sub = structuredClone(captured.data.options[0].options[0]); // {type:1, options:[{value, type:3, name}], name}
    expect(sub.type).toBe(1);
    expect(sub.options[0].type).toBe(3);
    sub.name = 'list';
    sub.options[0].name = 'team';
    sub.options[0].value = 'payments';
    p.data.name = 'service';
    p.data.options = [sub];
    const cb = await s.send(p);
    expect(cb.body.data.embeds[0].title).toBe('Services of Payments');
    expect(cb.body.data.embeds[0].fields.map((f: Json) => f.name)).toEqual(['Payments (2)']);
  });

  it("the captured commands under their own names are not Steward's: no callback", async () => {
    for (const file of chatInputs) await expectIgnored(delivered(s.fake, interaction(file)));
  });

  const buttons = list('interactions', /^message_component\.button.*\.json$/);

  it.each(buttons)('%s with custom_id st1|service.show|ledger → the Ledger card', async (file) => {
    const p = delivered(s.fake, interaction(file));
    p.data.custom_id = 'st1|service.show|ledger';
    for (const row of p.message?.components ?? [])
      for (const c of row.components)
        if (c.custom_id === interaction(file).data.custom_id) c.custom_id = p.data.custom_id;
    const cb = await s.send(p);
    expect(cb.body.type).toBe(4);
    expect(cb.body.data.flags).toBe(EPHEMERAL);
    const [embed] = cb.body.data.embeds;
    expect(embed.title).toBe('Ledger');
    expect(embed.description).toBe('Double-entry ledger behind payments and refunds.');
    expect(embed.fields.find((f: Json) => f.name === 'Owners').value).toBe(`<@${POLICY_DISCORD.bob}>`);
    expect(cb.body.data.components[0].components.map((c: Json) => c.custom_id)).toEqual([
      'st1|service.escalation|ledger',
      'st1|service.list|payments',
    ]);
  });

  it.each(buttons)("%s with its own custom_id is not Steward's: no callback", async (file) => {
    await expectIgnored(delivered(s.fake, interaction(file)));
  });

  const others = [
    ...list('interactions', /^message_component\.(?!button).*\.json$/),
    ...list('interactions', /^modal_submit\..*\.json$/),
    ...list('interactions', /^application_command\.(user|message)_command.*\.json$/),
  ];

  it('finds select, modal and context-menu fixtures', () => {
    expect(others.length).toBeGreaterThanOrEqual(6);
  });

  it.each(others)("%s: not answered, as captured and with Steward's names and ids swapped in", async (file) => {
    let captured = interaction(file);
    if (!captured.id) {
      // Documentation examples of modal data only: wrap them in the captured modal_submit envelope.
      const envelope = interaction('modal_submit.action_row.gateway-dispatch.discordbm.json');
      captured = { ...envelope, type: captured.type, data: captured.data };
    }
    await expectIgnored(delivered(s.fake, captured));
    const ours = delivered(s.fake, captured);
    if (ours.type === 2)
      ours.data.name = 'service'; // a user or message command named like ours
    else ours.data.custom_id = 'st1|service.show|ledger'; // a select or modal carrying a Steward action id
    await expectIgnored(ours);
  });

  it('nothing above was logged as a failure, and Steward still answers', async () => {
    const failures = s.logs.entries().filter((e) => e.level >= 50);
    expect(failures).toEqual([]);
    const cb = await s.send(s.fake.chatInput({ name: 'steward', subcommand: 'help', user: POLICY_DISCORD.carol }));
    expect(cb.body.data.embeds[0].title).toBe('You are Carol Danvers');
  });
});

describe.runIf(exists)('Discord conformance: captured gateway frames', () => {
  const frame = (file: string) => load('gateway', file);
  const hellos = list('gateway', /^hello\..*\.json$/);

  /** Steward behind a relay that swaps the fake's HELLO, READY and HEARTBEAT_ACK for the captured ones. */
  async function startBehindRelay(helloFile: string) {
    let relay!: GatewayRelay;
    const s = await startDiscordSteward({
      prepare: async (fake) => {
        const hello = frame(helloFile);
        const ready = frame('ready.discord4j.json');
        const ack = frame('heartbeat_ack.discord-docs.json');
        relay = await GatewayRelay.start(fake.gatewayUrl, (f) => {
          if (f.op === 10) return hello;
          if (f.op === 11) return ack;
          if (f.op === 0 && f.t === 'READY') {
            // The captured READY, for this bot in this guild; resuming must come back through the relay.
            const d = structuredClone(ready.d);
            d.user.id = fake.botUser.id;
            d.application.id = fake.applicationId;
            d.guilds = f.d.guilds;
            d.resume_gateway_url = relay.url;
            return { ...ready, d };
          }
          return f;
        });
        // GET /gateway/bot answers the captured response, pointing at the relay.
        const gatewayBot = { ...load('rest', 'get_gateway_bot.discord-docs.json'), url: relay.url };
        fake.fail('GET', '/gateway/bot', { status: 200, body: gatewayBot, times: Infinity });
      },
      cleanup: () => relay.close(),
    });
    return { s, relay };
  }

  const answers = async (s: DiscordSteward) => {
    const cb = await s.send(
      s.fake.chatInput({
        name: 'service',
        subcommand: 'show',
        options: { id: 'payments-api' },
        user: POLICY_DISCORD.alice,
      }),
    );
    expect(cb.body.data.embeds[0].title).toBe('Payments API');
  };

  it('finds the frames', () => {
    expect(hellos.length).toBeGreaterThanOrEqual(1);
    for (const f of [
      'ready.discord4j.json',
      'reconnect.discord-docs.json',
      'invalid_session.discord-docs.json',
      'heartbeat_ack.discord-docs.json',
      'dispatch_envelope.discord-docs.json',
    ])
      expect(existsSync(dir('gateway') + f)).toBe(true);
  });

  it.each(hellos)(
    '%s + ready.discord4j.json: one shard identifies with its intents, becomes ready, answers',
    async (helloFile) => {
      const { s, relay } = await startBehindRelay(helloFile);
      try {
        expect(relay.frames.find((f) => f.dir === 'out')?.frame).toEqual(frame(helloFile));
        const identifies = relay.sent(2);
        expect(identifies).toHaveLength(1);
        // The captured /gateway/bot recommends 9 shards; Steward runs one.
        expect(identifies[0]!.d).toMatchObject({ intents: INTENTS, shard: [0, 1], token: '[redacted]' });
        // Every field of the documented IDENTIFY example is there, with the same types.
        const documented = frame('identify.discord-docs.json');
        expect(identifies[0]!.op).toBe(documented.op);
        for (const [key, value] of Object.entries(documented.d))
          expect(typeof identifies[0]!.d[key], key).toBe(typeof value);
        expect(Object.keys(identifies[0]!.d.properties).sort()).toEqual(Object.keys(documented.d.properties).sort());
        expect(relay.frames.some((f) => f.dir === 'out' && f.frame.t === 'READY' && f.frame.d.v === 6)).toBe(true);
        const ready = await (await fetch(`${s.base}/readyz`)).json();
        expect(ready.checks).toContainEqual({ name: 'discord', ok: true });
        expect(s.logs.entries().find((e) => e.msg === 'discord ready')).toMatchObject({
          user: s.fake.botUser.id,
          guilds: 1,
        });
        await answers(s);
      } finally {
        await s.stop();
      }
    },
  );

  it('heartbeat request, unknown dispatch and RECONNECT (op 7): answers the heartbeat, resumes the captured session, keeps answering', async () => {
    const { s, relay } = await startBehindRelay(hellos[0]!);
    try {
      await answers(s);
      // Discord may ask for a heartbeat at any time (op 1); the ACK that follows is the captured one.
      const beats = relay.sent(1).length;
      s.fake.sendGatewayFrame({ op: 1, d: null });
      await relay.waitForSent(1, beats + 1);
      // An event type this client does not know, with the captured envelope (s: 42).
      const envelope = frame('dispatch_envelope.discord-docs.json');
      s.fake.sendGatewayFrame(envelope);
      await answers(s);
      // A message event outside any war room changes nothing and calls nothing.
      const mark = s.fake.mark;
      s.fake.sendGatewayFrame(frame('message_create.discord4j.json'));
      await answers(s);
      expect(
        s.fake.restCalls
          .filter((c) => c.seq >= mark)
          .map((c) => `${c.method} ${c.path.replace(/\/[^/]+\/callback$/, '/…/callback')}`),
      ).toEqual([expect.stringMatching(/^POST \/interactions\/\d+\/…\/callback$/)]);

      const identifies = s.fake.identifies.length;
      s.fake.sendGatewayFrame(frame('reconnect.discord-docs.json'));
      const [resume] = await relay.waitForSent(6);
      // The captured READY's session, resumed from where the client got to.
      expect(resume!.d).toEqual({
        token: '[redacted]',
        session_id: frame('ready.discord4j.json').d.session_id,
        seq: expect.any(Number),
      });
      expect(resume!.d.seq).toBeGreaterThanOrEqual(4);
      // The relay has the RESUME; the fake answers it once the relay has passed it on.
      await until(
        'the fake to send RESUMED',
        () => s.fake.sentDispatches.some((d) => d.t === 'RESUMED') && s.fake.gatewaySessions > 0,
      );
      await answers(s);
      expect(s.fake.identifies).toHaveLength(identifies); // resumed, not identified again
      expect((await fetch(`${s.base}/readyz`)).status).toBe(200);
      expect(s.logs.entries().filter((e) => e.level >= 50)).toEqual([]);
    } finally {
      await s.stop();
    }
  });

  it('INVALID_SESSION (op 9, d:false): identifies again and keeps answering', async () => {
    const { s, relay } = await startBehindRelay(hellos[0]!);
    try {
      await answers(s);
      const invalid = frame('invalid_session.discord-docs.json');
      expect(invalid).toEqual({ op: 9, d: false });
      s.fake.sendGatewayFrame(invalid);
      // Not resumable: a fresh IDENTIFY (discord.js waits out the 5 s identify window first).
      await relay.waitForSent(2, 2, 10_000);
      expect(relay.sent(6)).toEqual([]);
      await until('a newly identified gateway session', () => s.fake.gatewaySessions > 0, 3_000);
      await answers(s);
      expect((await fetch(`${s.base}/readyz`)).status).toBe(200);
    } finally {
      await s.stop();
    }
  }, 20_000);
});

describe.runIf(exists)('Discord conformance: captured REST errors', () => {
  const restError = (file: string) => load('rest', file);

  it("an interaction callback refused with the captured nested 50035 body is logged with Discord's field errors; Steward keeps serving", async () => {
    const s = await startDiscordSteward();
    try {
      const body = restError('error.50035.invalid_form_body.nested.discord-docs.json');
      s.fake.fail('POST', /^\/interactions\/\d+\/[^/]+\/callback$/, { status: 400, body });
      const refused = s.fake.chatInput({ name: 'service', subcommand: 'list', user: POLICY_DISCORD.alice });
      const cb = await s.send(refused);
      expect(cb.status).toBe(400);
      const entry = await s.logs.waitFor((e) => e.msg === 'discord interaction failed' && e.interaction === refused.id);
      expect(entry.err).toMatchObject({ type: 'DiscordAPIError', code: 50035, status: 400 });
      expect(entry.err.message).toContain('activities[0].platform[BASE_TYPE_CHOICES]: Value must be one of');
      expect(s.logs.text).not.toContain(refused.token);
      const next = await s.send(
        s.fake.chatInput({
          name: 'service',
          subcommand: 'show',
          options: { id: 'ledger' },
          user: POLICY_DISCORD.alice,
        }),
      );
      expect(next.body.data.embeds[0].title).toBe('Ledger');
    } finally {
      await s.stop();
    }
  });

  it("discord register refused with the captured 50035 body exits 1 showing Discord's reason, not the token", async () => {
    const fake = await Fake.start({ token: DISCORD_TEST_TOKEN });
    try {
      const body = restError('error.50035.invalid_form_body.request.discord-docs.json');
      fake.fail('PUT', `/applications/${fake.applicationId}/commands`, { status: 400, body });
      const r = await runCli(['discord', 'register'], {
        DISCORD_TOKEN: DISCORD_TEST_TOKEN,
        DISCORD_APPLICATION_ID: fake.applicationId,
        DISCORD_API_URL: fake.apiUrl,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('Command exceeds maximum size (8000)');
      expect(r.stdout + r.stderr).not.toContain(DISCORD_TEST_TOKEN);
      expect(fake.commands()).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
