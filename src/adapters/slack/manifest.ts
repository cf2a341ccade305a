// The slash commands of manifests/slack-app.yaml, generated from what the composed modules
// declare. The rest of that file (scopes and their justifications) is written by hand.
import type { Registry } from '../../core/registry.js';

export const SLACK_EVENTS_URL = 'https://steward.example.com/slack/events';
const quote = (s: string) => JSON.stringify(s);

/** The `slash_commands:` block (indented for `features:`), every command escaped. */
export function slackSlashCommands(registry: Registry): string {
  const lines = [
    '  # Generated from the modules (npm run manifests): edit the modules, not this block.',
    "  # Slash command replies travel in the HTTP acknowledgement or through the command's",
    '  # response_url, which needs no scope beyond `commands`. Every command is escaped, so a',
    '  # mention in the text arrives as <@U…|name> and names the person unambiguously.',
    '  slash_commands:',
  ];
  for (const c of registry.commands.values())
    lines.push(
      `    - command: /${c.name}`,
      `      url: ${SLACK_EVENTS_URL}`,
      `      description: ${quote(c.description)}`,
      `      usage_hint: ${quote(c.slackHint)}`,
      '      should_escape: true',
    );
  return lines.join('\n') + '\n';
}

/** `manifest` (the file's text) with its slash-command block replaced by the generated one. */
export function withSlashCommands(manifest: string, registry: Registry): string {
  const lines = manifest.split('\n');
  const at = lines.indexOf('  slash_commands:');
  if (at < 0) throw new Error('the Slack manifest has no features.slash_commands block');
  let start = at;
  while (start > 0 && lines[start - 1]?.startsWith('  #')) start--;
  // Only the generated header is replaced; other comments above the block stay.
  const header = lines.slice(start, at).findIndex((l) => l.startsWith('  # Generated from the modules'));
  start = header < 0 ? at : start + header;
  let end = at + 1;
  while (end < lines.length && lines[end]?.startsWith('    ')) end++;
  return [...lines.slice(0, start), slackSlashCommands(registry).trimEnd(), ...lines.slice(end)].join('\n');
}
