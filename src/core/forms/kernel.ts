// The forms kernel: opening a form again with the values typed so far (the button shown where a
// platform cannot keep a form open on errors), and pruning the drafts that makes possible.
import { z } from 'zod';
import { numberRef } from '../args.js';
import { ephemeral, txt } from '../card.js';
import { fail, ok } from '../errors.js';
import { type FormRuntime, type StewardModule, operation, run } from '../module.js';

/** Drafts are kept this long: a form is reopened within minutes, or not at all. */
export const DRAFT_TTL_MS = 86_400_000;

export const FormOps = {
  reopen: operation(
    'form.reopen',
    z.object({
      form: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/),
      number: numberRef().optional(),
      nonce: z.string().regex(/^[A-Za-z0-9_-]{6,32}$/),
    }),
    'member',
  ),
};

/** Built by Steward with the form runtimes every module registered. */
export function formsKernel(forms: ReadonlyMap<string, FormRuntime>): StewardModule {
  return {
    id: 'forms',
    commands: [],
    operations: [FormOps.reopen],
    help: [],
    create: (k) => ({
      operations: [
        run(FormOps.reopen, async (ctx, a) => {
          const rt = forms.get(a.form);
          if (!rt)
            return fail('ACTION.EXPIRED', 'This form is no longer understood by Steward.', `unknown form "${a.form}"`);
          const draft = await k.store.transaction((tx) => tx.drafts.get(a.nonce));
          const values = draft?.kind === a.form ? draft.values : {};
          const r = await rt.reopen(ctx, { kind: a.form, number: a.number, nonce: a.nonce }, values);
          if (!r.ok) return r;
          return ok({
            ...ephemeral(
              ...(draft
                ? []
                : [
                    {
                      title: 'The values typed before are gone; the form opens empty.',
                      tone: 'info' as const,
                      body: [txt('Fill it in again.')],
                    },
                  ]),
            ),
            form: r.value,
          });
        }),
      ],
      jobs: {
        interval: [
          {
            name: 'form-drafts-prune',
            everyMs: 3_600_000,
            run: async (now) =>
              void (await k.store.transaction((tx) => tx.drafts.prune(new Date(now.getTime() - DRAFT_TTL_MS)))),
          },
        ],
      },
    }),
  };
}
