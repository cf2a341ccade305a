// Repository port of on-call overrides (implemented in src/store/pages.ts).

export interface OncallOverrideRow {
  id: number;
  scheduleId: string;
  personId: string;
  startsAt: Date;
  endsAt: Date;
  covers: string | null;
  createdBy: string;
  createdAt: Date;
  /** Set when the cover was cancelled: it no longer counts from this instant on. */
  cancelledAt: Date | null;
  cancelledBy: string | null;
}

export interface OverrideRepo {
  create(o: Omit<OncallOverrideRow, 'id' | 'cancelledAt' | 'cancelledBy'>): Promise<OncallOverrideRow>;
  byId(id: number): Promise<OncallOverrideRow | null>;
  /**
   * Overrides of these schedules in force at some instant of [from, to): they start before `to` and
   * end after `from`, where a cancelled one ends at its `cancelledAt` (one cancelled before it
   * started never counts).
   */
  active(scheduleIds: readonly string[], from: Date, to: Date): Promise<OncallOverrideRow[]>;
  /** Cancels an override not cancelled yet that has not ended at `at` (one conditional update); null otherwise. */
  cancel(id: number, by: string, at: Date): Promise<OncallOverrideRow | null>;
}

declare module '../ports.js' {
  interface Tx {
    overrides: OverrideRepo;
  }
}
