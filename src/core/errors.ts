// Expected failures are values with codes, shown to the user; only bugs throw.

export type ErrorCode =
  | 'COMMAND.UNKNOWN'
  | 'COMMAND.INVALID'
  | 'AUTH.UNKNOWN_USER'
  | 'AUTH.FORBIDDEN'
  | 'SERVICE.NOT_FOUND'
  | 'TEAM.NOT_FOUND'
  | 'ACTION.EXPIRED'
  | 'INTERNAL';

export interface CoreError {
  code: ErrorCode;
  message: string;
  /** Optional hint on what to do instead. */
  hint?: string;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: CoreError };

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string, hint?: string): Outcome<never> => ({ ok: false, error: { code, message, hint } });
