// Expected failures are values with codes, shown to the user; only bugs throw.
import type { Command } from './card.js';

export type ErrorCode =
  | 'COMMAND.UNKNOWN'
  | 'COMMAND.INVALID'
  | 'AUTH.UNKNOWN_USER'
  | 'AUTH.FORBIDDEN'
  | 'SERVICE.NOT_FOUND'
  | 'TEAM.NOT_FOUND'
  | 'ACTION.EXPIRED'
  | 'INTERNAL'
  | 'FORM.INVALID'
  | 'INCIDENT.NOT_FOUND'
  | 'INCIDENT.NOT_IN_WAR_ROOM'
  | 'INCIDENT.CLOSED'
  | 'INCIDENT.UNCHANGED'
  | 'INCIDENT.CONFLICT'
  | 'PERSON.NOT_FOUND'
  | 'SCHEDULE.NOT_FOUND'
  | 'OVERRIDE.NOT_FOUND'
  | 'ONCALL.UNCHANGED'
  | 'PAGE.NOT_FOUND'
  | 'PAGE.UNCHANGED'
  | 'PAGE.NO_PATH'
  | 'CHANGE.NOT_FOUND'
  | 'CHANGE.DECIDED'
  | 'CHANGE.STATE'
  | 'CHANGE.NOT_APPROVED'
  | 'CHANGE.OUTSIDE_WINDOW'
  | 'FINDING.STATE'
  | 'EXCEPTION.NOT_FOUND'
  | 'EXCEPTION.OPEN'
  | 'EXCEPTION.DECIDED'
  | 'ALERT.NOT_FOUND'
  | 'ALERT.UNCHANGED'
  | 'SILENCE.NOT_FOUND'
  | 'HEARTBEAT.NOT_FOUND'
  | 'STATUS.NOT_CONFIGURED'
  | 'STATUS.NOT_PUBLISHED'
  | 'STATUS.PUBLISHED'
  | 'STATUS.RESOLVED'
  | 'STATUS.NO_COMPONENT'
  | 'STATUS.UNKNOWN_COMPONENT';

export interface CoreError {
  code: ErrorCode;
  message: string;
  /** Optional hint on what to do instead. */
  hint?: string;
  /** Per-field messages for an invalid form (shown inline where the platform can). */
  fields?: Record<string, string>;
  /** For an invalid form: the command that opens it again with the values typed so far. */
  reopen?: Command;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: CoreError };

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string, hint?: string): Outcome<never> => ({
  ok: false,
  error: { code, message, hint },
});
export const invalidForm = (fields: Record<string, string>): Outcome<never> => ({
  ok: false,
  error: {
    code: 'FORM.INVALID',
    message: 'Some fields need another look.',
    hint: Object.entries(fields)
      .map(([k, v]) => `${k}: ${v}`)
      .join(' · '),
    fields,
  },
});
