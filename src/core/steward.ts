// The platform-neutral application, composed of modules: resolves the actor, checks access, and
// runs the operation a command or button names, or the form a submission names. Nothing here
// knows a domain, Slack, Discord or the database engine.
import type { Policy } from './policy/schema.js';
import { type DropReason, type Place, placeRefusal } from './access.js';
import { verifyAuditLog, type VerifyOptions } from './audit/audit.js';
import type { Command, FormTarget, Reply } from './card.js';
import { Directory } from './directory.js';
import type { ChatGateway } from './chat/gateway.js';
import type { Ctx, Invocation } from './context.js';
import { type CoreError, fail, invalidForm, type Outcome } from './errors.js';
import { FormOps, formsKernel } from './forms/kernel.js';
import { Identity } from './identity/identity.js';
import { authorize, type ApiScope, type ApiToken } from './api/tokens.js';
import { nameMentions } from './people/mention.js';
import {
  type CliInput,
  type CliIO,
  type CliRun,
  cliCtx,
  type HttpAnswer,
  type HttpInput,
  type HttpRun,
  senderCtx,
  tokenCtx,
} from './entry.js';
import type { CalendarJob, IntervalJob } from './jobs/job.js';
import type {
  FormRuntime,
  Hooks,
  Kernel,
  KernelLog,
  LinkKey,
  ModuleRuntime,
  OperationRun,
  PinnedMessage,
  StewardModule,
} from './module.js';
import { effectRegistry } from './outbox/effects.js';
import { OutboxRunner } from './outbox/runner.js';
import type { ActorRef, Clock, Platform, Store } from './ports.js';
import { type PolicyReloader, policyKernel } from './policy/reload.js';
import { Registry } from './registry.js';
import type { SiteRuntime } from './site.js';

const SYSTEM: ActorRef = { platform: 'system' };
/** A read the policy's `access.membersOnly` keeps to people listed in the policy. */
const MEMBERS_ONLY = fail(
  'AUTH.UNKNOWN_USER',
  'Only people listed in the policy may see this.',
  'Ask an administrator to add you to the policy; run /steward help to see who you are to Steward.',
);
const UNKNOWN_USER = fail(
  'AUTH.UNKNOWN_USER',
  'Only people listed in the policy may do this.',
  'Run /steward help to see who you are to Steward.',
);

export interface StewardDeps {
  store: Store;
  clock: Clock;
  policy: { policy: Policy; sha256: string };
  /** The modules Steward is composed of (src/modules.ts lists the standard ones). */
  modules: readonly StewardModule[];
  /** Name of this replica (outbox claims, leases). */
  holder?: string;
  log?: KernelLog;
  hooks?: Hooks;
  /** Re-reads the policy file (POST /api/v1/policy/reload is served when given). */
  reloadPolicy?: PolicyReloader;
}

/** Whether Steward answers a request from a place, and if not, why (see core/access.ts). */
export type Admission = { admitted: true } | { admitted: false; reason: DropReason };

const quiet: KernelLog = { info: () => {}, warn: () => {}, error: () => {} };

export class Steward {
  private directory: Directory;
  private policy: { policy: Policy; sha256: string };
  readonly registry: Registry;
  readonly identity: Identity;
  /** Chat platforms able to carry out side effects; adapters register theirs as they start. */
  readonly gateways = new Map<Platform, ChatGateway>();
  readonly outbox: OutboxRunner;
  private readonly runtimes: ModuleRuntime[];
  private readonly ops = new Map<string, OperationRun>();
  private readonly formRuntimes = new Map<string, FormRuntime>();
  private readonly log: KernelLog;
  private readonly routeRuns = new Map<string, HttpRun>();
  private readonly cliRuns = new Map<string, CliRun>();
  private readonly provided = new Map<string, unknown>();
  private readonly siteRuns = new Map<string, SiteRuntime>();

