// A small module written only in test code, to show that a domain is one module value: its
// slash command, grammar, form, buttons, outbox effect, help and a per-team calendar job.
// `/kudos give <@user> <text>` thanks someone (they get a direct message), `/kudos note` opens a
// form, buttons thank again or open the form; a digest job runs at 09:00 in each team's time zone.
// `POST /api/v1/kudos` (a pipeline thanks someone) and the CLI's `kudos give <person>` do the same
// from outside chat, and answer with the caller Steward recorded.
import { z } from 'zod';
import { personRef, numberRef, text } from '../../src/core/args.js';
import { type Form, ephemeral, inChannel, strong, txt } from '../../src/core/card.js';
import { gatewayOf } from '../../src/core/chat/gateway.js';
import { fail, ok } from '../../src/core/errors.js';
import { build, invalid, subcommand } from '../../src/core/grammar.js';
import type { CalendarRun } from '../../src/core/jobs/job.js';
import type { CliCommandDecl, EntryCtx, HttpRouteDecl } from '../../src/core/entry.js';
import {
  call,
  cliCommand,
  form,
  onForm,
  operation,
  route,
  run,
  type Kernel,
  type StewardModule,
} from '../../src/core/module.js';
import { effectKind, enqueue, handle } from '../../src/core/outbox/effects.js';
import { resolvePerson } from '../../src/core/people/resolve.js';

export const KudosOps = {
  give: operation('kudos.give', z.object({ user: personRef, text: text(200) }), 'member'),
  note: operation('kudos.note', z.object({}), 'member'),
  thank: operation('kudos.thank', z.object({ n: numberRef('KUDO') }), 'member'),
};

const NoteForm = form('kudos.note', false, () =>
  z.object({
    text: z.string({ error: 'Write a few words' }).min(5, 'Use at least 5 characters'),
    mood: z.enum(['glad', 'proud'], { error: 'Choose a mood' }),
  }),
);

const KudosDm = effectKind(
  'kudos.dm',
  z.object({
    n: z.number().int(),
    platform: z.enum(['slack', 'discord', 'console']),
    to: z.string(),
    text: z.string(),
  }),
);

const USAGE = '/kudos give <@user> <text> · /kudos note';

export const KUDOS_ROUTE = {
  method: 'POST',
  path: '/api/v1/kudos',
  scope: 'changes:write',
  op: 'kudos.give',
} as const satisfies HttpRouteDecl;
export const KUDOS_CLI = {
  name: 'kudos give',
  usage: 'kudos give <person> [--text words] — thank someone from the command line',
  op: 'kudos.give',
  options: ['text'],
  args: 1,
} as const satisfies CliCommandDecl;

/** Kudos given from outside chat: recorded in the audit log under the caller Steward passes in. */
async function giveOutside(
  k: Kernel,
  state: KudosState,
  ctx: EntryCtx,
  to: string,
  text: string,
): Promise<{ n: number; person: string } | undefined> {
  const person = k.dir().person(to);
  if (!person) return undefined;
  const n = state.given.length + 1;
  state.given.push({ n, to: person.id, text });
  await k.store.transaction((tx) =>
    tx.audit.append(
      { actor: ctx.actor, action: 'kudos.given', subject: `kudos:KUDO-${n}`, after: { to: person.id, by: ctx.by } },
      ctx.now,
    ),
  );
  return { n, person: person.id };
}

function parse(line: string) {
  const { sub, rest } = subcommand(line);
  if (sub === 'note') return build(KudosOps.note, {}, '/kudos note', USAGE);
  if (sub !== 'give') return invalid('COMMAND.INVALID', `/kudos has no subcommand "${sub}".`, `Usage: ${USAGE}`);
  const m = /^(\S+)\s+(.+)$/s.exec(rest.trim());
  if (!m) return invalid('COMMAND.INVALID', '/kudos give needs a person and a few words.', `Usage: ${USAGE}`);
  return build(KudosOps.give, { user: m[1], text: m[2]!.trim() }, '/kudos give', USAGE);
}

export interface KudosState {
  given: { n: number; to: string; text: string }[];
  notes: { text: string; mood: string }[];
  digests: { scope?: string; occurrence: string; late: boolean }[];
}

function noteForm(initial: Record<string, string | undefined>, nonce = Math.random().toString(36).slice(2, 12)): Form {
  return {
    target: { kind: NoteForm.kind, nonce },
    title: 'A kudos note',
    submitLabel: 'Save',
    fields: [
      { id: 'text', label: 'Note', kind: 'paragraph', required: true, maxLength: 500, initial: initial.text },
      {
        id: 'mood',
        label: 'Mood',
        kind: 'select',
        required: true,
        initial: initial.mood,
        options: [
          { value: 'glad', label: 'Glad' },
          { value: 'proud', label: 'Proud' },
        ],
      },
    ],
  };
}

