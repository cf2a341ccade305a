// Mentions reach the core in one neutral form, whatever the platform wrote: the adapters rewrite
// Slack's and Discord's syntax; the core resolves a whole-value mention to a person and shows
// mentions inside free text as names.
import { describe, expect, it } from 'vitest';
import { neutralMentions } from '../../src/adapters/shared/mentions.js';
import { parsePolicy } from '../../src/config/policy.js';
import { Directory } from '../../src/core/directory.js';
import { nameMentions, readMention } from '../../src/core/people/mention.js';
import { resolvePerson } from '../../src/core/people/resolve.js';

const dir = new Directory(
  parsePolicy(
    'people:\n  - { id: bob, name: Bob Builder, slack: U0BOB, discord: "111111111111111112" }\n  - { id: alice, name: Alice Example, slack: U0ALICE }\n',
  ).policy,
  'x',
);
const names = (p: 'slack' | 'discord' | 'console', id: string) => dir.personOn(p, id)?.name;

describe('mentions', () => {
  it('Slack and Discord syntax becomes the neutral form in the adapters; other text is left alone', () => {
    expect(neutralMentions('slack', 'override <@U0BOB|bob> 4h')).toBe('override @slack:U0BOB 4h');
    expect(neutralMentions('slack', 'role scribe <@U0ALICE>')).toBe('role scribe @slack:U0ALICE');
    expect(neutralMentions('discord', 'person <@111111111111111112> db down')).toBe(
      'person @discord:111111111111111112 db down',
    );
    expect(neutralMentions('discord', 'hi <@!111111111111111112>')).toBe('hi @discord:111111111111111112');
    // Another platform's syntax, broadcasts and channels are not mentions of a person here.
    expect(neutralMentions('discord', '<@U0BOB> <!channel> <#C0GENERAL>')).toBe('<@U0BOB> <!channel> <#C0GENERAL>');
    expect(neutralMentions('console', '<@U0BOB>')).toBe('<@U0BOB>');
  });

  it('the core resolves the neutral form, a platform user id, a person id and @name', () => {
    expect(readMention('@slack:U0BOB')).toEqual({ platform: 'slack', userId: 'U0BOB' });
    expect(readMention('@nowhere:U0BOB')).toBeUndefined();
    expect(resolvePerson(dir, 'slack', '@slack:U0BOB')?.id).toBe('bob');
    expect(resolvePerson(dir, 'discord', '@discord:111111111111111112')?.id).toBe('bob');
    expect(resolvePerson(dir, 'discord', '111111111111111112')?.id).toBe('bob');
    expect(resolvePerson(dir, 'discord', 'U0ALICE')?.id).toBe('alice');
    expect(resolvePerson(dir, 'console', '@bob')?.id).toBe('bob');
    expect(resolvePerson(dir, 'console', 'Alice')?.id).toBe('alice');
    // The platform's raw syntax is not read by the core: the adapters rewrite it first.
    expect(resolvePerson(dir, 'slack', '<@U0BOB>')).toBeUndefined();
  });

  it('free text shows known people by name and never as a live mention; a whole-value mention stays a reference', () => {
    expect(nameMentions('rolled back with @slack:U0BOB and @slack:U0NOBODY', names)).toBe(
      'rolled back with @Bob Builder and @slack:U0NOBODY',
    );
    expect(nameMentions('@slack:U0BOB', names)).toBe('@slack:U0BOB');
    expect(nameMentions('deploy at 10:30, see https://x.example/a:b', names)).toBe(
      'deploy at 10:30, see https://x.example/a:b',
    );
  });
});
