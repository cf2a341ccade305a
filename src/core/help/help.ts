// `/steward help`: what Steward can do here, and who the asking user is to it.
import { type Card, type Reply, br, code, ephemeral, join, strong, txt } from '../card.js';
import type { Ctx } from '../context.js';
import type { Directory } from '../directory.js';
import { ok, type Outcome } from '../errors.js';
import type { HelpEntry } from '../module.js';

export function help(ctx: Ctx, dir: Directory, entries: readonly HelpEntry[]): Outcome<Reply> {
  const { actor } = ctx;
  const who: Card = actor.person
    ? {
        title: `You are ${actor.person.name}`,
        tone: 'good',
        body: [
          txt('Person '),
          code(actor.person.id),
          txt(' in the policy'),
          ...teamsLine(dir, actor.person.id),
          ...ownsLine(dir, actor.person.id),
          br,
          txt(`Time zone: ${dir.timezoneOf(actor.person.id)}.`),
        ],
      }
    : {
        title: 'You are not in the policy yet',
        tone: 'warning',
        body: [
          txt(`Steward knows you only as ${actor.platform} user `),
          code(actor.userId),
          txt(
            ': you may use read-only commands. To act (declare, approve, acknowledge), ask an administrator to add your ',
          ),
          txt(actor.platform === 'console' ? 'person id' : `${actor.platform} id`),
          txt(' to '),
          code('people'),
          txt(' in the policy.'),
        ],
      };
  const commands: Card = {
    title: 'What Steward can do here',
    tone: 'info',
    body: join(
      entries.map((c) => [
        code(c.usage),
        txt(` — ${c.what}${c.writes && !actor.person ? ' (needs a policy person)' : ''}`),
      ]),
      br,
    ),
    context: [
      txt(
        `Policy version ${dir.version.slice(0, 12)} · ${dir.allServices().length} services, ${dir.allTeams().length} teams`,
      ),
    ],
  };
  return ok(ephemeral(who, commands));
}

function teamsLine(dir: Directory, personId: string) {
  const teams = dir.teamsOf(personId);
  return teams.length ? [br, txt('Member of '), ...join(teams.map((t) => [strong(t.name)]))] : [];
}

function ownsLine(dir: Directory, personId: string) {
  const owns = dir.servicesOwnedBy(personId);
  return owns.length ? [br, txt('Owner of '), ...join(owns.map((s) => [strong(s.name), txt(' '), code(s.id)]))] : [];
}
