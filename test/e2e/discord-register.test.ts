// `npm run discord:register` as a real process against the fake Discord REST API, and the
// consistency of the shipped command manifests with the shared parser.
import { readFileSync } from 'node:fs';
import { CommandInteractionOptionResolver, type CommandInteractionOption } from 'discord.js';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interactionText } from '../../src/adapters/discord/client.js';
import { COMMAND_NAMES, USAGE, parseCommand } from '../../src/adapters/shared/parse.js';
import { FakeDiscord, validateCommands } from '../fakes/discord.js';
import { runCli } from '../support/process.js';
import { DISCORD_TEST_TOKEN } from '../support/steward-discord.js';

const manifestUrl = new URL('../../manifests/discord-commands.json', import.meta.url);
const manifest = JSON.parse(readFileSync(manifestUrl, 'utf8')) as any[];
const slackManifest = parseYaml(readFileSync(new URL('../../manifests/slack-app.yaml', import.meta.url), 'utf8')) as any;

describe('discord register (CLI process against the fake Discord API)', () => {
  let fake: FakeDiscord;
  const env = () => ({ DISCORD_TOKEN: DISCORD_TEST_TOKEN, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_URL: fake.apiUrl });

  beforeAll(async () => {
    fake = await FakeDiscord.start({ token: DISCORD_TEST_TOKEN });
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('bulk-overwrites the global commands with exactly manifests/discord-commands.json; a second run changes nothing', async () => {
    const first = await runCli(['discord', 'register'], env());
    expect(first.stderr).toBe('');
    expect(first.stdout).toBe('registered 2 commands (global): service, steward\n');
    expect(first.code).toBe(0);

    const puts = fake.restCallsOf('PUT', `/applications/${fake.applicationId}/commands`);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.body).toEqual(manifest);
    expect(puts[0]!.status).toBe(200);
    expect(puts[0]!.auth).toBe(`Bot ${DISCORD_TEST_TOKEN}`);
    // Nothing else was written: no per-command POST/PATCH/DELETE, no guild commands.
    expect(fake.restCalls.filter((c) => c.method !== 'GET' && c.method !== 'PUT')).toEqual([]);
    const registered = fake.commands();
    expect(registered.map((c) => c.name)).toEqual(['service', 'steward']);
    expect(registered.map((c) => c.options)).toEqual(manifest.map((c) => c.options));

    const second = await runCli(['discord', 'register'], env());
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(fake.restCallsOf('PUT', `/applications/${fake.applicationId}/commands`)).toHaveLength(2);
    expect(fake.restCallsOf('PUT', `/applications/${fake.applicationId}/commands`)[1]!.body).toEqual(manifest);
    // Same ids and versions: Discord saw no change.
    expect(fake.commands()).toEqual(registered);
    expect(fake.commands(fake.guildId)).toEqual([]);
  });

  it('with DISCORD_GUILD_ID registers in that guild only', async () => {
    const global = fake.commands();
    const r = await runCli(['discord', 'register'], { ...env(), DISCORD_GUILD_ID: fake.guildId });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`registered 2 commands (guild ${fake.guildId}): service, steward\n`);
    expect(r.code).toBe(0);
    const puts = fake.restCallsOf('PUT', `/applications/${fake.applicationId}/guilds/${fake.guildId}/commands`);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.body).toEqual(manifest);
    expect(fake.commands(fake.guildId).map((c) => [c.name, c.guild_id])).toEqual([
      ['service', fake.guildId],
      ['steward', fake.guildId],
    ]);
    expect(fake.commands()).toEqual(global);
  });

  it('without credentials exits 2 with a clear message and calls nothing', async () => {
    const mark = fake.mark;
    const none = await runCli(['discord', 'register'], { DISCORD_API_URL: fake.apiUrl });
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe('DISCORD_TOKEN and DISCORD_APPLICATION_ID are required\n');
    expect(fake.restCalls.filter((c) => c.seq >= mark)).toEqual([]);
  });

  it('a token without an application id is refused as an invalid environment (exit 1), naming the variable', async () => {
    const half = await runCli(['discord', 'register'], { DISCORD_TOKEN: DISCORD_TEST_TOKEN, DISCORD_API_URL: fake.apiUrl });
    expect(half.code).toBe(1);
    expect(half.stderr).toContain('DISCORD_APPLICATION_ID: DISCORD_TOKEN needs DISCORD_APPLICATION_ID');
    expect(half.stdout + half.stderr).not.toContain(DISCORD_TEST_TOKEN);
  });

  it('a token Discord rejects fails with exit 1 and the API error, without printing the token', async () => {
    const wrong = 'MTE1MDAwMDAwMDAwMDAwMDAwMQ.WrOng1.d3JvbmctdG9rZW4tZm9yLWEtZmFpbGluZy1yZWdpc3Rlcg';
    const r = await runCli(['discord', 'register'], { ...env(), DISCORD_TOKEN: wrong });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/401: Unauthorized/);
    expect(r.stdout + r.stderr).not.toContain(wrong);
    expect(r.stdout + r.stderr).not.toContain('d3JvbmctdG9rZW4tZm9yLWEtZmFpbGluZy1yZWdpc3Rlcg');
  });
});

