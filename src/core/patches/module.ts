// Patch SLAs as a module: `/patch list [service|team] [overdue]`, `/patch show <finding>`,
// `/patch exception <finding>`, the Next / Previous and Request exception buttons, the risk
// exception forms, Approve / Reject, expiry, deadline recomputation (at start and after a policy
// reload), each team's digest (`/patch digest [team]` and a calendar job), owner reminders and
// breach pages. Imports come from the CLI and the HTTP API (importer.ts), not from chat.
import { patchesPolicy } from './policy-section.js';
import { checkPatchesPolicy } from './policy-checks.js';
import { build, invalid, tokenize } from '../grammar.js';
import { type Form, type Reply, code, ephemeral, txt } from '../card.js';
import { invalidForm, ok, type Outcome } from '../errors.js';
import { cliCommand, onForm, run, provide, route, type StewardModule } from '../module.js';
import { FINDINGS_CLI, FINDINGS_ROUTE, findingEntries } from './findings/entries.js';
import { exceptionEffects } from './exceptions/effects.js';
import {
  ExceptionPickForm,
  ExceptionRejectForm,
  ExceptionRequestForm,
  exceptionPickForm,
  exceptionRejectForm,
  exceptionRequestForm,
} from './exceptions/forms.js';
import { DigestService } from './digests/service.js';
import { noticeEffects } from './notices/effects.js';
import { NoticeService, readBreachKey } from './notices/service.js';
import { PAGING_FINDINGS, type PagingFindings } from '../paging/links.js';
import type { Ctx } from '../context.js';
import { exceptionRef } from './exceptions/model.js';
import { ExceptionService } from './exceptions/service.js';
import {
  PATCH_ALERTS,
  PATCH_DEADLINES,
  PATCH_DIGESTS,
  PATCH_NOTICES,
  PATCH_PAGING,
  type PatchDeadlines,
} from './links.js';
import { findingRef, readFindingRef } from './findings/model.js';
import { PatchOps } from './ops.js';
import { recomputeDeadlines } from './findings/refresh.js';
import { PatchesService } from './findings/service.js';

export { PatchOps } from './ops.js';

const finding = {
  type: 'string',
  name: 'finding',
  description: 'Finding, e.g. F-12',
  required: true,
  maxLength: 16,
  ref: { prefix: 'F', noun: 'finding', hint: 'a finding such as F-12' },
} as const;

const USAGE =
  '/patch list [service|team] [overdue] · /patch show <finding> · /patch digest [team] · /patch exception <finding>';
/** How often reminders and breach pages are looked for. */
export const NOTICE_EVERY_MS = 60_000;

function parse(text: string) {
  const [sub = '', ...args] = tokenize(text.trim());
  switch (sub.toLowerCase()) {
    case '':
    case 'list': {
      const overdue = args.some((a) => a.toLowerCase() === 'overdue');
      const rest = args.filter((a) => a.toLowerCase() !== 'overdue');
      if (rest.length > 1)
        return invalid(
          'COMMAND.INVALID',
          '/patch list takes at most one service or team, and "overdue".',
          `Usage: ${USAGE}`,
        );
      return build(
        PatchOps.list,
        { ...(rest[0] ? { scope: rest[0].toLowerCase() } : {}), overdue },
        '/patch list',
        USAGE,
      );
    }
    case 'show':
    case 'exception': {
      const n = args.length === 1 ? readFindingRef(args[0]!) : null;
      if (n === null)
        return invalid(
          'COMMAND.INVALID',
          `/patch ${sub.toLowerCase()} needs one finding, such as F-12.`,
          `Usage: ${USAGE}`,
        );
      return build(
        sub.toLowerCase() === 'show' ? PatchOps.show : PatchOps.exception,
        { finding: n },
        `/patch ${sub.toLowerCase()}`,
        USAGE,
      );
    }
    case 'digest':
      if (args.length > 1)
        return invalid('COMMAND.INVALID', '/patch digest takes at most one team.', `Usage: ${USAGE}`);
      return build(PatchOps.digest, args[0] ? { team: args[0].toLowerCase() } : {}, '/patch digest', USAGE);
    default:
      return invalid('COMMAND.INVALID', `/patch has no subcommand "${sub}".`, `Usage: ${USAGE}`);
  }
}

