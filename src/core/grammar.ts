// Shared pieces of the slash-command grammars the modules declare: tokens, typed building, errors.
import type { CoreError, ErrorCode } from './errors.js';
import type { OperationDecl, Parsed } from './module.js';

const CLOSE = new Map([
  ['"', '"'],
  ['“', '”'],
]);
const blank = (c: string) => /\s/.test(c);

/** Splits on whitespace, keeping "quoted strings" together; an unclosed quote is part of its word.
 *  One pass: each closing quote is looked up once (a regex retried the rest of the text from every
 *  unclosed quote, which was quadratic). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  const nextClose = new Map<string, number>();
  const closeAt = (q: string, from: number) => {
    let at = nextClose.get(q);
    if (at === undefined || (at !== -1 && at < from)) nextClose.set(q, (at = text.indexOf(q, from)));
    return at;
  };
  let i = 0;
  while (i < n) {
    if (blank(text.charAt(i))) {
      i++;
      continue;
    }
    const close = CLOSE.get(text.charAt(i));
    const end = close ? closeAt(close, i + 1) : -1;
    if (close && end >= 0) {
      out.push(text.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    const start = i;
    while (i < n && !blank(text.charAt(i))) i++;
    out.push(text.slice(start, i));
  }
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
  return invalid(
    'COMMAND.INVALID',
    `${label}: ${issue?.path.join('.') || 'input'} ${issue?.message ?? 'is invalid'}.`,
    `Usage: ${usage}`,
  );
}

/** `/name sub rest…` split into the lowercased subcommand and the rest of the line as typed. */
export function subcommand(text: string): { sub: string; rest: string } {
  const m = /^(\S*)\s*(.*)$/s.exec(text.trim())!;
  return { sub: m[1]!.toLowerCase(), rest: m[2]! };
}