/** Sample values for every command option in the manifest (a new option without a sample fails). */
const SAMPLES: Record<string, string> = { team: 'payments', id: 'payments-api' };

/** The options discord.js hands the adapter for `/<name> <sub> <opts…>`. */
function resolverFor(sub: string | undefined, opts: Array<{ name: string; type: number; value: string }>) {
  const data: CommandInteractionOption[] = sub ? [{ name: sub, type: 1, options: opts }] : opts;
  const Resolver = CommandInteractionOptionResolver as unknown as new (client: null, options: CommandInteractionOption[], resolved: object) => CommandInteractionOptionResolver;
  return new Resolver(null, data, {});
}

describe('command manifests agree with the shared parser', () => {
  it('manifests/discord-commands.json is valid for Discord and names exactly COMMAND_NAMES', () => {
    expect(validateCommands(manifest)).toEqual({});
    expect(manifest.map((c) => c.name).sort()).toEqual([...COMMAND_NAMES].sort());
    for (const c of manifest) expect(c.type).toBe(1);
  });

  interface Case {
    name: string;
    sub: string;
    options: Array<{ type: number; name: string; required?: boolean }>;
  }
  const cases: Case[] = manifest.flatMap((c) =>
    (c.options ?? []).filter((o: any) => o.type === 1).map((sub: any) => ({ name: c.name as string, sub: sub.name as string, options: (sub.options ?? []) as any[] })),
  );

  it('has a subcommand for every command', () => {
    expect(cases.map((c) => `${c.name} ${c.sub}`)).toEqual(['service list', 'service show', 'steward help']);
  });

  it.each(cases)('/$name $sub parses with sample option values (all, and required only)', ({ name, sub, options }) => {
    for (const o of options) {
      expect(o.type).toBe(3);
      expect(SAMPLES[o.name], `sample value for option ${o.name}`).toBeDefined();
    }
    const all = options.map((o) => ({ name: o.name, type: 3, value: SAMPLES[o.name]! }));
    const required = all.filter((_, i) => options[i].required);
    for (const given of [all, required]) {
      const text = interactionText({ options: resolverFor(sub, given) as never });
      const parsed = parseCommand(name, text);
      expect(parsed.ok, `${name} ${text}`).toBe(true);
      if (!parsed.ok) continue;
      expect(parsed.command.kind).toBe(`${name}.${sub}`);
      for (const o of given) expect((parsed.command as Record<string, unknown>)[o.name]).toBe(o.value);
    }
    expect(USAGE[name as keyof typeof USAGE]).toContain(`/${name} ${sub}`);
  });

  it('a value with spaces or quotes stays one argument and is refused, not split', () => {
    const text = interactionText({ options: resolverFor('show', [{ name: 'id', type: 3, value: 'payments-api "@everyone" x' }]) as never });
    const parsed = parseCommand('service', text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.code).toBe('COMMAND.INVALID');
  });

  it('manifests/slack-app.yaml declares the same slash commands and only the commands bot scope', () => {
    const slash = (slackManifest.features.slash_commands as any[]).map((c) => c.command);
    expect(slash.sort()).toEqual(COMMAND_NAMES.map((n) => `/${n}`).sort());
    for (const c of slackManifest.features.slash_commands) expect(c.url).toBe('https://steward.example.com/slack/events');
    expect(slackManifest.oauth_config.scopes).toEqual({ bot: ['commands'] });
  });
});
