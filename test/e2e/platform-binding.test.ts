// Steward bound to one Slack workspace (and app) and to its Discord guilds (policy `access`), end to
// end: the real Bolt app and the real discord.js client against the fakes. Requests from elsewhere
// get a generic answer, reach nothing of the core (no command run, no user seen, no audit entry)
// and are counted in steward_requests_dropped_total; the bound places work as before, buttons in
// DMs included, and a policy reload moves the binding.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageFlags } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_HERE as DISCORD_NOT_HERE } from '../../src/adapters/discord/interactions.js';
import { NOT_HERE as SLACK_NOT_HERE } from '../../src/adapters/slack/app.js';
import { SLACK_GENERAL_CHANNEL, buildBlockActions, buildViewSubmission, slackEvents } from '../fakes/slack.js';
import {
  INCIDENTS_GUILD,
  INCIDENTS_GUILD_SEED,
  POLICY_DISCORD,
  STRANGER,
  customIds,
  startDiscordSteward,
  type DiscordSteward,
} from '../support/steward-discord.js';
import {
  SERVICE_CATALOG,
  field,
  sample,
  startStewardSlack,
  total,
  until,
  type StewardSlack,
} from '../support/steward-slack.js';

type Json = Record<string, any>;

const example = readFileSync(new URL('../../manifests/policy.example.yaml', import.meta.url), 'utf8');
const dirs: string[] = [];
/** The example policy with an `access:` section, as a file. */
function policyFile(access: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'steward-binding-'));
  dirs.push(dir);
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, `${example}\naccess:\n${access}`);
  return file;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const dropped = (metrics: string, platform: string, reason: string) =>
  sample(metrics, 'steward_requests_dropped_total', { platform, reason });