  constructor(private readonly deps: StewardDeps) {
    this.policy = deps.policy;
    this.directory = new Directory(deps.policy.policy, deps.policy.sha256);
    const modules = [
      formsKernel(this.formRuntimes),
      ...(deps.reloadPolicy ? [policyKernel(deps.reloadPolicy)] : []),
      ...deps.modules,
    ];
    this.registry = new Registry(modules);
    const log = (this.log = deps.log ?? quiet);
    const kernel: Kernel = {
      store: deps.store,
      clock: deps.clock,
      dir: () => this.directory,
      holder: deps.holder ?? 'steward',
      log,
      hooks: deps.hooks ?? {},
      gateways: this.gateways,
      platforms: () => [...this.gateways.keys()],
      kick: () => void this.outbox.kick().catch((err) => log.error({ err: String(err) }, 'outbox run failed')),
      help: () => this.registry.help,
      link: <T>(key: LinkKey<T>) => this.provided.get(key) as T | undefined,
    };
    this.identity = new Identity(deps.store, kernel.dir);
    this.runtimes = modules.map((m) => m.create(kernel));
    for (const rt of this.runtimes) {
      for (const [kind, fn] of rt.operations) this.ops.set(kind, fn);
      for (const [kind, f] of rt.forms ?? []) this.formRuntimes.set(kind, f);
      for (const [key, fn] of rt.routes ?? []) this.routeRuns.set(key, fn);
      for (const [name, fn] of rt.cli ?? []) this.cliRuns.set(name, fn);
      for (const { key, value } of rt.provides ?? []) this.provided.set(key, value);
      for (const [id, site] of rt.sites ?? []) this.siteRuns.set(id, site);
    }
    for (const op of this.registry.operations.keys())
      if (!this.ops.has(op)) throw new Error(`operation ${op} is declared but no module runs it`);
    for (const f of this.registry.forms.keys())
      if (!this.formRuntimes.has(f)) throw new Error(`form ${f} is declared but no module handles it`);
    for (const r of this.registry.routes.keys())
      if (!this.routeRuns.has(r)) throw new Error(`route ${r} is declared but no module serves it`);
    for (const c of this.registry.cli.keys())
      if (!this.cliRuns.has(c)) throw new Error(`CLI command ${c} is declared but no module runs it`);
    for (const id of this.registry.sites.keys())
      if (!this.siteRuns.has(id)) throw new Error(`web site ${id} is declared but no module serves it`);
    this.outbox = new OutboxRunner({
      store: deps.store,
      clock: deps.clock,
      holder: kernel.holder,
      handlers: effectRegistry(this.runtimes.flatMap((rt) => rt.effects ?? [])),
      log,
      onDone: deps.hooks?.onEffect,
    });
  }

  get dir(): Directory {
    return this.directory;
  }

  /** An interface a module provides (see Kernel.link), e.g. for operations tooling and tests. */
  part<T>(key: LinkKey<T>): T {
    const p = this.provided.get(key);
    if (p === undefined) throw new Error(`no composed module provides ${key}`);
    return p as T;
  }

  /** A public web site a module serves (see core/site.ts), by id. */
  site(id: string): SiteRuntime | undefined {
    return this.siteRuns.get(id);
  }

  /** The scheduled jobs every module declares. */
  jobs(): { calendar: CalendarJob[]; interval: IntervalJob[] } {
    const counted =
      <A>(name: string, run: (a: A) => Promise<void>) =>
      async (a: A) => {
        try {
          await run(a);
          this.counted(name, 'job', 'ok');
        } catch (err) {
          this.counted(name, 'job', 'failed');
          throw err;
        }
      };
    return {
      calendar: this.runtimes
        .flatMap((rt) => rt.jobs?.calendar ?? [])
        .map((j) => ({ ...j, run: counted(j.name, j.run.bind(j)) })),
      interval: this.runtimes
        .flatMap((rt) => rt.jobs?.interval ?? [])
        .map((j) => ({ ...j, run: counted(j.name, j.run.bind(j)) })),
    };
  }

  /** Starts the modules' background work (e.g. escalation steps that fell due while down fire now). */
  start(): void {
    for (const rt of this.runtimes) rt.start?.();
  }

