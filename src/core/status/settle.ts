// Closes every public change, in its transaction: each component's shown status is worked out
// again from what was set by hand and the events that affect it, a change of status closes one
// outage period and opens the next (the uptime history), and the page's version moves on so every
// replica renders the page again.
import type { Tx } from '../ports.js';
import { type ComponentState, type ComponentStatus, componentStatus } from './model.js';
import type { StatusPagePolicy } from './policy-section.js';

/** Recomputes the components and bumps the page's version; the components whose status moved. */
export async function settle(tx: Tx, sp: StatusPagePolicy, at: Date): Promise<string[]> {
  const active = await tx.status.activeEvents();
  const rows = new Map((await tx.status.components()).map((c) => [c.id, c]));
  const moved: string[] = [];
  for (const comp of sp.components) {
    const row = rows.get(comp.id);
    const manual = row?.manual ?? null;
    const status = componentStatus(comp.id, manual, active);
    if (row && row.status === status) continue;
    await record(tx, comp.id, row?.status ?? 'operational', status, at);
    await tx.status.saveComponent({ id: comp.id, manual, status, since: at, createdAt: row?.createdAt ?? at });
    if (row) moved.push(comp.id);
  }
  await tx.status.bump(at);
  return moved;
}

/** A component's status set by hand (null: none), then everything settled. */
export async function setManual(
  tx: Tx,
  sp: StatusPagePolicy,
  id: string,
  manual: ComponentStatus | null,
  at: Date,
): Promise<void> {
  const row = (await tx.status.components()).find((c) => c.id === id);
  const base: ComponentState = row ?? { id, manual: null, status: 'operational', since: at, createdAt: at };
  await tx.status.saveComponent({ ...base, manual });
  await settle(tx, sp, at);
}

/** Components Steward has never recorded get their row (the start of their uptime history). */
export async function ensureComponents(tx: Tx, sp: StatusPagePolicy, at: Date): Promise<number> {
  const known = new Set((await tx.status.components()).map((c) => c.id));
  const missing = sp.components.filter((c) => !known.has(c.id));
  if (!missing.length) return 0;
  await settle(tx, sp, at);
  return missing.length;
}

async function record(tx: Tx, id: string, from: ComponentStatus, to: ComponentStatus, at: Date) {
  if (to !== 'operational') await tx.status.openPeriod(id, to, at);
  else if (from !== 'operational') await tx.status.closePeriod(id, at);
}
