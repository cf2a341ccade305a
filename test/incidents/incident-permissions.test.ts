// Who may change an incident, through the real Steward core and store (SQLite and PostgreSQL):
// every state change has its rule in incidents.permissions, refused in the core with the rule's
// words, through commands and forms alike; closing an incident leaves open the pages its closer
// may not resolve.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { STANDARD_MODULES } from '../../src/modules.js';
import type { Invocation } from '../../src/core/context.js';
import { PolicyError, parsePolicy } from '../../src/config/policy.js';
import { Steward } from '../../src/core/steward.js';
import { ConsoleGateway } from '../../src/adapters/console/gateway.js';
import { openStore } from '../../src/store/index.js';
import { forEachDialect } from '../support/databases.js';
import { fixedClock } from '../support/clock.js';

const example = readFileSync(new URL('../../manifests/policy.example.yaml', import.meta.url).pathname, 'utf8');
const ROLES_LINE = '  roles: [commander, communications, scribe]\n';
/** The example policy with extra lines under `incidents:`. */
function policyWith(incidentLines = ''): ReturnType<typeof parsePolicy> {
  if (!example.includes(ROLES_LINE)) throw new Error('the example policy changed shape');
  return parsePolicy(example.replace(ROLES_LINE, ROLES_LINE + incidentLines));
}
const as = (user: string): Invocation => ({ platform: 'console', userId: user, requestId: 'test' });
type Result = { ok: boolean; value?: { cards: { title: string }[] }; error?: { code: string; message: string } };
const outcome = (r: Result) =>
  r.ok ? `ok: ${r.value!.cards[0]?.title ?? ''}` : `${r.error!.code}: ${r.error!.message}`;

/** Every change of an incident as a command, by action name. */
const COMMANDS = {
  update: { kind: 'incident.update', incident: 1, text: 'Rolled back' },
  status: { kind: 'incident.status', incident: 1, status: 'identified' },
  close: { kind: 'incident.status', incident: 1, status: 'declined', text: 'false alarm' },
  cancel: { kind: 'incident.status', incident: 1, status: 'cancelled' },
  severity: { kind: 'incident.severity', incident: 1, severity: 'SEV1' },
  role: { kind: 'incident.role', incident: 1, role: 'scribe', user: '@dave' },
  commander: { kind: 'incident.role', incident: 1, role: 'commander', user: '@carol' },
  resolve: { kind: 'incident.resolve', incident: 1, summary: 'fixed' },
  warRoom: { kind: 'incident.retry_war_room', incident: 1 },
} as const;

