// Shared pieces of the slash-command grammars the modules declare: tokens, typed building, errors.
import type { CoreError, ErrorCode } from './errors.js';
import type { OperationDecl, Parsed } from './module.js';

/** Splits on whitespace, keeping "quoted strings" together. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|“([^”]*)”|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

export function invalid(code: ErrorCode, message: string, hint?: string): Parsed {
  const error: CoreError = { code, message, hint };
  return { ok: false, error };
}

/** Checks the arguments against the operation's schema; a failure names the argument and shows `usage`. */
export function build(op: OperationDecl, args: Record<string, unknown>, label: string, usage: string): Parsed {
  const r = op.args.safeParse(args);
  if (r.success) return { ok: true, command: { kind: op.kind, ...(r.data as Record<string, unknown>) } };
  const issue = r.error.issues[0];
  return invalid('COMMAND.INVALID', `${label}: ${issue.path.join('.') || 'input'} ${issue.message}.`, `Usage: ${usage}`);
}

/** `/name sub rest…` split into the lowercased subcommand and the rest of the line as typed. */
export function subcommand(text: string): { sub: string; rest: string } {
  const m = /^(\S*)\s*(.*)$/s.exec(text.trim())!;
  return { sub: m[1].toLowerCase(), rest: m[2] };
}
