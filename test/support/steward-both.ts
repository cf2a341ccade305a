// One Steward serving Slack and Discord at once: the real Bolt app (HTTP, signed requests) against
// a FakeSlack, and the real discord.js client against a FakeDiscord, both started here. The Slack
// fake knows the policy's Slack users and #general plus `slackChannels`; the Discord guild is the
// incidents guild plus `discordChannels`.
import { FakeSlack, SLACK_USERS, SlackClientSim, type SlackUserSeed } from '../fakes/slack.js';
import type { FakeDiscordOptions } from '../fakes/discord.js';
import type { Clock } from '../../src/core/ports.js';
import { INCIDENTS_GUILD_SEED, POLICY_USERS, startDiscordSteward, type DiscordSteward } from './steward-discord.js';
import { APP_TOKEN, BOT_TOKEN, SIGNING_SECRET } from './steward-slack.js';

export interface BothOptions {
  policyFile: string;
  clock?: Clock;
  /** Slack users beyond the fakes' standard ones and dave. */
  slackUsers?: SlackUserSeed[];
  slackChannels?: { id: string; name: string }[];
  /** Discord users beyond the policy's. */
  discordUsers?: NonNullable<FakeDiscordOptions['users']>;
  discordChannels?: { id: string; name: string }[];
  /** More of Steward's environment (e.g. STATUS_PORT). */
  env?: Record<string, string>;
}

export interface BothPlatforms {
  slack: FakeSlack;
  /** Steward, with the Discord fake (`s.fake`), its database and its base URL. */
  s: DiscordSteward;
  /** Signs Slack requests with Steward's secret. */
  sim: SlackClientSim;
}

export async function startSlackAndDiscord(o: BothOptions): Promise<BothPlatforms> {
  const slack = await FakeSlack.start({
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    users: [
      ...Object.values(SLACK_USERS),
      { id: 'U0DAVE', name: 'dave', real_name: 'Dave Ops' },
      ...(o.slackUsers ?? []),
    ],
    channels: [{ id: 'C0GENERAL', name: 'general' }, ...(o.slackChannels ?? [])],
  });
  const s = await startDiscordSteward({
    ...(o.clock ? { clock: o.clock } : {}),
    env: {
      STEWARD_CONFIG: o.policyFile,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      ...o.env,
    },
    fake: {
      ...(o.discordUsers ? { users: [...POLICY_USERS, ...o.discordUsers] } : {}),
      guild: {
        ...INCIDENTS_GUILD_SEED,
        channels: [
          ...INCIDENTS_GUILD_SEED.channels!,
          ...(o.discordChannels ?? []).map((c) => ({ ...c, type: 0 as const })),
        ],
      },
    },
    cleanup: () => slack.close(),
  });
  return { slack, s, sim: new SlackClientSim({ url: s.base, signingSecret: SIGNING_SECRET, fake: slack }) };
}