export function kudosModule(state: KudosState): StewardModule {
  return {
    id: 'kudos',
    commands: [
      {
        name: 'kudos',
        description: 'Thank someone for their work',
        usage: USAGE,
        slackHint: 'give <@user> <text> | note',
        parse,
        options: [
          {
            type: 'subcommand',
            name: 'give',
            description: 'Thank someone',
            options: [
              { type: 'user', name: 'user', description: 'Who', required: true },
              { type: 'string', name: 'text', description: 'What for', required: true, maxLength: 200, freeText: true },
            ],
          },
          { type: 'subcommand', name: 'note', description: 'Write a kudos note' },
        ],
      },
    ],
    operations: Object.values(KudosOps),
    forms: [NoteForm],
    routes: [KUDOS_ROUTE],
    cli: [KUDOS_CLI],
    help: [
      { usage: '/kudos give <@user> <text>', what: 'thank someone; they hear it by direct message', writes: true },
    ],
    create(k) {
      const card = (n: number, to: string, what: string) => ({
        title: `KUDO-${n} · kudos to ${to}`,
        tone: 'good' as const,
        body: [strong(to), txt(`: ${what}`)],
        buttons: [
          { label: 'Thank again', command: call(KudosOps.thank, { n }) },
          { label: 'Write a note', command: call(KudosOps.note, {}) },
        ],
      });
      return {
        operations: [
          run(KudosOps.give, async (ctx, a) => {
            const person = resolvePerson(k.dir(), ctx.inv.platform, a.user);
            if (!person) return fail('PERSON.NOT_FOUND', `Steward does not know "${a.user}".`);
            const n = state.given.length + 1;
            state.given.push({ n, to: person.id, text: a.text });
            const to = ctx.inv.platform === 'console' ? person.id : person[ctx.inv.platform];
            await k.store.transaction(async (tx) => {
              if (to)
                await enqueue(
                  tx.outbox,
                  KudosDm,
                  `kudos:${n}`,
                  { n, platform: ctx.inv.platform, to, text: a.text },
                  ctx.now,
                );
              await tx.audit.append(
                { actor: ctx.actor.ref, action: 'kudos.given', subject: `kudos:KUDO-${n}`, after: { to: person.id } },
                ctx.now,
              );
            });
            k.kick();
            return ok(inChannel(card(n, person.name, a.text)));
          }),
          run(KudosOps.note, () => ok({ ...ephemeral(), form: noteForm({}) })),
          run(KudosOps.thank, (_ctx, a) => {
            const g = state.given.find((x) => x.n === a.n);
            return g
              ? ok(ephemeral({ title: `Thanks again for KUDO-${a.n}`, tone: 'good' }))
              : fail('COMMAND.INVALID', `There is no KUDO-${a.n}.`);
          }),
        ],
        routes: [
          route(KUDOS_ROUTE, async (ctx, r) => {
            const body = await r.json(z.object({ to: z.string(), text: z.string().max(200) }).strict());
            if (!body.ok) return body.problem;
            if (!body.value) return { status: 400, body: { error: 'a JSON body is required' } };
            const given = await giveOutside(k, state, ctx, body.value.to, body.value.text);
            return given
              ? { status: 201, body: { id: `KUDO-${given.n}`, to: given.person, actor: ctx.actor } }
              : { status: 422, body: { error: 'unknown person', detail: body.value.to } };
          }),
        ],
        cli: [
          cliCommand(KUDOS_CLI, async (ctx, input, io) => {
            const given = await giveOutside(k, state, ctx, input.args[0]!, input.options.text ?? 'thanks');
            if (!given) {
              io.err(`no person "${input.args[0]}" in the policy`);
              return 1;
            }
            io.out(`KUDO-${given.n} to ${given.person}, given by ${ctx.by}`);
            return 0;
          }),
        ],
        forms: [
          onForm(NoteForm, {
            submit: async (_ctx, _t, v) => {
              state.notes.push(v);
              return ok(ephemeral({ title: 'Note saved', tone: 'good', body: [txt(`${v.mood}: ${v.text}`)] }));
            },
            reopen: (_ctx, t, values) => ok(noteForm(values, t.nonce)),
          }),
        ],
        effects: [
          handle(KudosDm, async (p) => {
            await gatewayOf(k.gateways, p.platform).dm(
              p.to,
              inChannel({ title: `You got kudos (KUDO-${p.n})`, body: [txt(p.text)] }),
            );
          }),
        ],
        jobs: {
          calendar: [
            {
              name: 'kudos-digest',
              catchUp: true,
              slots: (dir) =>
                dir
                  .allTeams()
                  .map((t) => ({ scope: t.id, cron: '0 9 * * *', timezone: t.timezone ?? dir.policy.timezone })),
              run: async (r: CalendarRun) =>
                void state.digests.push({ scope: r.scope, occurrence: r.occurrence.toISOString(), late: r.late }),
            },
          ],
        },
      };
    },
  };
}

export const newKudosState = (): KudosState => ({ given: [], notes: [], digests: [] });
