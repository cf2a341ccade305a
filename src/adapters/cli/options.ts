// What every operator CLI command shares: its shape, its output, and `--name value` options.
import type { Settings } from '../../config/env.js';

export interface CliIO {
  out(s: string): void;
  err(s: string): void;
}

export type CliCommand = { usage: string; run(args: string[], settings: Settings, io: CliIO): Promise<number> };

/** `--name value` options, `--flag` switches (set to `true`) and the positional arguments around them. */
export function options(
  args: string[],
  names: readonly string[],
  flags: readonly string[] = [],
): { rest: string[]; opts: Record<string, string> } | string {
  const rest: string[] = [];
  const opts: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) {
      rest.push(arg);
      continue;
    }
    const name = m[1]!;
    const next = args[i + 1];
    if (flags.includes(name) && m[2] === undefined) {
      opts[name] = 'true';
      continue;
    }
    if (!names.includes(name))
      return `unknown option --${name} (known: ${[...names, ...flags].map((n) => `--${n}`).join(', ')})`;
    else if (m[2] !== undefined) opts[name] = m[2];
    else if (next !== undefined) {
      opts[name] = next;
      i++;
    } else return `--${name} needs a value`;
  }
  return { rest, opts };
}