  /** Stops the modules' background work, then the outbox (waiting for the batch in flight). */
  async stop(): Promise<void> {
    for (const rt of this.runtimes) await rt.stop?.();
    await this.outbox.stop();
  }

  /**
   * Swaps in a validated policy for new work: every use case reads the directory afresh, while
   * running pages keep the escalation paths frozen into them. Recorded like a start's policy.
   */
  async replacePolicy(
    next: { policy: Policy; sha256: string },
    actor: ActorRef = SYSTEM,
  ): Promise<{ changed: boolean; effects: Record<string, number> }> {
    // Recorded first: a database failure leaves the running policy in place.
    const r = await this.applyPolicy(next, actor);
    this.policy = next;
    this.directory = new Directory(next.policy, next.sha256);
    // What depends on the policy catches up (e.g. the deadlines of open findings).
    const effects: Record<string, number> = {};
    for (const rt of this.runtimes) Object.assign(effects, await rt.policyApplied?.(this.directory));
    return { ...r, effects };
  }

  /**
   * Whether the current policy's `access` lets Steward answer a request from `place` (the Slack
   * workspace and app, the Discord guild). Read per request, so a policy reload moves the binding.
   */
  admits(place: Place): Admission {
    const reason = placeRefusal(this.directory.policy.access, place);
    return reason === undefined ? { admitted: true } : { admitted: false, reason };
  }

  /** Runs a command or button: its arguments are checked against the operation's schema first. */
  async execute(inv: Invocation, cmd: Command): Promise<Outcome<Reply>> {
    const checked = this.registry.check(cmd);
    if (!checked.ok) return { ok: false, error: checked.error };
    const now = this.deps.clock.now();
    const actor = await this.identity.resolve(inv, now);
    const op = this.registry.operations.get(cmd.kind)!;
    if (!actor.person) {
      if (op.access === 'member') return UNKNOWN_USER;
      const membersOnly = this.directory.policy.access.membersOnly;
      if (membersOnly === 'all' || membersOnly.includes(op.kind)) return MEMBERS_ONLY;
    }
    const { kind, ...given } = checked.command;
    // Mentions inside free text are shown as names; a whole-value mention stays a person reference.
    const dir = this.directory;
    const args = Object.fromEntries(
      Object.entries(given).map(([k, v]) => [
        k,
        typeof v === 'string' ? nameMentions(v, (p, id) => dir.personOn(p, id)?.name) : v,
      ]),
    );
    const r = await this.ops.get(kind)!({ inv, actor, now }, args as never);
    this.counted(kind, inv.platform, r.ok ? 'ok' : r.error.code);
    return r;
  }

  /**
   * An HTTP API request of an authenticated token to a module's route (`METHOD /path`): the
   * route's scope is decided here, then the route runs with the token as its caller.
   */
  async http(key: string, token: ApiToken | null, input: HttpInput): Promise<HttpAnswer> {
    const decl = this.registry.routes.get(key);
    const run = this.routeRuns.get(key);
    if (!decl || !run) return { status: 404, body: { error: 'not found' } };
    let answer: HttpAnswer;
    if (decl.scope === 'sender') answer = await run(senderCtx(this.deps.clock.now()), input);
    else if (!token) answer = { status: 401, body: { error: 'unauthorized' } };
    else answer = await this.withToken(decl.scope, decl.op, token, run, input);
    this.counted(decl.op, 'http', answer.status < 400 ? 'ok' : String(answer.status));
    return answer;
  }

  private async withToken(
    scope: ApiScope,
    op: string,
    token: ApiToken,
    run: HttpRun,
    input: HttpInput,
  ): Promise<HttpAnswer> {
    const may = authorize(token, scope);
    if (!may.ok) {
      this.log.warn({ tokenId: token.id, scope, op }, 'api request refused: out of scope');
      return { status: 403, body: { error: 'forbidden', detail: may.reason } };
    }
    return run(tokenCtx(token, scope, this.deps.clock.now()), input);
  }