export const patchesModule: StewardModule = {
  id: 'patches',
  policy: patchesPolicy,
  checkPolicy: checkPatchesPolicy,
  commands: [
    {
      name: 'patch',
      description: 'Vulnerability findings and their patch deadlines',
      usage: USAGE,
      slackHint: 'list [service|team] [overdue] | show <finding> | digest [team] | exception <finding>',
      parse,
      options: [
        {
          type: 'subcommand',
          name: 'list',
          description: 'Open findings, worst first',
          options: [
            { type: 'string', name: 'scope', description: 'Service or team id', required: false, maxLength: 64 },
            {
              type: 'string',
              name: 'overdue',
              description: 'Only overdue findings',
              required: false,
              choices: [{ name: 'overdue only', value: 'overdue' }],
            },
          ],
        },
        {
          type: 'subcommand',
          name: 'show',
          description: 'One finding: everything known and its history',
          options: [finding],
        },
        {
          type: 'subcommand',
          name: 'digest',
          description: "A team's patch SLA digest now",
          options: [
            {
              type: 'string',
              name: 'team',
              description: 'Team id (default: your teams)',
              required: false,
              maxLength: 64,
            },
          ],
        },
        {
          type: 'subcommand',
          name: 'exception',
          description: 'Request a risk exception (justification, expiry)',
          options: [finding],
        },
      ],
    },
  ],
  operations: Object.values(PatchOps),
  help: [
    {
      usage: '/patch list [service|team] [overdue]',
      what: 'open vulnerability findings, worst first, with their deadlines',
      writes: false,
    },
    { usage: '/patch show <finding>', what: 'one finding: versions, deadline, scanners and history', writes: false },
    {
      usage: '/patch digest [team]',
      what: "a team's patch SLA digest now: overdue, due soon, new, fixed, exceptions ending",
      writes: false,
    },
    {
      usage: '/patch exception <finding>',
      what: 'request a risk exception: approvers chosen by policy get Approve / Reject',
      writes: true,
    },
  ],
  forms: [ExceptionRequestForm, ExceptionPickForm, ExceptionRejectForm],
  routes: [FINDINGS_ROUTE],
  cli: Object.values(FINDINGS_CLI),
  create(k) {
    const entries = findingEntries({ store: k.store, clock: k.clock, dir: k.dir, log: k.log });
    const exceptions = new ExceptionService({ store: k.store, dir: k.dir, kick: k.kick, platforms: k.platforms });
    const service = new PatchesService({ store: k.store, dir: k.dir, exceptions });
    const form = (f: Form): Outcome<Reply> => ok({ ...ephemeral(), form: f });
    const digests = new DigestService({
      store: k.store,
      clock: k.clock,
      dir: k.dir,
      kick: k.kick,
      platforms: k.platforms,
    });
    const notices = new NoticeService({
      store: k.store,
      clock: k.clock,
      dir: k.dir,
      kick: k.kick,
      platforms: k.platforms,
      paging: () => k.link(PATCH_ALERTS) ?? k.link(PATCH_PAGING),
    });
    const forPaging: PagingFindings = {
      acknowledged: async (tx, page, who, at) => {
        const id = readBreachKey(page.key);
        if (id === null) return;
        await tx.findings.addEvents([
          {
            findingId: id,
            importId: null,
            kind: 'page_acknowledged',
            detail: `${page.ref} acknowledged by ${who.name}`,
            at,
          },
        ]);
      },
    };
    // The digest's Request exception: the form names the finding; its errors land on its fields.
    const requestPicked = async (
      ctx: Ctx,
      v: { finding: string; justification: string; until: string },
      key: string,
    ) => {
      const n = readFindingRef(v.finding);
      if (n === null) return invalidForm({ finding: 'Name the finding, such as F-12' });
      const may = await exceptions.checkRequest(n, ctx.now);
      if (!may.ok) return invalidForm({ finding: may.error.message });
      return submitRequest(ctx, n, v, key);
    };
    const submitRequest = async (
      ctx: Ctx,
      n: number,
      v: { justification: string; until: string },
      key: string,
    ): Promise<Outcome<Reply>> => {
      const r = await exceptions.request(ctx, n, v, key);
      if (!r.ok) return 'fields' in r ? invalidForm(r.fields) : r.refused;
      const e = r.e;
      return ok(
        ephemeral({
          title: r.created
            ? `${exceptionRef(e)} requested for ${findingRef(e.findingId)}`
            : `${exceptionRef(e)} was already requested from this form`,
          tone: 'info',
          body: [
            txt('The approvers have been asked by direct message; '),
            code(`/patch show ${findingRef(e.findingId)}`),
            txt(' shows where it stands.'),
          ],
        }),
      );
    };
    const deadlines: PatchDeadlines = {
      recomputeDeadlines: (dir) => recomputeDeadlines({ store: k.store, clock: k.clock }, dir),
    };
    return {
      operations: [
        run(PatchOps.list, (c, a) => service.list(c, a)),
        run(PatchOps.show, (c, a) => service.show(c, a, c.now)),
        run(PatchOps.exception, async (c, a) => {
          // Refused before the form opens when the finding cannot get one now.
          const may = await exceptions.checkRequest(a.finding, c.now);
          return may.ok ? form(exceptionRequestForm(a.finding, {})) : may;
        }),
        run(PatchOps.digest, (c, a) => digests.show(c, a.team)),
        run(PatchOps.requestException, async (c, a) => {
          const d = k.dir();
          const services = a.team ? d.servicesOfTeam(a.team).map((s) => s.id) : undefined;
          const worst = services
            ? (await k.store.transaction((tx) => tx.findings.worstOverdue(services, c.now, 1)))[0]
            : undefined;
          return form(exceptionPickForm({}, worst?.id));
        }),
        run(PatchOps.approve, (c, a) => exceptions.decide(c, a.exception, 'approve')),
        run(PatchOps.reject, async (c, a) => {
          const v = await exceptions.load(a.exception);
          if (!v.ok) return v;
          // Refused before the form opens when this person may not decide.
          if (v.value.e.state !== 'pending' || !v.value.quorum.mayDecide(c.actor.person?.id ?? '').ok)
            return exceptions.decide(c, a.exception, 'reject');
          return form(exceptionRejectForm(a.exception, {}));
        }),
      ],
      forms: [
        onForm(ExceptionRequestForm, {
          submit: (ctx, t, v, key) => submitRequest(ctx, t.number!, v, key),
          reopen: (_c, t, values) => ok(exceptionRequestForm(t.number!, values, t.nonce)),
        }),
        onForm(ExceptionPickForm, {
          submit: (ctx, _t, v, key) => requestPicked(ctx, v, key),
          reopen: (_c, t, values) => ok(exceptionPickForm(values, undefined, t.nonce)),
        }),
        onForm(ExceptionRejectForm, {
          submit: (ctx, t, v) => exceptions.decide(ctx, t.number!, 'reject', v.reason),
          reopen: (_c, t, values) => ok(exceptionRejectForm(t.number!, values, t.nonce)),
        }),
      ],
      effects: [
        ...exceptionEffects({ store: k.store, clock: k.clock, service: exceptions, dir: k.dir, gateways: k.gateways }),
        ...noticeEffects({ store: k.store, clock: k.clock, digests, dir: k.dir, gateways: k.gateways }),
      ],
      jobs: {
        calendar: [digests.job()],
        interval: [
          { name: 'exceptions-expire', everyMs: 30_000, run: async (now) => void (await exceptions.expire(now)) },
          { name: 'patch-notices', everyMs: NOTICE_EVERY_MS, run: async (now) => void (await notices.run(now)) },
        ],
      },
      routes: [route(FINDINGS_ROUTE, entries.http)],
      cli: [cliCommand(FINDINGS_CLI.import, entries.import), cliCommand(FINDINGS_CLI.kev, entries.kev)],
      policyApplied: async (dir) => ({ deadlinesMoved: await deadlines.recomputeDeadlines(dir) }),
      provides: [
        provide(PATCH_DEADLINES, deadlines),
        provide(PAGING_FINDINGS, forPaging),
        provide(PATCH_DIGESTS, digests),
        provide(PATCH_NOTICES, notices),
      ],
      // Deadlines follow the policy Steward starts with (it may have changed while Steward was down).
      start: () =>
        void deadlines.recomputeDeadlines(k.dir()).then(
          (moved) => moved && k.log.info({ moved }, 'finding deadlines recomputed for the current policy'),
          (err) => k.log.error({ err: String(err) }, 'finding deadlines could not be recomputed'),
        ),
    };
  },
};
