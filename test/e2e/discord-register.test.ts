// `npm run discord:register` as a real process against the fake Discord REST API, and the
// consistency of the shipped command manifests with the shared parser.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandInteractionOptionResolver, type CommandInteractionOption } from 'discord.js';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interactionText } from '../../src/adapters/discord/client.js';
import { parseCommand, standardRegistry } from '../../src/adapters/shared/parse.js';

const registry = standardRegistry();
const COMMAND_NAMES = registry.commandNames;
import { FakeDiscord, validateCommands } from '../fakes/discord.js';
import { runCli } from '../support/process.js';
import { DISCORD_TEST_TOKEN } from '../support/steward-discord.js';

const manifestUrl = new URL('../../manifests/discord-commands.json', import.meta.url);
const manifest = JSON.parse(readFileSync(manifestUrl, 'utf8')) as any[];
const slackManifestText = readFileSync(new URL('../../manifests/slack-app.yaml', import.meta.url), 'utf8');
const slackManifest = parseYaml(slackManifestText);

describe('discord register (CLI process against the fake Discord API)', () => {
  let fake: FakeDiscord;
  const env = () => ({
    DISCORD_TOKEN: DISCORD_TEST_TOKEN,
    DISCORD_APPLICATION_ID: fake.applicationId,
    DISCORD_API_URL: fake.apiUrl,
  });

  beforeAll(async () => {
    fake = await FakeDiscord.start({ token: DISCORD_TEST_TOKEN });
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('bulk-overwrites the global commands with exactly manifests/discord-commands.json; a second run changes nothing', async () => {
    const first = await runCli(['discord', 'register'], env());
    expect(first.stderr).toBe('');
    expect(first.stdout).toBe(
      'registered 9 commands (global): incident, page, oncall, change, patch, alert, status, service, steward\n',
    );
    expect(first.code).toBe(0);

    const puts = fake.restCallsOf('PUT', `/applications/${fake.applicationId}/commands`);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.body).toEqual(manifest);
    expect(puts[0]!.status).toBe(200);
    expect(puts[0]!.auth).toBe(`Bot ${DISCORD_TEST_TOKEN}`);
    // Nothing else was written: no per-command POST/PATCH/DELETE, no guild commands.
    expect(fake.restCalls.filter((c) => c.method !== 'GET' && c.method !== 'PUT')).toEqual([]);
    const registered = fake.commands();
    expect(registered.map((c) => c.name)).toEqual([
      'incident',
      'page',
      'oncall',
      'change',
      'patch',
      'alert',
      'status',
      'service',
      'steward',
    ]);
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
    expect(r.stdout).toBe(
      `registered 9 commands (guild ${fake.guildId}): incident, page, oncall, change, patch, alert, status, service, steward\n`,
    );
    expect(r.code).toBe(0);
    const puts = fake.restCallsOf('PUT', `/applications/${fake.applicationId}/guilds/${fake.guildId}/commands`);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.body).toEqual(manifest);
    expect(fake.commands(fake.guildId).map((c) => [c.name, c.guild_id])).toEqual([
      ['incident', fake.guildId],
      ['page', fake.guildId],
      ['oncall', fake.guildId],
      ['change', fake.guildId],
      ['patch', fake.guildId],
      ['alert', fake.guildId],
      ['status', fake.guildId],
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
    const half = await runCli(['discord', 'register'], {
      DISCORD_TOKEN: DISCORD_TEST_TOKEN,
      DISCORD_API_URL: fake.apiUrl,
    });
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

describe('discord register with the policy’s guilds (access.discord.guilds)', () => {
  let fake: FakeDiscord;
  let dir: string;
  const OTHER = '777777777777777777';
  const ABSENT = '888888888888888888';
  const example = readFileSync(new URL('../../manifests/policy.example.yaml', import.meta.url), 'utf8');
  const NAMES = 'incident, page, oncall, change, patch, alert, status, service, steward';
  /** A policy file binding Discord to `guilds`. */
  const policy = (guilds: string[]) => {
    const file = join(dir, `policy-${guilds.length}-${guilds[guilds.length - 1]}.yaml`);
    writeFileSync(file, `${example}\naccess:\n  discord: { guilds: [${guilds.map((g) => `"${g}"`).join(', ')}] }\n`);
    return file;
  };
  const env = (extra: Record<string, string> = {}) => ({
    DISCORD_TOKEN: DISCORD_TEST_TOKEN,
    DISCORD_APPLICATION_ID: fake.applicationId,
    DISCORD_API_URL: fake.apiUrl,
    ...extra,
  });
  const globalRoute = () => `/applications/${fake.applicationId}/commands`;
  const guildRoute = (g: string) => `/applications/${fake.applicationId}/guilds/${g}/commands`;

  beforeAll(async () => {
    fake = await FakeDiscord.start({ token: DISCORD_TEST_TOKEN, otherGuilds: [OTHER] });
    dir = mkdtempSync(join(tmpdir(), 'steward-register-'));
  });
  afterAll(async () => {
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers in each listed guild, one bulk overwrite each, and nothing globally; every command is for guilds only', async () => {
    const r = await runCli(['discord', 'register'], env({ STEWARD_CONFIG: policy([fake.guildId, OTHER]) }));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      `the policy binds Discord to ${fake.guildId}, ${OTHER}: registering in each of them, not globally\n` +
        `registered 9 commands (guild ${fake.guildId}): ${NAMES}\n` +
        `registered 9 commands (guild ${OTHER}): ${NAMES}\n`,
    );
    expect(r.code).toBe(0);
    for (const g of [fake.guildId, OTHER]) {
      const puts = fake.restCallsOf('PUT', guildRoute(g));
      expect(puts).toHaveLength(1);
      expect(puts[0]!.status).toBe(200);
      expect(puts[0]!.body).toEqual(manifest);
      for (const c of puts[0]!.body)
        expect(c, c.name).toMatchObject({ contexts: [0], integration_types: [0], dm_permission: false });
      expect(fake.commands(g).map((c) => [c.name, c.guild_id, c.contexts, c.integration_types])).toEqual(
        NAMES.split(', ').map((n) => [n, g, [0], [0]]),
      );
    }
    expect(fake.restCallsOf('PUT', globalRoute())).toEqual([]);
    expect(fake.commands()).toEqual([]);
  });

  it('commands registered globally before are pointed out, and removed on request', async () => {
    const global = await runCli(['discord', 'register'], env());
    expect(global.stdout).toBe(`registered 9 commands (global): ${NAMES}\n`);
    const bound = policy([fake.guildId]);

    const noted = await runCli(['discord', 'register'], env({ STEWARD_CONFIG: bound }));
    expect(noted.code).toBe(0);
    expect(noted.stdout).toBe(
      `the policy binds Discord to ${fake.guildId}: registering in that guild, not globally\nregistered 9 commands (guild ${fake.guildId}): ${NAMES}\n`,
    );
    expect(noted.stderr).toBe(
      'note: 9 commands are still registered globally from an earlier registration; Discord offers them wherever Steward is installed (Steward refuses them outside its guilds). Remove them with: discord register --remove-global\n',
    );
    expect(fake.commands()).toHaveLength(9);

    const removed = await runCli(['discord', 'register', '--remove-global'], env({ STEWARD_CONFIG: bound }));
    expect(removed.stderr).toBe('');
    expect(removed.stdout).toBe(
      `the policy binds Discord to ${fake.guildId}: registering in that guild, not globally\nregistered 9 commands (guild ${fake.guildId}): ${NAMES}\nremoved the global commands\n`,
    );
    expect(removed.code).toBe(0);
    expect(fake.restCallsOf('PUT', globalRoute()).map((c) => c.body.length)).toEqual([9, 0]);
    expect(fake.commands()).toEqual([]);
    expect(fake.commands(fake.guildId)).toHaveLength(9);
  });

  it('a guild Discord refuses (Steward is not in it) fails the run with the reason; the others are registered', async () => {
    const mark = fake.mark;
    const r = await runCli(['discord', 'register'], env({ STEWARD_CONFIG: policy([ABSENT, OTHER]) }));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`could not register the commands (guild ${ABSENT}): Discord answered 404: Unknown Guild\n`);
    expect(r.stdout).toContain(`registered 9 commands (guild ${OTHER}): ${NAMES}\n`);
    expect(r.stdout + r.stderr).not.toContain(DISCORD_TEST_TOKEN);
    expect(fake.restCalls.filter((c) => c.seq >= mark && c.method === 'PUT').map((c) => [c.path, c.status])).toEqual([
      [guildRoute(ABSENT), 404],
      [guildRoute(OTHER), 200],
    ]);
  });

  it('DISCORD_GUILD_ID narrows the registration to one listed guild, and is refused when the policy does not list it', async () => {
    const file = policy([fake.guildId, OTHER]);
    const mark = fake.mark;
    const refused = await runCli(['discord', 'register'], env({ STEWARD_CONFIG: file, DISCORD_GUILD_ID: ABSENT }));
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      `DISCORD_GUILD_ID ${ABSENT} is not one of the policy's access.discord.guilds (${fake.guildId}, ${OTHER}): Steward would not answer its commands there\n`,
    );
    expect(fake.restCalls.filter((c) => c.seq >= mark)).toEqual([]);

    const one = await runCli(['discord', 'register'], env({ STEWARD_CONFIG: file, DISCORD_GUILD_ID: OTHER }));
    expect(one.code).toBe(0);
    expect(one.stdout).toBe(
      `the policy binds Discord to ${fake.guildId}, ${OTHER}: registering in ${OTHER} only (DISCORD_GUILD_ID), not globally\nregistered 9 commands (guild ${OTHER}): ${NAMES}\n`,
    );
    expect(fake.restCalls.filter((c) => c.seq >= mark && c.method === 'PUT').map((c) => c.path)).toEqual([
      guildRoute(OTHER),
    ]);
  });
});

/** Sample values for every command option in the manifest (a new option without a sample fails). */
const SAMPLES: Record<string, string> = {
  team: 'payments',
  id: 'payments-api',
  title: 'Database down',
  text: 'Rolled back the deploy',
  status: 'monitoring',
  severity: 'SEV2',
  role: 'scribe',
  user: '111111111111111112',
  summary: 'Restarted the primary',
  incident: 'INC-7',
  window: '90d',
  service: 'payments-api',
  message: 'Checkout returns 502',
  target: 'payments-primary',
  duration: '4h',
  schedule: 'payments-primary',
  override: '#3',
  change: 'CHG-7',
  filter: 'pending',
  scope: 'payments-api',
  overdue: 'overdue',
  finding: 'F-12',
  state: 'firing',
  alert: 'ALR-7',
  matchers: 'payments-api alertname=DiskFull',
  reason: 'load test running',
  silence: 'SIL-3',
  heartbeat: 'queue-worker',
  component: 'payments',
};
/** Boolean options (flags), given as set. */
const FLAGS = new Set(['public']);
/** Samples of an option that a subcommand reads differently (`/status set`'s status is a component's). */
const SAMPLE_FOR: Record<string, Record<string, string>> = { 'status set': { status: 'partial_outage' } };

/** Subcommands whose parsed kind or fields are named differently from the option. */
const KIND: Record<string, string> = {
  'page service': 'page.create',
  'page person': 'page.create',
  'oncall cancel': 'oncall.override_cancel',
};
const FIELD: Record<string, Record<string, string>> = {
  'page service': { service: 'target' },
  'page person': { user: 'target' },
  'alert silence': { duration: 'minutes' },
};
/** Options read into another shape, checked by their own case below. */
const SHAPED: Record<string, Record<string, unknown>> = {
  'alert silence': { matchers: { service: 'payments-api', alertname: 'DiskFull' }, duration: 240 },
};

/** What each sample becomes in the parsed command (the same value unless listed). */
const PARSED: Record<string, unknown> = {
  user: '@discord:111111111111111112',
  incident: 7,
  change: 7,
  finding: 12,
  overdue: true,
  public: true,
  alert: 7,
  silence: 3,
};

/** The options discord.js hands the adapter for `/<name> <sub> <opts…>`. */
function resolverFor(sub: string | undefined, opts: Array<{ name: string; type: number; value: string | boolean }>) {
  const data: CommandInteractionOption[] = sub ? [{ name: sub, type: 1, options: opts }] : opts;
  const Resolver = CommandInteractionOptionResolver as unknown as new (
    client: null,
    options: CommandInteractionOption[],
    resolved: object,
  ) => CommandInteractionOptionResolver;
  return new Resolver(null, data, {});
}

const textOf = (
  sub: string | undefined,
  opts: Array<{ name: string; type: number; value: string | boolean }>,
  name = 'incident',
) => interactionText({ options: resolverFor(sub, opts) }, registry.commands.get(name));

describe('command manifests agree with the shared parser', () => {
  it('manifests/discord-commands.json is valid for Discord and names exactly COMMAND_NAMES', () => {
    expect(validateCommands(manifest)).toEqual({});
    expect(manifest.map((c) => c.name).sort()).toEqual([...COMMAND_NAMES].sort());
    for (const c of manifest) expect(c.type).toBe(1);
    // Guild commands only: never offered in DMs, never through a user's own installation.
    for (const c of manifest)
      expect(c, c.name).toMatchObject({ contexts: [0], integration_types: [0], dm_permission: false });
    expect(validateCommands(manifest.map((c) => ({ ...c, contexts: [3] })))).not.toEqual({});
  });

  interface Case {
    name: string;
    sub: string;
    options: Array<{ type: number; name: string; required?: boolean }>;
  }
  const cases: Case[] = manifest.flatMap((c) =>
    (c.options ?? [])
      .filter((o: any) => o.type === 1)
      .map((sub: any) => ({ name: c.name as string, sub: sub.name as string, options: (sub.options ?? []) as any[] })),
  );

  it('has a subcommand for every command', () => {
    expect(cases.map((c) => `${c.name} ${c.sub}`)).toEqual([
      ...[
        'declare',
        'update',
        'publish',
        'status',
        'severity',
        'role',
        'resolve',
        'list',
        'timeline',
        'postmortem',
        'stats',
        'help',
      ].map((s) => `incident ${s}`),
      'page service',
      'page person',
      'page list',
      'oncall show',
      'oncall override',
      'oncall cancel',
      ...['request', 'list', 'show', 'calendar', 'start', 'complete', 'rollback', 'cancel', 'publish'].map(
        (s) => `change ${s}`,
      ),
      'patch list',
      'patch show',
      'patch digest',
      'patch exception',
      ...['list', 'show', 'ack', 'resolve', 'silence', 'unsilence', 'heartbeats', 'pause', 'resume'].map(
        (s) => `alert ${s}`,
      ),
      'status show',
      'status set',
      'service list',
      'service show',
      'steward help',
    ]);
  });

  it.each(cases)(
    '/$name $sub parses with sample option values (all, required only, and in reverse order)',
    ({ name, sub, options }) => {
      const sample = (n: string) => (FLAGS.has(n) ? true : (SAMPLE_FOR[`${name} ${sub}`]?.[n] ?? SAMPLES[n]));
      for (const o of options) {
        expect(FLAGS.has(o.name) ? [5] : [3, 6], `type of option ${o.name}`).toContain(o.type);
        expect(sample(o.name), `sample value for option ${o.name}`).toBeDefined();
      }
      // Discord requires the required options first.
      expect(options.map((o) => !!o.required)).toEqual(
        [...options.map((o) => !!o.required)].sort((a, b) => Number(b) - Number(a)),
      );
      const all = options.map((o) => ({ name: o.name, type: o.type, value: sample(o.name)! }));
      const required = all.filter((_, i) => options[i]!.required);
      for (const given of [all, required, [...all].reverse()]) {
        const text = textOf(sub, given, name);
        const parsed = parseCommand(name, text);
        expect(parsed.ok, `${name} ${text}`).toBe(true);
        if (!parsed.ok) continue;
        expect(parsed.command.kind).toBe(KIND[`${name} ${sub}`] ?? `${name}.${sub}`);
        const shaped = SHAPED[`${name} ${sub}`] ?? {};
        for (const o of given)
          expect((parsed.command as Record<string, unknown>)[FIELD[`${name} ${sub}`]?.[o.name] ?? o.name]).toEqual(
            o.name in shaped ? shaped[o.name] : o.name in PARSED ? PARSED[o.name] : o.value,
          );
      }
      const usage = registry.commands.get(name)!.usage;
      expect(
        usage.includes(`/${name} ${sub}`) ||
          usage.includes(`· ${sub}`) ||
          usage.includes(`/${name} <${sub}>`) ||
          usage.includes(`/${name} [${sub}`),
        `usage of /${name} names ${sub}`,
      ).toBe(true);
    },
  );

  it('/incident options become the text the parser reads: the incident first, free text last and as typed, a user as a mention', () => {
    expect(
      textOf('update', [
        { name: 'text', type: 3, value: 'Rolled back "v2" @everyone' },
        { name: 'incident', type: 3, value: 'inc-12' },
      ]),
    ).toBe('update INC-12 Rolled back "v2" @everyone');
    // A boolean option is a flag after the reference: set, it reads `--public`; unset, nothing.
    const flagged = (value: boolean) =>
      textOf('update', [
        { name: 'text', type: 3, value: 'Payments recovered' },
        { name: 'public', type: 5, value },
        { name: 'incident', type: 3, value: '12' },
      ]);
    expect(flagged(true)).toBe('update INC-12 --public Payments recovered');
    expect(flagged(false)).toBe('update INC-12 Payments recovered');
    expect(parseCommand('incident', flagged(true))).toEqual({
      ok: true,
      command: { kind: 'incident.update', incident: 12, text: 'Payments recovered', public: true },
    });
    expect(
      textOf('role', [
        { name: 'user', type: 6, value: '111111111111111112' },
        { name: 'role', type: 3, value: 'commander' },
      ]),
    ).toBe('role commander @discord:111111111111111112');
    expect(textOf('timeline', [{ name: 'incident', type: 3, value: '#3' }])).toBe('timeline INC-3');
    expect(textOf('declare', [{ name: 'title', type: 3, value: '  Database down  ' }])).toBe('declare Database down');
    const declared = parseCommand(
      'incident',
      textOf('declare', [{ name: 'title', type: 3, value: 'Checkout fails with "502"' }]),
    );
    expect(declared.ok && declared.command).toEqual({ kind: 'incident.declare', title: 'Checkout fails with "502"' });
    // A role value with a space stays one argument, and is refused rather than split.
    const split = parseCommand(
      'incident',
      textOf('role', [
        { name: 'role', type: 3, value: 'comm ander' },
        { name: 'user', type: 6, value: '111111111111111112' },
      ]),
    );
    expect(split.ok).toBe(false);
  });

  it('a value with spaces or quotes stays one argument and is refused, not split', () => {
    const text = textOf('show', [{ name: 'id', type: 3, value: 'payments-api "@everyone" x' }], 'service');
    const parsed = parseCommand('service', text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.code).toBe('COMMAND.INVALID');
  });

  it('manifests/slack-app.yaml declares the same slash commands, and justifies every bot scope in a comment above it', () => {
    const slash = (slackManifest.features.slash_commands as any[]).map((c) => c.command);
    expect(slash.sort()).toEqual(COMMAND_NAMES.map((n: string) => `/${n}`).sort());
    for (const c of slackManifest.features.slash_commands)
      expect(c.url).toBe('https://steward.example.com/slack/events');
    const scopes = slackManifest.oauth_config.scopes.bot as string[];
    expect(scopes).toContain('commands');
    expect(new Set(scopes).size).toBe(scopes.length);
    const lines = slackManifestText.split('\n');
    const botAt = lines.findIndex((l) => /^\s+bot:\s*$/.test(l));
    expect(botAt, 'oauth_config.scopes.bot as a block list').toBeGreaterThan(0);
    for (const scope of scopes) {
      const at = lines.findIndex((l, i) => i > botAt && l.trim() === `- ${scope}`);
      expect(at, `bot scope ${scope} listed one per line`).toBeGreaterThan(botAt);
      const above = lines
        .slice(botAt + 1, at)
        .reverse()
        .find((l) => l.trim() !== '');
      expect(above?.trim(), `a comment justifying the bot scope ${scope}`).toMatch(/^#\s*\S/);
    }
  });
});
