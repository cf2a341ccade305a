// Where Steward answers (policy `access.slack`, `access.discord`), decided in the core: the rules of
// placeRefusal for each platform, and Steward.admits reading the policy in force, so that a policy
// reload moves the binding without a restart.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePolicy, PolicyError } from '../../src/config/policy.js';
import { type Place, placeRefusal } from '../../src/core/access.js';
import { Steward } from '../../src/core/steward.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { openStore } from '../../src/store/index.js';
import { fixedClock } from '../support/clock.js';
import { createSqliteDatabase } from '../support/databases.js';

const BASE = `
timezone: UTC
people:
  - { id: alice, name: Alice, slack: U0ALICE, discord: "200000000000000001" }
`;
const GUILD = '400000000000000001';
const OTHER_GUILD = '400000000000000002';
const THIRD_GUILD = '400000000000000003';

const accessOf = (yaml = '') => parsePolicy(BASE + yaml).policy.access;

const slack = (team?: string, app?: string, enterprise?: string): Place => ({
  platform: 'slack',
  team,
  app,
  enterprise,
});
const discord = (guild: string | null, kind: 'command' | 'component' | 'modal' | 'event' = 'command'): Place => ({
  platform: 'discord',
  guild,
  kind,
});

describe('placeRefusal: Slack', () => {
  it('without access.slack, every workspace and app is answered', () => {
    const access = accessOf();
    for (const place of [
      slack('T0STEWARD', 'A0STEWARD'),
      slack('T0OTHER', 'A0OTHER'),
      slack(undefined, undefined),
      slack('T0ORG', undefined, 'E0GRID'),
    ])
      expect(placeRefusal(access, place)).toBeUndefined();
  });

  it('with access.slack.team, only that workspace is answered; a request naming no workspace is foreign', () => {
    const access = accessOf('access:\n  slack: { team: T0STEWARD }\n');
    expect(placeRefusal(access, slack('T0STEWARD', 'A0STEWARD'))).toBeUndefined();
    // No app is bound: any app id (or none) in the right workspace.
    expect(placeRefusal(access, slack('T0STEWARD', 'A0SOMEOTHER'))).toBeUndefined();
    expect(placeRefusal(access, slack('T0STEWARD'))).toBeUndefined();
    expect(placeRefusal(access, slack('T0OTHER', 'A0STEWARD'))).toBe('foreign_workspace');
    expect(placeRefusal(access, slack(undefined, 'A0STEWARD'))).toBe('foreign_workspace');
    // The Enterprise Grid organisation does not stand in for the workspace.
    expect(placeRefusal(access, slack(undefined, 'A0STEWARD', 'T0STEWARD'))).toBe('foreign_workspace');
    expect(placeRefusal(access, slack('t0steward'))).toBe('foreign_workspace');
  });

  it('with access.slack.app too, the app id must match as well (a foreign workspace is named first)', () => {
    const access = accessOf('access:\n  slack: { team: T0STEWARD, app: A0STEWARD }\n');
    expect(placeRefusal(access, slack('T0STEWARD', 'A0STEWARD'))).toBeUndefined();
    expect(placeRefusal(access, slack('T0STEWARD', 'A0IMPOSTOR'))).toBe('foreign_app');
    expect(placeRefusal(access, slack('T0STEWARD'))).toBe('foreign_app');
    expect(placeRefusal(access, slack('T0OTHER', 'A0IMPOSTOR'))).toBe('foreign_workspace');
  });

  it('Slack binding says nothing about Discord, and the reverse', () => {
    const slackOnly = accessOf('access:\n  slack: { team: T0STEWARD }\n');
    expect(placeRefusal(slackOnly, discord(OTHER_GUILD))).toBeUndefined();
    const discordOnly = accessOf(`access:\n  discord: { guilds: ["${GUILD}"] }\n`);
    expect(placeRefusal(discordOnly, slack('T0ANYWHERE'))).toBeUndefined();
  });
});

describe('placeRefusal: Discord', () => {
  it('a slash command without a guild (a DM, a user installation) is always refused; buttons, forms and events there are not', () => {
    for (const access of [accessOf(), accessOf(`access:\n  discord: { guilds: ["${GUILD}"] }\n`)]) {
      expect(placeRefusal(access, discord(null, 'command'))).toBe('direct_message');
      // Page and approval notifications arrive by DM with buttons, which open forms.
      expect(placeRefusal(access, discord(null, 'component'))).toBeUndefined();
      expect(placeRefusal(access, discord(null, 'modal'))).toBeUndefined();
      expect(placeRefusal(access, discord(null, 'event'))).toBeUndefined();
    }
  });

  it('without access.discord, every guild is answered', () => {
    const access = accessOf();
    for (const kind of ['command', 'component', 'modal', 'event'] as const)
      expect(placeRefusal(access, discord(OTHER_GUILD, kind))).toBeUndefined();
  });

  it('with access.discord.guilds, anything from a guild not listed is refused, whatever it is', () => {
    const access = accessOf(`access:\n  discord: { guilds: ["${GUILD}", "${OTHER_GUILD}"] }\n`);
    for (const kind of ['command', 'component', 'modal', 'event'] as const) {
      expect(placeRefusal(access, discord(GUILD, kind)), kind).toBeUndefined();
      expect(placeRefusal(access, discord(OTHER_GUILD, kind)), kind).toBeUndefined();
      expect(placeRefusal(access, discord(THIRD_GUILD, kind)), kind).toBe('foreign_guild');
    }
  });
});

