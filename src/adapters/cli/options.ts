// What every operator CLI command shares: its shape, its output, and `--name value` options.
import type { Settings } from '../../config/env.js';

export interface CliIO {
  out(s: string): void;
  err(s: string): void;
}

export type CliCommand = { usage: string; run(args: string[], settings: Settings, io: CliIO): Promise<number> };

/** `--name value` options and the positional arguments around them. */
export function options(
  args: string[],
  names: readonly string[],
): { rest: string[]; opts: Record<string, string> } | string {
  const rest: string[] = [];
  const opts: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(args[i]);
    if (!m) rest.push(args[i]);
    else if (!names.includes(m[1])) return `unknown option --${m[1]} (known: ${names.map((n) => `--${n}`).join(', ')})`;
    else if (m[2] !== undefined) opts[m[1]] = m[2];
    else if (i + 1 < args.length) opts[m[1]] = args[++i];
    else return `--${m[1]} needs a value`;
  }
  return { rest, opts };
}
