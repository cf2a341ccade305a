// What a domain declares about itself, once: its slash command (grammar, typed arguments,
// Discord options, Slack usage hint), the operations commands and buttons run, its forms, help
// entries, outbox effect kinds and scheduled jobs. `Steward` composes a list of modules; adapters,
// help, manifests and the scheduler read what the modules declare and never name a domain.
import type { z } from 'zod';
import type { Directory } from './directory.js';
import type { Command, Form, FormTarget, Reply } from './card.js';
import type { ChatGateway } from './chat/gateway.js';
import type { Clock } from './clock.js';
import type { Access, Ctx } from './context.js';
import type { CoreError, Outcome } from './errors.js';
import type { CalendarJob, IntervalJob } from './jobs/job.js';
import { type CliCommandDecl, type CliRun, type HttpRouteDecl, type HttpRun, routeKey } from './entry.js';
import type { EffectHandler } from './outbox/effects.js';
import type { Platform } from './platform.js';
import type { PolicyChecker } from './policy/check.js';
import type { Store } from './ports.js';
import type { SiteDecl, SiteRuntime } from './site.js';

// ---- links: interfaces one module offers another ----

/**
 * The name a module provides an interface under, typed by that interface: declared in the
 * providing or the asking domain's links.ts, so `link(key)` and `provide(key, value)` are checked.
 */
export type LinkKey<T> = string & { readonly __provides?: T };
export const linkKey = <T>(name: string): LinkKey<T> => name;

/** One interface a module provides (ModuleRuntime.provides). */
export interface Provided {
  key: string;
  value: unknown;
}
export const provide = <T>(key: LinkKey<T>, value: T): Provided => ({ key, value });

// ---- operations: what a command or a button runs ----

type ArgsSchema = z.ZodObject<z.ZodRawShape>;

/** One thing the core can be asked to do, with its zod-typed arguments (the `kind` is not one). */
export interface OperationDecl<S extends ArgsSchema = ArgsSchema> {
  kind: string;
  args: S;
  /** Argument names in the order a compact button encoding carries them. */
  order: readonly string[];
  access: Access;
}

/** Declares an operation; `order` defaults to the schema's key order. */
export function operation<S extends ArgsSchema>(
  kind: string,
  args: S,
  access: Access,
  order?: readonly (keyof z.infer<S> & string)[],
): OperationDecl<S> {
  return { kind, args, access, order: order ?? Object.keys(args.shape) };
}

/** A command value for an operation (a button's command), checked by the compiler. */
export const call = <S extends ArgsSchema>(op: OperationDecl<S>, args: z.input<S>): Command => ({
  kind: op.kind,
  ...(args as object),
});

export type OperationRun = (ctx: Ctx, args: never) => Outcome<Reply> | Promise<Outcome<Reply>>;

/** Binds an operation to the code that runs it, with the arguments typed by its schema. */
export const run = <S extends ArgsSchema>(
  op: OperationDecl<S>,
  fn: (ctx: Ctx, args: z.infer<S>) => Outcome<Reply> | Promise<Outcome<Reply>>,
): [string, OperationRun] => [op.kind, fn];

// ---- slash commands ----

/** A Discord command option, described without Discord's numbers (the adapter maps them). */
export interface CommandOption {
  name: string;
  description: string;
  /** `boolean`: a flag, read as `--<name>` when set (e.g. `/incident update --public`). */
  type: 'subcommand' | 'string' | 'user' | 'integer' | 'boolean';
  required?: boolean;
  maxLength?: number;
  choices?: { name: string; value: string }[];
  options?: CommandOption[];
  /** Free text: kept as typed and placed last when the options are read as a command line. */
  freeText?: boolean;
  /** A reference such as `INC-7`: `7`, `#7`, `inc-7` are read as `INC-7`, anything else is refused with `noun` and `hint`. */
  ref?: { prefix: string; noun: string; hint: string };
}

export type Parsed = { ok: true; command: Command } | { ok: false; error: CoreError };

export interface SlashCommandDecl {
  /** Without the slash: `incident`. */
  name: string;
  description: string;
  /** Shown with every grammar error: `/service list [team] · /service show <id>`. */
  usage: string;
  /** Slack's `usage_hint` in the app manifest. */
  slackHint: string;
  /** Discord options (subcommands and their options), for the Discord command manifest. */
  options: CommandOption[];
  /** The command's text (Discord options joined as text, see adapters/discord) → a typed command. */
  parse(text: string): Parsed;
}

// ---- forms ----

export interface FormDecl<V = unknown> {
  /** The form's kind, carried in its compact id: `incident.status`. */
  kind: string;
  /** Whether the form is about one numbered thing (INC-n, CHG-n …): its id then carries the number. */
  numbered: boolean;
  /** The schema of the submitted values (field id → value), read with the current policy. */
  values(dir: Directory): z.ZodType<V>;
}

/** Declares a form with its value schema. */
export const form = <V>(kind: string, numbered: boolean, values: (dir: Directory) => z.ZodType<V>): FormDecl<V> => ({
  kind,
  numbered,
  values,
});