  /** A module's CLI command run on the host by `user` (its options and file read by the CLI adapter). */
  async cli(name: string, user: string, input: CliInput, io: CliIO): Promise<number> {
    const decl = this.registry.cli.get(name);
    const run = this.cliRuns.get(name);
    if (!decl || !run) {
      io.err(`Steward has no command "${name}"`);
      return 2;
    }
    const code = await run(cliCtx(user, this.deps.clock.now()), input, io);
    this.counted(decl.op, 'cli', code === 0 ? 'ok' : `exit_${code}`);
    return code;
  }

  private counted(op: string, entry: string, outcome: string): void {
    this.deps.hooks?.onOperation?.(op, entry, outcome);
  }

  /** A submitted form (Slack modal, Discord modal, console prompts): values checked by the form's schema, then run. */
  async submit(
    inv: Invocation,
    target: FormTarget,
    values: Record<string, string | undefined>,
  ): Promise<Outcome<Reply>> {
    const decl = this.registry.forms.get(target.kind);
    const rt = this.formRuntimes.get(target.kind);
    if (!decl || !rt || decl.numbered !== (target.number !== undefined))
      return fail('ACTION.EXPIRED', 'This form is no longer understood by Steward.', `unknown form "${target.kind}"`);
    const now = this.deps.clock.now();
    const actor = await this.identity.resolve(inv, now);
    if (!actor.person) return UNKNOWN_USER;
    const ctx: Ctx = { inv, actor, now };
    const typed: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) if (v?.trim()) typed[k] = v.trim();
    const parsed = decl.values(this.directory).safeParse(typed);
    if (!parsed.success) {
      const fields: Record<string, string> = {};
      for (const i of parsed.error.issues) fields[String(i.path[0] ?? 'form')] ??= i.message;
      return this.formInvalid(target, typed, fields, now);
    }
    const r = await rt.submit(ctx, target, parsed.data as never, `form:${target.kind}:${target.nonce}`);
    this.counted(`form:${target.kind}`, inv.platform, r.ok ? 'ok' : r.error.code);
    return !r.ok && r.error.fields ? this.formInvalid(target, typed, r.error.fields, now) : r;
  }

  /** Field errors: what was typed is kept, and the error says how to open the form again with it. */
  private async formInvalid(
    target: FormTarget,
    typed: Record<string, string>,
    fields: Record<string, string>,
    at: Date,
  ): Promise<Outcome<never>> {
    await this.deps.store.transaction((tx) => tx.drafts.save(target.nonce, target.kind, typed, at));
    const { error } = invalidForm(fields) as { ok: false; error: CoreError };
    return {
      ok: false,
      error: {
        ...error,
        reopen: { kind: FormOps.reopen.kind, form: target.kind, number: target.number, nonce: target.nonce },
      },
    };
  }

  /** A message pinned or marked 📌 in a channel: offered to every module (a war room records it). */
  async pinned(platform: Platform, channelId: string, m: PinnedMessage): Promise<boolean> {
    let taken = false;
    for (const rt of this.runtimes) if (rt.pinned) taken = (await rt.pinned(platform, channelId, m)) || taken;
    return taken;
  }

  /** Records the policy version in the audit log when it differs from the last one applied. */
  async applyPolicy(applied = this.policy, actor: ActorRef = SYSTEM): Promise<{ changed: boolean }> {
    const { sha256, policy } = applied;
    const now = this.deps.clock.now();
    return this.deps.store.transaction(async (tx) => {
      const previous = await tx.settings.get('policy.sha256');
      if (previous === sha256) return { changed: false };
      await tx.settings.set('policy.sha256', sha256, now);
      await tx.audit.append(
        {
          actor,
          action: 'policy.applied',
          subject: 'policy',
          before: previous ? { sha256: previous } : undefined,
          after: { sha256, people: policy.people.length, teams: policy.teams.length, services: policy.services.length },
        },
        now,
      );
      return { changed: true };
    });
  }

  verifyAudit(opts: VerifyOptions = {}) {
    return verifyAuditLog(this.deps.store.auditReader, opts);
  }
}