await forEachDialect('incident permissions', ({ createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup(policy = policyWith()) {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    const steward = new Steward({
      store,
      clock: fixedClock('2026-03-08T06:30:00.000Z'),
      policy,
      modules: STANDARD_MODULES,
    });
    cleanup.push(() => steward.outbox.stop());
    steward.gateways.set('console', new ConsoleGateway({ show: () => {}, note: () => {}, enter: () => {} }, 'alice'));
    /** Alice declares INC-1 on payments-api (team payments: alice, bob), paging its on-call. */
    const declare = async () => {
      const form = await steward.execute(as('alice'), { kind: 'incident.declare', title: 'Card payments failing' });
      if (!form.ok || !form.value.form) throw new Error('no declare form');
      const r = await steward.submit(as('alice'), form.value.form.target, {
        title: 'Card payments failing',
        severity: 'SEV2',
        service: 'payments-api',
        summary: 'declines',
        page: 'yes',
      });
      if (!r.ok) throw new Error(JSON.stringify(r));
      await steward.outbox.kick();
    };
    const exec = async (user: string, action: keyof typeof COMMANDS) =>
      outcome(await steward.execute(as(user), COMMANDS[action]));
    const incident = () => store.transaction(async (tx) => (await tx.incidents.byNumber(1))!);
    const page = () => store.transaction(async (tx) => (await tx.pages.list({ incidentNumber: 1 }))[0]);
    const audit = async () =>
      (await store.auditReader.page(0, 100)).map((a) => a.action).filter((a) => !a.startsWith('identity.'));
    /** Opens a form from the summary card's button and submits it. */
    const viaForm = async (
      user: string,
      form: 'status' | 'severity' | 'role' | 'resolve',
      values: Record<string, string>,
    ) => {
      const opened = (await steward.execute(as(user), { kind: 'incident.form', incident: 1, form })) as Result & {
        value?: { form?: { target: never } };
      };
      if (!opened.ok) return outcome(opened);
      return outcome(await steward.submit(as(user), opened.value!.form!.target, values));
    };
    return { steward, store, declare, exec, incident, page, audit, viaForm };
  }

  it('every change has its own rule: with all of them set to "team", another team is refused each one and changes nothing', async () => {
    const actions = ['update', 'status', 'close', 'severity', 'role', 'commander', 'resolve', 'warRoom'];
    const { declare, exec, incident, audit, page, viaForm } = await setup(
      policyWith(`  permissions: { ${actions.map((a) => `${a}: [team]`).join(', ')} }\n`),
    );
    await declare();
    const before = await incident();
    const auditBefore = await audit();
    const verbs = {
      update: 'post updates to',
      status: 'change the status of',
      close: 'decline or cancel',
      cancel: 'decline or cancel',
      severity: 'change the severity of',
      role: 'assign roles in',
      commander: 'hand over command of',
      resolve: 'resolve',
      warRoom: 'retry the war room of',
    };
    for (const action of Object.keys(COMMANDS) as (keyof typeof COMMANDS)[])
      expect([action, await exec('carol', action)]).toEqual([
        action,
        `AUTH.FORBIDDEN: Only the service's team may ${verbs[action]} INC-1.`,
      ]);
    // Forms refuse before they open, and their submissions are checked again.
    for (const form of ['status', 'severity', 'role', 'resolve'] as const)
      expect(await viaForm('carol', form, {})).toMatch(/^AUTH.FORBIDDEN: Only the service's team may /);
    expect(await incident()).toEqual(before);
    expect(await audit()).toEqual(auditBefore);
    expect((await page())!.status).toBe('open');

    // Bob is on the service's team (not declarer, no role): each change goes through.
    expect(await exec('bob', 'update')).toBe('ok: INC-1: Rolled back');
    expect(await exec('bob', 'status')).toBe('ok: INC-1: Status investigating → identified');
    expect(await exec('bob', 'severity')).toBe('ok: INC-1: Severity SEV2 → SEV1');
    expect(await exec('bob', 'role')).toBe('ok: INC-1: Dave Ops is now scribe');
    expect(await exec('bob', 'commander')).toBe('ok: INC-1: Carol Danvers is now commander');
    expect(await exec('bob', 'warRoom')).toBe('INCIDENT.UNCHANGED: INC-1 already has its war room.');
    expect(await exec('bob', 'close')).toBe('ok: INC-1: Status identified → declined: false alarm');
    expect((await page())!.status).toBe('resolved');
  });

  it('by default anyone in the policy may update, set open statuses, severity and other roles; declining, cancelling, taking command and resolving are refused', async () => {
    const { declare, exec, incident, page, viaForm } = await setup();
    await declare();
    expect(await exec('carol', 'close')).toBe(
      'AUTH.FORBIDDEN: Only the commander or declarer may decline or cancel INC-1.',
    );
    expect(await exec('carol', 'cancel')).toBe(
      'AUTH.FORBIDDEN: Only the commander or declarer may decline or cancel INC-1.',
    );
    expect(await exec('carol', 'commander')).toBe(
      'AUTH.FORBIDDEN: Only the commander or declarer may hand over command of INC-1.',
    );
    expect(await exec('carol', 'resolve')).toBe('AUTH.FORBIDDEN: Only the commander or declarer may resolve INC-1.');
    // The status form opens (open statuses are hers to set) but a closing status is refused on submit.
    expect(await viaForm('carol', 'status', { status: 'declined', text: 'not ours' })).toBe(
      'AUTH.FORBIDDEN: Only the commander or declarer may decline or cancel INC-1.',
    );
    expect(await viaForm('carol', 'role', { role: 'commander', person: 'carol' })).toBe(
      'AUTH.FORBIDDEN: Only the commander or declarer may hand over command of INC-1.',
    );
    expect(await viaForm('carol', 'resolve', { summary: 'x' })).toBe(
      'AUTH.FORBIDDEN: Only the commander or declarer may resolve INC-1.',
    );
    expect(await incident()).toMatchObject({ status: 'investigating', roles: { commander: 'alice' } });
    // Her page keeps escalating.
    expect((await page())!.status).toBe('open');

    expect(await exec('carol', 'update')).toBe('ok: INC-1: Rolled back');
    expect(await exec('carol', 'status')).toBe('ok: INC-1: Status investigating → identified');
    expect(await exec('carol', 'severity')).toBe('ok: INC-1: Severity SEV2 → SEV1');
    expect(await exec('carol', 'role')).toBe('ok: INC-1: Dave Ops is now scribe');
    expect(await viaForm('carol', 'severity', { severity: 'SEV3' })).toBe('ok: INC-1: Severity SEV1 → SEV3');

    // The declarer hands command to carol; then she may resolve, but the page is not hers to resolve (paging.acknowledge).
    expect(await exec('alice', 'commander')).toBe('ok: INC-1: Carol Danvers is now commander');
    expect(await exec('carol', 'resolve')).toBe('ok: INC-1: Resolved: fixed');
    expect((await page())!.status).toBe('open');
  });

  it('closing is allowed to anyone by the policy, but a page the closer may not resolve keeps escalating, and the timeline says why', async () => {
    const { declare, exec, incident, page, store } = await setup(policyWith('  permissions: { close: [anyone] }\n'));
    await declare();
    expect(await exec('carol', 'close')).toBe('ok: INC-1: Status investigating → declined: false alarm');
    expect((await incident()).status).toBe('declined');
    expect((await page())!.status).toBe('open');
    const id = (await incident()).id;
    const timeline = await store.transaction((tx) => tx.incidents.timeline(id));
    expect(timeline.map((t) => t.text)).toContain(
      'PAGE-1 left open: Carol Danvers may not resolve it (policy paging.acknowledge)',
    );
  });

  it('the older incidents.resolve key still decides resolving when permissions.resolve is not set', async () => {
    const { declare, exec } = await setup(policyWith('  resolve: [anyone]\n'));
    await declare();
    expect(await exec('dave', 'resolve')).toBe('ok: INC-1: Resolved: fixed');
  });
});

describe('incidents.permissions in the policy', () => {
  it('a rule naming neither a role nor declarer, team, owners or anyone is refused with its path', () => {
    expect(() => policyWith('  permissions: { close: [captain] }\n')).toThrow(PolicyError);
    try {
      policyWith('  permissions: { close: [captain] }\n');
    } catch (e) {
      expect(String((e as Error).message)).toContain('incidents.permissions.close');
      expect(String((e as Error).message)).toContain(
        '"captain" is not one of incidents.roles (commander, communications, scribe)',
      );
    }
    expect(() => policyWith('  permissions: { reopen: [anyone] }\n')).toThrow(PolicyError);
  });
});
