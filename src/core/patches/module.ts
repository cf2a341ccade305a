// Patch SLAs as a module: `/patch list [service|team] [overdue]`, `/patch show <finding>`,
// `/patch exception <finding>`, the Next / Previous and Request exception buttons, the risk
// exception forms, Approve / Reject, expiry, and deadline recomputation (at start and after a
// policy reload). Imports come from the CLI and the HTTP API (importer.ts), not from chat.
import { patchesPolicy } from './policy-section.js';
import { build, invalid, tokenize } from '../grammar.js';
import { type Form, type Reply, code, ephemeral, txt } from '../card.js';
import { ok, type Outcome } from '../errors.js';
import { onForm, run, type StewardModule } from '../module.js';
import { exceptionEffects } from './exception-effects.js';
import { ExceptionRejectForm, ExceptionRequestForm, exceptionRejectForm, exceptionRequestForm } from './exception-forms.js';
import { exceptionRef } from './exception-model.js';
import { ExceptionService } from './exceptions.js';
import { PATCH_DEADLINES, type PatchDeadlines } from './links.js';
import { findingRef, readFindingRef } from './model.js';
import { PatchOps } from './ops.js';
import { recomputeDeadlines } from './refresh.js';
import { PatchesService } from './service.js';

export { PatchOps } from './ops.js';

const finding = { type: 'string', name: 'finding', description: 'Finding, e.g. F-12', required: true, maxLength: 16, ref: { prefix: 'F', noun: 'finding', hint: 'a finding such as F-12' } } as const;

const USAGE = '/patch list [service|team] [overdue] · /patch show <finding> · /patch exception <finding>';

function parse(text: string) {
  const [sub = '', ...args] = tokenize(text.trim());
  switch (sub.toLowerCase()) {
    case '':
    case 'list': {
      const overdue = args.some((a) => a.toLowerCase() === 'overdue');
      const rest = args.filter((a) => a.toLowerCase() !== 'overdue');
      if (rest.length > 1) return invalid('COMMAND.INVALID', '/patch list takes at most one service or team, and "overdue".', `Usage: ${USAGE}`);
      return build(PatchOps.list, { ...(rest[0] ? { scope: rest[0].toLowerCase() } : {}), overdue }, '/patch list', USAGE);
    }
    case 'show':
    case 'exception': {
      const n = args.length === 1 ? readFindingRef(args[0]) : null;
      if (n === null) return invalid('COMMAND.INVALID', `/patch ${sub.toLowerCase()} needs one finding, such as F-12.`, `Usage: ${USAGE}`);
      return build(sub.toLowerCase() === 'show' ? PatchOps.show : PatchOps.exception, { finding: n }, `/patch ${sub.toLowerCase()}`, USAGE);
    }
    default:
      return invalid('COMMAND.INVALID', `/patch has no subcommand "${sub}".`, `Usage: ${USAGE}`);
  }
}

export const patchesModule: StewardModule = {
  id: 'patches',
  policy: patchesPolicy,
  commands: [
    {
      name: 'patch',
      description: 'Vulnerability findings and their patch deadlines',
      usage: USAGE,
      slackHint: 'list [service|team] [overdue] | show <finding> | exception <finding>',
      parse,
      options: [
        {
          type: 'subcommand',
          name: 'list',
          description: 'Open findings, worst first',
          options: [
            { type: 'string', name: 'scope', description: 'Service or team id', required: false, maxLength: 64 },
            { type: 'string', name: 'overdue', description: 'Only overdue findings', required: false, choices: [{ name: 'overdue only', value: 'overdue' }] },
          ],
        },
        {
          type: 'subcommand',
          name: 'show',
          description: 'One finding: everything known and its history',
          options: [finding],
        },
        { type: 'subcommand', name: 'exception', description: 'Request a risk exception (justification, expiry)', options: [finding] },
      ],
    },
  ],
  operations: Object.values(PatchOps),
  help: [
    { usage: '/patch list [service|team] [overdue]', what: 'open vulnerability findings, worst first, with their deadlines', writes: false },
    { usage: '/patch show <finding>', what: 'one finding: versions, deadline, scanners and history', writes: false },
    { usage: '/patch exception <finding>', what: 'request a risk exception: approvers chosen by policy get Approve / Reject', writes: true },
  ],
  forms: [ExceptionRequestForm, ExceptionRejectForm],
  create(k) {
    const exceptions = new ExceptionService({ store: k.store, dir: k.dir, kick: k.kick, platforms: k.platforms });
    const service = new PatchesService({ store: k.store, dir: k.dir, exceptions });
    const form = (f: Form): Outcome<Reply> => ok({ ...ephemeral(), form: f });
    const deadlines: PatchDeadlines = { recomputeDeadlines: (dir) => recomputeDeadlines({ store: k.store, clock: k.clock }, dir) };
    return {
      operations: [
        run(PatchOps.list, (c, a) => service.list(c, a)),
        run(PatchOps.show, (c, a) => service.show(c, a, c.now)),
        run(PatchOps.exception, async (c, a) => {
          // Refused before the form opens when the finding cannot get one now.
          const may = await exceptions.checkRequest(a.finding, c.now);
          return may.ok ? form(exceptionRequestForm(a.finding, {})) : may;
        }),
        run(PatchOps.approve, (c, a) => exceptions.decide(c, a.exception, 'approve')),
        run(PatchOps.reject, async (c, a) => {
          const v = await exceptions.load(a.exception);
          if (!v.ok) return v;
          // Refused before the form opens when this person may not decide.
          if (v.value.e.state !== 'pending' || !v.value.quorum.mayDecide(c.actor.person?.id ?? '').ok) return exceptions.decide(c, a.exception, 'reject');
          return form(exceptionRejectForm(a.exception, {}));
        }),
      ],
      forms: [
        onForm(ExceptionRequestForm, {
          submit: async (ctx, t, v, key) => {
            const r = await exceptions.request(ctx, t.number!, v, key);
            if (!r.ok) return 'fields' in r ? { ok: false, error: { code: 'FORM.INVALID', message: 'Some fields need another look.', fields: r.fields } } : r.refused;
            const e = r.e;
            return ok(
              ephemeral({
                title: r.created ? `${exceptionRef(e)} requested for ${findingRef(e.findingId)}` : `${exceptionRef(e)} was already requested from this form`,
                tone: 'info',
                body: [txt('The approvers have been asked by direct message; '), code(`/patch show ${findingRef(e.findingId)}`), txt(' shows where it stands.')],
              }),
            );
          },
          reopen: (_c, t, values) => ok(exceptionRequestForm(t.number!, values, t.nonce)),
        }),
        onForm(ExceptionRejectForm, { submit: (ctx, t, v) => exceptions.decide(ctx, t.number!, 'reject', v.reason), reopen: (_c, t, values) => ok(exceptionRejectForm(t.number!, values, t.nonce)) }),
      ],
      effects: exceptionEffects({ store: k.store, clock: k.clock, service: exceptions, dir: k.dir, gateways: k.gateways }),
      jobs: { interval: [{ name: 'exceptions-expire', everyMs: 30_000, run: async (now) => void (await exceptions.expire(now)) }] },
      provides: { [PATCH_DEADLINES]: deadlines },
      // Deadlines follow the policy Steward starts with (it may have changed while Steward was down).
      start: () =>
        void deadlines.recomputeDeadlines(k.dir()).then(
          (moved) => moved && k.log.info({ moved }, 'finding deadlines recomputed for the current policy'),
          (err) => k.log.error({ err: String(err) }, 'finding deadlines could not be recomputed'),
        ),
    };
  },
};