describe('the policy keys', () => {
  it('are checked when the policy loads: workspace and app ids, guild snowflakes, at least one guild', () => {
    const problems = (yaml: string) => {
      try {
        parsePolicy(BASE + yaml);
        return [];
      } catch (err) {
        return (err as PolicyError).problems.map((p) => `${p.path}: ${p.message}`);
      }
    };
    expect(problems('access:\n  slack: { team: steward }\n')).toEqual([
      'access.slack.team: must be a Slack workspace id such as T0123ABCD (got "steward")',
    ]);
    expect(problems('access:\n  slack: { team: T0STEWARD, app: B0STEWARD }\n')).toEqual([
      'access.slack.app: must be a Slack app id such as A0123ABCD (got "B0STEWARD")',
    ]);
    expect(problems('access:\n  slack: { app: A0STEWARD }\n')).toHaveLength(1);
    expect(problems('access:\n  discord: { guilds: [] }\n')).toHaveLength(1);
    expect(problems('access:\n  discord: { guilds: ["my-server"] }\n')).toHaveLength(1);
    expect(problems('access:\n  discord: { guild: "400000000000000001" }\n')).not.toEqual([]);
  });
});

describe('the example policy', () => {
  it('its commented access example is valid once uncommented, and binds both platforms', () => {
    const text = readFileSync(new URL('../../manifests/policy.example.yaml', import.meta.url), 'utf8');
    const lines = text.split('\n');
    const from = lines.indexOf('# access:');
    expect(from).toBeGreaterThan(0);
    const block = lines.slice(from, lines.indexOf('', from)).map((l) => l.replace(/^# ?/, ''));
    const { access } = parsePolicy(`${text}\n${block.join('\n')}\n`).policy;
    expect(access.slack).toEqual({ team: 'T0STEWARD', app: 'A0STEWARD' });
    // The incidents guild is listed: war rooms stay where Steward answers.
    const incidentsGuild = parsePolicy(text).policy.incidents.discord?.guild;
    expect(access.discord).toEqual({ guilds: [incidentsGuild] });
  });
});

describe('Steward.admits', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('reads the policy in force: a reload binds, moves and unbinds Slack and Discord at once', async () => {
    const db = createSqliteDatabase();
    cleanup.push(() => db.drop());
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    const steward = new Steward({
      store,
      clock: fixedClock('2026-11-02T15:00:00.000Z'),
      policy: parsePolicy(BASE),
      modules: STANDARD_MODULES,
    });
    cleanup.push(() => steward.outbox.stop());
    await steward.applyPolicy();

    // Unbound: anywhere, except a Discord command in a DM.
    expect(steward.admits(slack('T0OTHER'))).toEqual({ admitted: true });
    expect(steward.admits(discord(OTHER_GUILD))).toEqual({ admitted: true });
    expect(steward.admits(discord(null))).toEqual({ admitted: false, reason: 'direct_message' });
    expect(steward.admits(discord(null, 'component'))).toEqual({ admitted: true });

    await steward.replacePolicy(
      parsePolicy(
        `${BASE}access:\n  slack: { team: T0STEWARD, app: A0STEWARD }\n  discord: { guilds: ["${GUILD}"] }\n`,
      ),
    );
    expect(steward.admits(slack('T0STEWARD', 'A0STEWARD'))).toEqual({ admitted: true });
    expect(steward.admits(slack('T0OTHER', 'A0STEWARD'))).toEqual({ admitted: false, reason: 'foreign_workspace' });
    expect(steward.admits(slack('T0STEWARD', 'A0OTHER'))).toEqual({ admitted: false, reason: 'foreign_app' });
    expect(steward.admits(discord(GUILD))).toEqual({ admitted: true });
    expect(steward.admits(discord(OTHER_GUILD, 'component'))).toEqual({ admitted: false, reason: 'foreign_guild' });

    // Moved to another workspace and guild.
    await steward.replacePolicy(
      parsePolicy(`${BASE}access:\n  slack: { team: T0OTHER }\n  discord: { guilds: ["${OTHER_GUILD}"] }\n`),
    );
    expect(steward.admits(slack('T0STEWARD', 'A0STEWARD'))).toEqual({ admitted: false, reason: 'foreign_workspace' });
    expect(steward.admits(slack('T0OTHER', 'A0OTHER'))).toEqual({ admitted: true });
    expect(steward.admits(discord(GUILD))).toEqual({ admitted: false, reason: 'foreign_guild' });
    expect(steward.admits(discord(OTHER_GUILD, 'modal'))).toEqual({ admitted: true });

    // Unbound again.
    await steward.replacePolicy(parsePolicy(BASE));
    expect(steward.admits(slack('T0STEWARD'))).toEqual({ admitted: true });
    expect(steward.admits(discord(GUILD))).toEqual({ admitted: true });
    expect(steward.admits(discord(null))).toEqual({ admitted: false, reason: 'direct_message' });
  });
});
