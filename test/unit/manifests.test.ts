// The command manifests in git are what the modules declare (`npm run manifests` writes them).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { discordCommandDefinitions } from '../../src/adapters/discord/manifest.js';
import { standardRegistry } from '../../src/adapters/shared/parse.js';
import { slackSlashCommands, withSlashCommands } from '../../src/adapters/slack/manifest.js';

const read = (f: string) => readFileSync(new URL(`../../manifests/${f}`, import.meta.url), 'utf8');

describe('generated manifests', () => {
  it('manifests/discord-commands.json is current (run npm run manifests)', () => {
    expect(JSON.parse(read('discord-commands.json'))).toEqual(discordCommandDefinitions(standardRegistry()));
  });

  it("manifests/slack-app.yaml's slash commands are current, and regenerating keeps the hand-written rest", () => {
    const text = read('slack-app.yaml');
    expect(withSlashCommands(text, standardRegistry())).toBe(text);
    expect(text).toContain(slackSlashCommands(standardRegistry()));
  });

  it('a stale file is caught: one changed description differs from the generated one', () => {
    const text = read('slack-app.yaml').replace('description: "What Steward can do here', 'description: "Help');
    expect(withSlashCommands(text, standardRegistry())).not.toBe(text);
  });
});
