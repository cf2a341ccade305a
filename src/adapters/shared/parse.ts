// Slash-command text → zod-typed Command, by the grammar of the module that declares the command.
// Shared by Slack, Discord (options joined to text) and the console.
import type { Parsed } from '../../core/module.js';
import { Registry } from '../../core/registry.js';
import { STANDARD_MODULES } from '../../modules.js';
import { formsKernel } from '../../core/forms/kernel.js';

export { tokenize } from '../../core/grammar.js';
export type { Parsed };

let standard: Registry | undefined;
/** The registry of the standard modules (tools and tests that do not compose their own). */
export const standardRegistry = (): Registry =>
  (standard ??= new Registry([formsKernel(new Map()), ...STANDARD_MODULES]));

export function parseCommand(name: string, text: string, registry: Registry = standardRegistry()): Parsed {
  const cmd = name.replace(/^\//, '').toLowerCase();
  const decl = registry.commands.get(cmd);
  if (!decl)
    return {
      ok: false,
      error: { code: 'COMMAND.UNKNOWN', message: `Steward has no command /${cmd}.`, hint: 'Try /steward help.' },
    };
  return decl.parse(text.trim());
}
