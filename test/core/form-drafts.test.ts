// Form drafts through the real core and store (SQLite and PostgreSQL): a submission with field
// errors keeps what was typed, the error carries the command that reopens the same form with it,
// and the hourly prune forgets drafts older than a day (the form then reopens empty and says so).
import { afterEach, expect, it } from 'vitest';
import { loadPolicyFile } from '../../src/config/policy.js';
import type { Invocation } from '../../src/core/context.js';
import { DRAFT_TTL_MS } from '../../src/core/forms/kernel.js';
import { Steward } from '../../src/core/steward.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { openStore } from '../../src/store/index.js';
import { forEachDialect } from '../support/databases.js';
import { fixedClock } from '../support/clock.js';

const policy = loadPolicyFile(new URL('../../manifests/policy.example.yaml', import.meta.url).pathname);
const alice: Invocation = { platform: 'console', userId: 'alice', requestId: 'test' };
const T0 = Date.UTC(2026, 11, 1, 9, 0);

await forEachDialect('form drafts', ({ createDatabase }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('an invalid form keeps its values for reopening until the prune a day later', async () => {
    const db = await createDatabase();
    cleanup.push(() => db.drop());
    const store = await openStore({ url: db.url, migrate: true });
    cleanup.push(() => store.close());
    let now = T0;
    const steward = new Steward({ store, clock: fixedClock(() => now), policy, modules: STANDARD_MODULES });
    cleanup.push(() => steward.outbox.stop());
    const prune = steward.jobs().interval.find((j) => j.name === 'form-drafts-prune')!;
    expect(prune.everyMs).toBe(3_600_000);

    const opened = await steward.execute(alice, { kind: 'incident.declare', title: 'DB' });
    if (!opened.ok || !opened.value.form) throw new Error('no form');
    const target = opened.value.form.target;
    const r = await steward.submit(alice, target, { title: 'DB', summary: 'replica lag', page: 'yes' });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'FORM.INVALID', fields: { title: 'Use at least 3 characters', severity: 'Choose a severity' } },
    });
    const reopen = !r.ok ? r.error.reopen! : undefined;
    expect(reopen).toEqual({ kind: 'form.reopen', form: 'incident.declare', number: undefined, nonce: target.nonce });

    const again = await steward.execute(alice, reopen!);
    if (!again.ok || !again.value.form) throw new Error('not reopened');
    expect(again.value.form.target).toEqual(target);
    const initial = Object.fromEntries(again.value.form.fields.map((f) => [f.id, f.initial]));
    expect(initial).toMatchObject({ title: 'DB', summary: 'replica lag', page: 'yes', severity: undefined });
    expect(again.value.cards).toEqual([]);

    // Exactly a day after it was kept the draft is still there; a millisecond later it is gone.
    now = T0 + DRAFT_TTL_MS;
    await prune.run(new Date(now));
    expect(await store.transaction((tx) => tx.drafts.get(target.nonce))).not.toBeNull();
    now = T0 + DRAFT_TTL_MS + 1;
    await prune.run(new Date(now));
    expect(await store.transaction((tx) => tx.drafts.get(target.nonce))).toBeNull();
    const empty = await steward.execute(alice, reopen!);
    if (!empty.ok || !empty.value.form) throw new Error('not reopened');
    expect(empty.value.form.fields.find((f) => f.id === 'title')!.initial).toBeUndefined();
    expect(empty.value.cards.map((c) => c.title)).toEqual(['The values typed before are gone; the form opens empty.']);
  });
});
