// `/incident help`: the incident commands and who may do what.
import { rulesFor } from './permissions.js';
import { type Reply, br, code, ephemeral, join, txt } from '../card.js';
import type { Directory } from '../directory.js';
import type { Ctx } from '../context.js';
import { ok, type Outcome } from '../errors.js';
import { SETTABLE_STATUSES } from './model.js';

export const INCIDENT_HELP: [string, string][] = [
  ['/incident declare [title]', 'open the declare form: title, severity, service, summary, page the on-call'],
  ['/incident update <text>', 'post a status update (war room and announcement thread)'],
  ['/incident status <status> [text]', SETTABLE_STATUSES.join(', ').replace(/, (\w+)$/, ' or $1')],
  ['/incident severity <SEV>', 'change the severity'],
  ['/incident role <role> <@user>', 'assign a role; they get its instructions by direct message'],
  ['/incident resolve [summary]', 'resolve, compute response times, write the postmortem draft'],
  ['/incident list', 'open incidents by severity'],
  ['/incident timeline [INC-n]', 'everything that happened, with 📌 pinned messages'],
  ['/incident postmortem [INC-n]', 'the postmortem draft of a resolved incident'],
  ['/incident stats [7d|30d|90d|365d]', 'count, MTTA and MTTR by severity and service'],
];

export function incidentHelp(_ctx: Ctx, dir: Directory): Outcome<Reply> {
  return ok(
    ephemeral({
      title: 'Incident commands',
      tone: 'info',
      body: join(
        INCIDENT_HELP.map(([u, w]) => [code(u), txt(` — ${w}`)]),
        br,
      ),
      context: [
        txt(
          `In a war room the incident is implied; elsewhere add INC-n. Roles: ${dir.policy.incidents.roles.join(', ')}. Resolving: ${rulesFor(dir, 'resolve').join(' or ')}; closing: ${rulesFor(dir, 'close').join(' or ')}; handing over command: ${rulesFor(dir, 'commander').join(' or ')}.`,
        ),
      ],
    }),
  );
}