/** Polls `read` until `holds` is true of what it returns (events are handled after their 200). */
async function eventually(
  what: string,
  read: () => Promise<string>,
  holds: (text: string) => boolean,
  timeoutMs = 5_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await read();
    if (holds(text)) return text;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Slack bound to one workspace and app (access.slack)', () => {
  let s: StewardSlack;
  const FOREIGN_TEAM = 'T0FOREIGN';
  const PROBE = 'U0PROBE';
  const audit = () => s.query<{ n: number }>('select count(*) as n from audit_entry')[0]!.n;
  const seen = (user: string) => s.query('select * from seen_user where platform_user_id = ?', user);

  beforeAll(async () => {
    s = await startStewardSlack({
      env: { STEWARD_CONFIG: policyFile('  slack: { team: T0STEWARD, app: A0STEWARD }\n') },
    });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('a slash command from another workspace, or sent to another app, gets one generic line and runs nothing; both are counted', async () => {
    const before = await s.metrics();
    const audited = audit();
    const mark = s.fake.mark;
    const responded = s.fake.responses.length;

    const foreign = await s.sim.slashCommand({
      command: '/service',
      text: 'list',
      user_id: PROBE,
      team_id: FOREIGN_TEAM,
    });
    expect(foreign.status).toBe(200);
    expect(foreign.json).toEqual({ response_type: 'ephemeral', text: SLACK_NOT_HERE });
    // A form is not opened, a members-only read is not answered, even for a policy person's id.
    const declare = await s.sim.slashCommand({
      command: '/incident',
      text: 'declare Checkout down',
      user_id: 'U0ALICE',
      team_id: FOREIGN_TEAM,
    });
    expect(declare.json).toEqual({ response_type: 'ephemeral', text: SLACK_NOT_HERE });
    const patches = await s.sim.slashCommand({
      command: '/patch',
      text: 'list',
      user_id: 'U0ALICE',
      team_id: FOREIGN_TEAM,
    });
    expect(patches.json).toEqual({ response_type: 'ephemeral', text: SLACK_NOT_HERE });
    const otherApp = await s.sim.slashCommand({
      command: '/oncall',
      text: '',
      user_id: PROBE,
      api_app_id: 'A0IMPOSTOR',
    });
    expect(otherApp.json).toEqual({ response_type: 'ephemeral', text: SLACK_NOT_HERE });

    const after = await s.metrics();
    expect(dropped(after, 'slack', 'foreign_workspace') - dropped(before, 'slack', 'foreign_workspace')).toBe(3);
    expect(dropped(after, 'slack', 'foreign_app') - dropped(before, 'slack', 'foreign_app')).toBe(1);
    // Nothing reached the core: no command counted, nobody seen, nothing audited, no Slack call.
    expect(total(after, 'steward_commands_total')).toBe(total(before, 'steward_commands_total'));
    expect(seen(PROBE)).toEqual([]);
    expect(audit()).toBe(audited);
    expect(s.fake.calls.filter((c) => c.seq >= mark)).toEqual([]);
    expect(s.fake.responses.slice(responded)).toEqual([]);

    // Logged as a warning with the workspace, the app and the reason; never a secret.
    const logged = s.logs.records().filter((r) => r.reason === 'foreign_workspace' || r.reason === 'foreign_app');
    expect(logged.map((r) => [r.level, r.platform, r.reason, r.team, r.app, r.user])).toEqual([
      [40, 'slack', 'foreign_workspace', FOREIGN_TEAM, 'A0STEWARD', PROBE],
      [40, 'slack', 'foreign_workspace', FOREIGN_TEAM, 'A0STEWARD', 'U0ALICE'],
      [40, 'slack', 'foreign_workspace', FOREIGN_TEAM, 'A0STEWARD', 'U0ALICE'],
      [40, 'slack', 'foreign_app', 'T0STEWARD', 'A0IMPOSTOR', PROBE],
    ]);
    expect(s.logs.text).not.toContain('xoxb-');
  });

  it('the same command from the bound workspace and app is answered', async () => {
    const before = await s.metrics();
    const ok = await s.sim.slashCommand({ command: '/service', text: 'list', user_id: PROBE });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual(SERVICE_CATALOG);
    const after = await s.metrics();
    expect(total(after, 'steward_commands_total')).toBe(total(before, 'steward_commands_total') + 1);
    expect(total(after, 'steward_requests_dropped_total')).toBe(total(before, 'steward_requests_dropped_total'));
    expect(seen(PROBE)).toHaveLength(1);
  });

  it('a button or a form sent from another workspace is acknowledged empty and runs nothing; a pin event from there is ignored', async () => {
    // A form opened in the bound workspace…
    const mark = s.fake.mark;
    const opened = await s.sim.slashCommand({
      command: '/incident',
      text: 'declare Checkout down',
      user_id: 'U0ALICE',
    });
    expect(opened.body).toBe('');
    const view = (await s.fake.waitFor('views.open', (c) => c.seq >= mark)).response.view as Json;
    const before = await s.metrics();
    const audited = audit();
    const quiet = s.fake.mark;
    const responded = s.fake.responses.length;

    // …submitted as if from another workspace (where the app is installed too: the same signing secret).
    const values = {
      title: field.text('Checkout down'),
      severity: field.select('SEV2'),
      service: field.select('payments-api'),
      summary: field.text(null),
      page: field.unchecked(),
    };
    const submission = buildViewSubmission({ view_id: view.id, user: 'U0ALICE', values }, s.fake.payloadContext());
    const form = await s.sim.interactive({
      ...submission,
      team: { id: FOREIGN_TEAM, domain: 'elsewhere' },
      view: { ...submission.view, team_id: FOREIGN_TEAM, app_installed_team_id: FOREIGN_TEAM },
    });
    expect(form.status).toBe(200);
    expect(form.body).toBe('');
    // A button (service.show) clicked in another workspace.
    const click = buildBlockActions(
      { action_id: 'steward:0', value: 'st1|service.show|ledger', user: 'U0ALICE', channel: SLACK_GENERAL_CHANNEL },
      s.fake.payloadContext(),
    );
    const button = await s.sim.interactive({ ...click, team: { id: FOREIGN_TEAM, domain: 'elsewhere' } });
    expect(button.status).toBe(200);
    expect(button.body).toBe('');
    // 📌 in another workspace: the message is not even read.
    const pin = await s.sim.eventCallback(
      slackEvents.reactionAdded({
        user: 'U0ALICE',
        reaction: 'pushpin',
        channel: SLACK_GENERAL_CHANNEL,
        ts: '1700000000.000100',
      }),
      { team_id: FOREIGN_TEAM },
    );
    expect(pin.status).toBe(200);

    const after = await eventually(
      'the pin event counted',
      () => s.metrics(),
      (m) => dropped(m, 'slack', 'foreign_workspace') - dropped(before, 'slack', 'foreign_workspace') === 3,
    );
    expect(total(after, 'steward_interactions_total')).toBe(total(before, 'steward_interactions_total'));
    expect(s.query('select count(*) as n from incident')).toEqual([{ n: 0 }]);
    expect(audit()).toBe(audited);
    expect(s.fake.calls.filter((c) => c.seq >= quiet)).toEqual([]);
    expect(s.fake.responses.slice(responded)).toEqual([]);

    // The same form and button from the bound workspace do run.
    const declared = await s.sim.interactive(submission);
    expect(declared.status).toBe(200);
    await until('INC-1 recorded', () => s.query<{ n: number }>('select count(*) as n from incident')[0]!.n === 1);
    const shown = await s.sim.interactive(click);
    expect(shown.status).toBe(200);
    await until('the button answered at its response_url', () =>
      s.fake.responses.slice(responded).some((r) => JSON.stringify(r.body).includes('Ledger')),
    );
  });
});

describe('Discord bound to its guilds (access.discord), commands in guilds only', () => {
  let s: DiscordSteward;
  let file: string;
  const FOREIGN_GUILD = '777777777777777777';
  const EPHEMERAL = MessageFlags.Ephemeral;
  const { alice, bob } = POLICY_DISCORD;
  const metrics = async () => (await fetch(`${s.base}/metrics`)).text();
  const audit = () => s.rows<{ n: number }>('select count(*) as n from audit_entry')[0]!.n;
  const bind = (guilds: string[]) =>
    writeFileSync(file, `${example}\naccess:\n  discord: { guilds: [${guilds.map((g) => `"${g}"`).join(', ')}] }\n`);
  /** The refusal: one ephemeral line, no embed, no button, no form, no mention. */
  const expectRefused = (cb: { status: number; body: Json }) => {
    expect(cb.status).toBe(204);
    expect(cb.body).toEqual({
      type: 4,
      data: {
        content: DISCORD_NOT_HERE,
        flags: EPHEMERAL,
        allowed_mentions: { parse: [] },
        tts: false,
        enforce_nonce: false,
      },
    });
  };

  beforeAll(async () => {
    file = policyFile(`  discord: { guilds: ["${INCIDENTS_GUILD.id}"] }\n`);
    s = await startDiscordSteward({ env: { STEWARD_CONFIG: file }, fake: { guild: INCIDENTS_GUILD_SEED } });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('a command in the bound guild is answered', async () => {
    const cb = await s.send(
      s.fake.chatInput({
        name: 'service',
        subcommand: 'show',
        options: { id: 'ledger' },
        user: alice,
        channelId: INCIDENTS_GUILD.general,
      }),
    );
    expect(cb.body.data.embeds[0].title).toBe('Ledger');
  });

  it('commands from a guild not listed, and from a DM, get one generic line, run nothing and are counted', async () => {
    const before = await metrics();
    const audited = audit();
    const mark = s.fake.mark;

    expectRefused(
      await s.send(
        s.fake.chatInput({ name: 'service', subcommand: 'list', user: STRANGER.id, guildId: FOREIGN_GUILD }),
      ),
    );
    // No form opens, no members-only read is answered, not even for a policy person.
    expectRefused(
      await s.send(
        s.fake.chatInput({
          name: 'incident',
          subcommand: 'declare',
          options: { title: 'Checkout down' },
          user: alice,
          guildId: FOREIGN_GUILD,
        }),
      ),
    );
    expectRefused(
      await s.send(s.fake.chatInput({ name: 'patch', subcommand: 'list', user: alice, guildId: FOREIGN_GUILD })),
    );
    expectRefused(
      await s.send(
        s.fake.chatInput({
          name: 'service',
          subcommand: 'show',
          options: { id: 'ledger' },
          user: STRANGER.id,
          guildId: null,
        }),
      ),
    );
    expectRefused(await s.send(s.fake.chatInput({ name: 'oncall', subcommand: 'show', user: bob, guildId: null })));

    const after = await metrics();
    expect(dropped(after, 'discord', 'foreign_guild') - dropped(before, 'discord', 'foreign_guild')).toBe(3);
    expect(dropped(after, 'discord', 'direct_message') - dropped(before, 'discord', 'direct_message')).toBe(2);
    expect(total(after, 'steward_commands_total')).toBe(total(before, 'steward_commands_total'));
    expect(s.rows('select * from seen_user where platform_user_id = ?', STRANGER.id)).toEqual([]);
    expect(audit()).toBe(audited);
    // Only the five callbacks: no message, no DM, no channel.
    expect(s.fake.restCalls.filter((c) => c.seq >= mark && !/^\/interactions\//.test(c.path))).toEqual([]);

    const logged = await s.logs.waitFor((e) => e.reason === 'direct_message' && e.user === bob);
    expect(logged).toMatchObject({ level: 40, platform: 'discord', guild: null, kind: 'command' });
    expect(s.logs.entries().find((e) => e.reason === 'foreign_guild')).toMatchObject({
      level: 40,
      platform: 'discord',
      guild: FOREIGN_GUILD,
      kind: 'command',
      user: STRANGER.id,
    });
  });

  it('buttons and forms from a guild not listed are refused the same way', async () => {
    const before = await metrics();
    const audited = audit();
    expectRefused(
      await s.send(s.fake.button({ customId: 'st1|service.show|ledger', user: alice, guildId: FOREIGN_GUILD })),
    );
    expectRefused(
      await s.send(
        s.fake.modalSubmit({
          customId: 'f1|incident.declare|abcdefgh',
          fields: { title: 'Checkout down', severity: ['SEV2'] },
          user: alice,
          guildId: FOREIGN_GUILD,
          shape: 'label',
        }),
      ),
    );
    const after = await metrics();
    expect(dropped(after, 'discord', 'foreign_guild') - dropped(before, 'discord', 'foreign_guild')).toBe(2);
    expect(total(after, 'steward_interactions_total')).toBe(total(before, 'steward_interactions_total'));
    expect(s.rows('select count(*) as n from incident')).toEqual([{ n: 0 }]);
    expect(audit()).toBe(audited);
  });

  it('a page sent by DM is still acknowledged with its button in the DM', async () => {
    const paged = await s.send(
      s.fake.chatInput({
        name: 'page',
        subcommand: 'person',
        options: { user: bob, message: 'Checkout returns 502' },
        user: alice,
        channelId: INCIDENTS_GUILD.general,
      }),
    );
    expect(paged.body.data.embeds[0].title).toMatch(/^PAGE-1 · paging Bob Builder$/);
    const dm = s.fake.dmChannelFor(bob).id;
    const sent = await until('bob paged by DM', () =>
      s.fake
        .restCallsOf('POST', `/channels/${dm}/messages`)
        .find((c) => c.status === 200 && /PAGE-1/.test(c.body?.embeds?.[0]?.title ?? '')),
    );
    expect(customIds(sent.body)).toContain('st1|page.ack|1');
    const message = JSON.parse(JSON.stringify(s.fake.message(dm, sent.response.id))) as Json;
    const cb = await s.send(
      s.fake.button({ customId: 'st1|page.ack|1', message, user: bob, guildId: null, channelId: dm }),
    );
    expect(JSON.stringify(cb.body)).toContain('You acknowledged PAGE-1');
    expect(s.rows('select status, ack_by from page where number = 1')).toEqual([
      { status: 'acknowledged', ack_by: 'bob' },
    ]);
  });

  it('a policy reload moves the binding: commands and 📌 in a guild no longer listed are dropped, and answered again once it is', async () => {
    const message = s.fake.addMessage(INCIDENTS_GUILD.general, { author: bob, content: 'Found it' });
    const reaction = {
      user_id: alice,
      channel_id: INCIDENTS_GUILD.general,
      message_id: message.id,
      guild_id: INCIDENTS_GUILD.id,
      member: s.fake.member(alice),
      emoji: { id: null, name: '📌' },
      burst: false,
      type: 0,
    };
    const reads = () => s.fake.restCallsOf('GET', `/channels/${INCIDENTS_GUILD.general}/messages/${message.id}`).length;

    bind([FOREIGN_GUILD]);
    expect(await s.running.reloadPolicy()).toMatchObject({ ok: true, changed: true });
    const before = await metrics();
    expectRefused(
      await s.send(
        s.fake.chatInput({ name: 'service', subcommand: 'list', user: alice, channelId: INCIDENTS_GUILD.general }),
      ),
    );
    // 📌 in the incidents guild, now outside the binding: the message is not even read.
    s.fake.dispatch('MESSAGE_REACTION_ADD', reaction);
    await eventually(
      'the 📌 counted',
      metrics,
      (m) => dropped(m, 'discord', 'foreign_guild') - dropped(before, 'discord', 'foreign_guild') === 2,
    );
    expect(reads()).toBe(0);
    // A guild that is now listed is answered.
    const there = await s.send(
      s.fake.chatInput({ name: 'service', subcommand: 'list', user: alice, guildId: FOREIGN_GUILD }),
    );
    expect(there.body.data.embeds[0].title).toBe('Service catalog');

    bind([INCIDENTS_GUILD.id]);
    expect(await s.running.reloadPolicy()).toMatchObject({ ok: true, changed: true });
    const back = await s.send(
      s.fake.chatInput({ name: 'service', subcommand: 'list', user: alice, channelId: INCIDENTS_GUILD.general }),
    );
    expect(back.body.data.embeds[0].title).toBe('Service catalog');
    s.fake.dispatch('MESSAGE_REACTION_ADD', reaction);
    await until('the 📌 message read', () => reads() === 1);
  });
});