export type FormSubmit = (ctx: Ctx, target: FormTarget, values: never, key: string) => Promise<Outcome<Reply>>;
export type FormReopen = (
  ctx: Ctx,
  target: FormTarget,
  values: Record<string, string | undefined>,
) => Promise<Outcome<Form>> | Outcome<Form>;

export interface FormRuntime {
  /** Runs a submission whose values passed the form's schema; `key` makes it idempotent. */
  submit: FormSubmit;
  /** The same form again, with the values typed so far (after field errors). */
  reopen: FormReopen;
}

/** Binds a form to its submission (values typed by its schema) and its reopening. */
export const onForm = <V>(
  f: FormDecl<V>,
  rt: { submit: (ctx: Ctx, target: FormTarget, values: V, key: string) => Promise<Outcome<Reply>>; reopen: FormReopen },
): [string, FormRuntime] => [f.kind, rt];

// ---- HTTP routes and CLI commands (src/core/entry.ts) ----

export const route = (decl: HttpRouteDecl, fn: HttpRun): [string, HttpRun] => [routeKey(decl), fn];
export const cliCommand = (decl: CliCommandDecl, fn: CliRun): [string, CliRun] => [decl.name, fn];

// ---- help ----

export interface HelpEntry {
  usage: string;
  what: string;
  /** Changes state (needs a policy person). */
  writes: boolean;
}

// ---- the kernel a module is started with ----

export interface KernelLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Observations the composition root turns into metrics (all optional). */
export interface Hooks {
  onEffect?: (kind: string, ok: boolean) => void;
  /** A durable step of a domain fired (e.g. an escalation step): its kind, due instant and when it fired. */
  onStepFired?: (step: { kind: string; dueAt: Date; [field: string]: unknown }, firedAt: Date) => void;
  /** A step was set aside after repeated failures. */
  onStepFailed?: (step: { kind: string }, error: string) => void;
  /**
   * An operation ran, whichever way it came in (`entry`: slack, discord, console, http, cli, job):
   * its outcome is `ok` or what refused it (an error code, an HTTP status, an exit code).
   */
  onOperation?: (op: string, entry: string, outcome: string) => void;
  /** A scheduled backup ended (`ok`), or the last success recorded was read at start. */
  onBackup?: (r: { ok: boolean; at: Date }) => void;
}

export interface Kernel {
  store: Store;
  clock: Clock;
  /** The current policy (it is replaced on reload: read it each time). */
  dir: () => Directory;
  /** This replica's name (claims, leases). */
  holder: string;
  log: KernelLog;
  hooks: Hooks;
  /** Chat platforms able to carry out side effects; adapters register theirs as they start. */
  gateways: ReadonlyMap<Platform, ChatGateway>;
  platforms: () => Platform[];
  /** Runs due side effects now (after a commit that enqueued some). */
  kick: () => void;
  /** The help entries of every composed module, in module order. */
  help: () => readonly HelpEntry[];
  /** The interface another module provides under `key`, or undefined when that module is not composed. */
  link<T>(key: LinkKey<T>): T | undefined;
}

/** A message pinned or marked 📌 in a channel (deduplicated per message by whoever records it). */
export interface PinnedMessage {
  messageId: string;
  authorId: string;
  authorName: string | null;
  text: string;
  at: Date;
  pinnedBy?: string;
}

export interface ModuleRuntime {
  operations: [string, OperationRun][];
  forms?: [string, FormRuntime][];
  effects?: EffectHandler[];
  jobs?: { calendar?: CalendarJob[]; interval?: IntervalJob[] };
  /** Interfaces offered to other modules (see Kernel.link). */
  provides?: Provided[];
  /** Its HTTP routes (by `METHOD /path`) and CLI commands (by name), as declared. */
  routes?: [string, HttpRun][];
  cli?: [string, CliRun][];
  /** Its public web sites, by id, as declared. */
  sites?: [string, SiteRuntime][];
  /** A new policy was applied (a reload): bring what depends on it up to date; counts for the log. */
  policyApplied?(dir: Directory): Promise<Record<string, number>>;
  /** A message was pinned in a channel; true when this module recorded it. */
  pinned?(platform: Platform, channelId: string, m: PinnedMessage): Promise<boolean>;
  /** Background work that runs while Steward runs (e.g. the escalation runner). */
  start?(): void;
  stop?(): Promise<void>;
}

export interface StewardModule {
  id: string;
  /**
   * Its part of the policy file: the top-level keys it owns, with their schemas (defined in the
   * domain's policy-section.ts and composed into src/core/policy/schema.ts; a test checks that
   * the composed schema is exactly the kernel's keys and what the modules declare).
   */
  policy?: Record<string, z.ZodType>;
  /** Its cross-reference checks of a policy that passed the schema (src/core/policy/check.ts). */
  checkPolicy?: PolicyChecker;
  commands: SlashCommandDecl[];
  operations: OperationDecl[];
  forms?: FormDecl[];
  /** HTTP routes under /api/v1 (token-authenticated) and operator CLI commands. */
  routes?: HttpRouteDecl[];
  cli?: CliCommandDecl[];
  /** Public, read-only web sites (src/core/site.ts), mounted by the HTTP adapter. */
  sites?: SiteDecl[];
  help: HelpEntry[];
  create(k: Kernel): ModuleRuntime;
}
