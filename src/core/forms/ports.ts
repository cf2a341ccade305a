// Form drafts: the values of a form that came back with field errors, kept so that it can be
// opened again with everything typed so far (implemented in src/store/form-drafts.ts).

export interface FormDraftRepo {
  /** Keeps (or replaces) the values typed into the form with this nonce. */
  save(nonce: string, kind: string, values: Record<string, string>, at: Date): Promise<void>;
  get(nonce: string): Promise<{ kind: string; values: Record<string, string> } | null>;
  /** Removes drafts kept before `before`; how many. */
  prune(before: Date): Promise<number>;
}
