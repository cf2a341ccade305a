// A Steward with the status page policy (test/fixtures/status-page.policy.yaml) on a real database,
// driven through the real dispatcher from Slack and Discord (recording chat platforms stand for
// them), with a manual clock; its public site served directly, as the HTTP adapter serves it.
import { loadPolicyFile } from '../../src/config/policy.js';
import { type Reply, plain } from '../../src/core/card.js';
import { STATUS_SERVICE } from '../../src/core/status/links.js';
import { Steward } from '../../src/core/steward.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { openStore } from '../../src/store/index.js';
import { ManualClock } from './../support/clock.js';
import type { TestDatabase } from '../support/databases.js';
import { ChatRecorder, chatOf } from '../support/dispatch.js';

export const STATUS_POLICY = new URL('../fixtures/status-page.policy.yaml', import.meta.url).pathname;
export const SLACK = { alice: 'U0ALICE', bob: 'U0BOB', carol: 'U0CAROL', dave: 'U0DAVE', erin: 'U0ERIN' } as const;
export const DISCORD = {
  alice: '111111111111111111',
  bob: '111111111111111112',
  carol: '111111111111111113',
  dave: '111111111111111114',
  erin: '111111111111111115',
} as const;
/** The policy's public announce channels (statusPage.announce). */
export const PUBLIC = { slack: 'C0STATUS', discord: '666666666666666666' } as const;
export const MIN = 60_000;
export const HOUR = 60 * MIN;

/** The Statuspage API paths below api/v2/. */
export const API = [
  'summary.json',
  'status.json',
  'components.json',
  'incidents.json',
  'incidents/unresolved.json',
  'scheduled-maintenances.json',
  'scheduled-maintenances/upcoming.json',
  'scheduled-maintenances/active.json',
] as const;

export interface Served {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** Everything a reply shows: titles, bodies, fields, sections and small print. */
export const shown = (r: Reply) =>
  r.cards
    .flatMap((c) => [
      c.title,
      plain(c.body ?? []),
      ...(c.fields ?? []).map((f) => `${f.label}\n${plain(f.value)}`),
      ...(c.sections ?? []).map((s) => `${s.heading ?? ''}\n${plain(s.body)}`),
      plain(c.context ?? []),
    ])
    .join('\n');

export async function statusSteward(
  db: TestDatabase,
  start: number | string,
  cleanup: (fn: () => Promise<void>) => void,
  policyFile = STATUS_POLICY,
) {
  const clock = new ManualClock(start);
  const store = await openStore({ url: db.url, migrate: true });
  cleanup(() => store.close());
  const steward = new Steward({ store, clock, policy: loadPolicyFile(policyFile), modules: STANDARD_MODULES });
  cleanup(() => steward.outbox.stop());
  const slack = new ChatRecorder('slack');
  const discord = new ChatRecorder('discord');
  steward.gateways.set('slack', slack);
  steward.gateways.set('discord', discord);
  const chat = chatOf(steward);
  const service = steward.part(STATUS_SERVICE);
  await service.ensureComponents();
  const site = steward.site('status')!;
  /** GET (or HEAD) a path of the site as mounted at /status. */
  const get = async (path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') => {
    const a = await site.serve({ method, path, base: '/status', header: (n) => headers[n.toLowerCase()] });
    const text = typeof a.body === 'string' ? a.body : Buffer.from(a.body).toString('utf8');
    return { status: a.status, headers: a.headers, text } satisfies Served;
  };
  const api = async (path: (typeof API)[number]) =>
    JSON.parse((await get(`/api/v2/${path}`)).text) as Record<string, any>;
  const settled = () => chat.dispatcher.settled();

  /** INC-n declared by `who` on Slack (from #general), its war room and announcement done. */
  async function declare(
    v: { title: string; severity: string; service?: string; summary?: string },
    who: string = SLACK.alice,
  ) {
    const opened = await chat.command('slack', who, 'incident', `declare ${v.title}`, 'C0GENERAL');
    const done = await chat.submit('slack', who, opened.form!, { summary: '', ...v }, 'C0GENERAL');
    await settled();
    return done.reply;
  }

  /** `/incident publish INC-n` on Slack by `who`, submitted with `values` over the form's own. */
  async function publish(n: number, values: Record<string, string> = {}, who: string = SLACK.alice) {
    const opened = await chat.command('slack', who, 'incident', `publish INC-${n}`);
    if (!opened.form) return { opened, submitted: undefined };
    const initial = Object.fromEntries(opened.form.fields.map((f) => [f.id, f.initial ?? '']));
    const submitted = await chat.submit('slack', who, opened.form, { ...initial, ...values });
    await settled();
    return { opened, submitted };
  }

  /** A change requested on Slack by `who`; with `approver`, approved by them with their message's Approve button. */
  async function change(
    v: { title: string; service: string; kind: string; window: string },
    who: string = SLACK.bob,
    approver?: string,
  ) {
    const opened = await chat.command('slack', who, 'change', `request ${v.title}`);
    const done = await chat.submit('slack', who, opened.form!, {
      details: 'Roll back by restoring the snapshot.',
      ...v,
    });
    const n = Number(/CHG-(\d+)/.exec(done.reply.cards[0]?.title ?? '')?.[1]);
    if (!n) throw new Error(`no change requested: ${shown(done.reply)}`);
    await settled();
    if (approver) {
      const ask = slack.dmReplies(approver, `CHG-${n}`).at(-1);
      if (!ask) throw new Error(`${approver} was not asked to approve CHG-${n}`);
      const r = await chat.click('slack', approver, ask, 'Approve');
      if (!/approved|Approved/.test(shown(r))) throw new Error(`approval refused: ${shown(r)}`);
      await settled();
    }
    return n;
  }

  return { clock, store, steward, slack, discord, chat, service, site, get, api, settled, declare, publish, change };
}

export type StatusTest = Awaited<ReturnType<typeof statusSteward>>;
