// The platform-neutral application: resolves the actor, checks access, routes each command to
// its use case. Adapters call `execute`; nothing here knows Slack, Discord or the database engine.
import type { Policy } from '../config/policy-schema.js';
import { Catalog } from './catalog/catalog.js';
import { Directory } from './catalog/directory.js';
import type { Command, CommandKind, CommandOf } from './commands.js';
import type { Access, Ctx, Invocation } from './context.js';
import type { Reply } from './card.js';
import { fail, invalidForm, type Outcome } from './errors.js';
import { help } from './help.js';
import { Identity } from './identity/identity.js';
import type { ActorRef, Clock, Store } from './ports.js';
import { verifyAuditLog } from './audit/audit.js';
import type { FormTarget } from './card.js';
import { incidentEffects } from './incidents/effects.js';
import type { ChatGateway } from './chat/gateway.js';
import { incidentHelp } from './incidents/help.js';
import { IncidentQueries } from './incidents/queries.js';
import { IncidentService } from './incidents/service.js';
import { OutboxRunner, type OutboxLog } from './outbox/runner.js';
import { effectRegistry } from './outbox/effects.js';
import type { Platform } from './ports.js';
import { OnCall } from './oncall/oncall.js';
import { pagingEffects } from './paging/effects.js';
import { Escalator } from './paging/escalation.js';
import type { PageStep } from './paging/model.js';
import { PagingService } from './paging/service.js';

interface Handler<K extends CommandKind> {
  access: Access;
  run(ctx: Ctx, cmd: CommandOf<K>): Outcome<Reply> | Promise<Outcome<Reply>>;
}
type Handlers = { [K in CommandKind]: Handler<K> };

const SYSTEM: ActorRef = { platform: 'system' };

export interface StewardDeps {
  store: Store;
  clock: Clock;
  policy: { policy: Policy; sha256: string };
  /** Name of this replica (outbox claims, leases). */
  holder?: string;
  log?: OutboxLog;
  onEffect?: (kind: string, ok: boolean) => void;
  /** Called after each escalation step fires (lateness metrics, benchmarks). */
  onStepFired?: (step: PageStep, firedAt: Date) => void;
}

const quiet: OutboxLog = { warn: () => {}, error: () => {} };

export class Steward {
  private directory: Directory;
  readonly identity: Identity;
  readonly catalog: Catalog;
  readonly incidents: IncidentService;
  readonly incidentQueries: IncidentQueries;
  /** Chat platforms able to carry out side effects; adapters register theirs as they start. */
  readonly gateways = new Map<Platform, ChatGateway>();
  readonly outbox: OutboxRunner;
  readonly oncall: OnCall;
  readonly paging: PagingService;
  readonly escalator: Escalator;
  private readonly handlers: Handlers;

  private policy: { policy: Policy; sha256: string };

  constructor(private readonly deps: StewardDeps) {
    this.policy = deps.policy;
    this.directory = new Directory(deps.policy.policy, deps.policy.sha256);
    const dir = () => this.directory;
    this.identity = new Identity(deps.store, dir);
    this.catalog = new Catalog(dir);
    const kick = () => void this.outbox.kick().catch((err) => (deps.log ?? quiet).error({ err: String(err) }, 'outbox run failed'));
    const platforms = () => [...this.gateways.keys()];
    this.oncall = new OnCall({ store: deps.store, clock: deps.clock, dir });
    this.escalator = new Escalator({
      store: deps.store,
      clock: deps.clock,
      dir,
      oncall: this.oncall,
      holder: deps.holder ?? 'steward',
      platforms,
      kick,
      log: deps.log ?? quiet,
      onFired: deps.onStepFired,
    });
    this.paging = new PagingService({ store: deps.store, clock: deps.clock, dir, kick, wake: () => this.escalator.wake() });
    this.incidents = new IncidentService({ store: deps.store, clock: deps.clock, dir, kick, platforms, paging: this.paging });
    this.incidentQueries = new IncidentQueries(deps.store, dir, this.incidents);
    this.outbox = new OutboxRunner({
      store: deps.store,
      clock: deps.clock,
      holder: deps.holder ?? 'steward',
      handlers: effectRegistry([...incidentEffects({ store: deps.store, clock: deps.clock, dir, gateways: this.gateways }), ...pagingEffects({ store: deps.store, clock: deps.clock, dir, gateways: this.gateways })]),
      log: deps.log ?? quiet,
      onDone: deps.onEffect,
    });
    const inc = this.incidents;
    const q = this.incidentQueries;
    this.handlers = {
      'incident.declare': { access: 'member', run: (c, m) => inc.openDeclareForm(c, m.title) },
      'incident.update': { access: 'member', run: (c, m) => inc.update(c, m.incident, m.text) },
      'incident.status': { access: 'member', run: (c, m) => inc.setStatus(c, m.incident, m.status, m.text) },
      'incident.severity': { access: 'member', run: (c, m) => inc.setSeverity(c, m.incident, m.severity) },
      'incident.role': { access: 'member', run: (c, m) => inc.assignRole(c, m.incident, m.role, m.user) },
      'incident.resolve': { access: 'member', run: (c, m) => inc.resolve(c, m.incident, m.summary) },
      'incident.form': { access: 'member', run: (c, m) => inc.openForm(c, m.incident, m.form) },
      'incident.retry_war_room': { access: 'member', run: (c, m) => inc.retryWarRoom(c, m.incident) },
      'incident.list': { access: 'read', run: (c) => q.list(c) },
      'incident.stats': { access: 'read', run: (c, m) => q.stats(c, m.window) },
      'incident.timeline': { access: 'read', run: (c, m) => q.timeline(c, m.incident) },
      'incident.postmortem': { access: 'read', run: (c, m) => q.postmortem(c, m.incident) },
      'incident.help': { access: 'read', run: (c) => incidentHelp(c, this.directory) },
      'page.create': { access: 'member', run: (c, m) => this.paging.create(c, m.target, m.message) },
      'page.list': { access: 'read', run: (c) => this.paging.list(c) },
      'page.ack': { access: 'member', run: (c, m) => this.paging.ack(c, m.page) },
      'page.escalate': { access: 'member', run: (c, m) => this.paging.escalate(c, m.page, m.step) },
      'page.resolve': { access: 'member', run: (c, m) => this.paging.resolve(c, m.page) },
      'oncall.show': { access: 'read', run: (c, m) => this.oncall.show(c, m.target) },
      'oncall.override': { access: 'member', run: (c, m) => this.oncall.override(c, m.user, m.duration, m.schedule) },
      'service.list': { access: 'read', run: (c, m) => this.catalog.list(c, m) },
      'service.show': { access: 'read', run: (c, m) => this.catalog.show(c, m) },
      'service.escalation': { access: 'read', run: (c, m) => this.catalog.escalation(c, m) },
      'steward.help': { access: 'read', run: (c) => help(c, this.directory) },
    };
  }

  get dir(): Directory {
    return this.directory;
  }

  /**
   * Swaps in a validated policy for new work: every use case reads the directory afresh, while
   * running pages keep the escalation paths frozen into them. Recorded like a start's policy.
   */
  async replacePolicy(next: { policy: Policy; sha256: string }): Promise<{ changed: boolean }> {
    this.policy = next;
    this.directory = new Directory(next.policy, next.sha256);
    return this.applyPolicy();
  }

  async execute(inv: Invocation, cmd: Command): Promise<Outcome<Reply>> {
    const now = this.deps.clock.now();
    const actor = await this.identity.resolve(inv, now);
    const handler = this.handlers[cmd.kind] as Handler<CommandKind>;
    if (handler.access === 'member' && !actor.person) {
      return fail('AUTH.UNKNOWN_USER', 'Only people listed in the policy may do this.', 'Run /steward help to see who you are to Steward.');
    }
    return handler.run({ inv, actor, now }, cmd as never);
  }

  /** A submitted form (Slack modal, Discord modal, console prompts). */
  async submit(inv: Invocation, target: FormTarget, values: Record<string, string | undefined>): Promise<Outcome<Reply>> {
    const now = this.deps.clock.now();
    const actor = await this.identity.resolve(inv, now);
    if (!actor.person) return fail('AUTH.UNKNOWN_USER', 'Only people listed in the policy may do this.', 'Run /steward help to see who you are to Steward.');
    const ctx: Ctx = { inv, actor, now };
    const key = `form:${target.kind}:${target.nonce}`;
    const v = (k: string) => values[k]?.trim() || undefined;
    switch (target.kind) {
      case 'incident.declare':
        return this.incidents.submitDeclare(ctx, target, values);
      case 'incident.status': {
        const status = v('status');
        if (!status || !['investigating', 'identified', 'monitoring', 'declined', 'cancelled'].includes(status)) return invalidForm({ status: 'Choose a status' });
        return this.incidents.setStatus(ctx, target.number, status as 'investigating', v('text'), key);
      }
      case 'incident.severity':
        return v('severity') ? this.incidents.setSeverity(ctx, target.number, v('severity')!, key) : invalidForm({ severity: 'Choose a severity' });
      case 'incident.role':
        if (!v('role') || !v('person')) return invalidForm({ ...(v('role') ? {} : { role: 'Choose a role' }), ...(v('person') ? {} : { person: 'Choose a person' }) });
        return this.incidents.assignRole(ctx, target.number, v('role')!, v('person')!, key);
      case 'incident.resolve':
        return v('summary') ? this.incidents.resolve(ctx, target.number, v('summary'), key) : invalidForm({ summary: 'Say briefly what fixed it' });
    }
  }

  /** Records the policy version in the audit log when it differs from the last one applied. */
  async applyPolicy(): Promise<{ changed: boolean }> {
    const { sha256, policy } = this.policy;
    const now = this.deps.clock.now();
    return this.deps.store.transaction(async (tx) => {
      const previous = await tx.settings.get('policy.sha256');
      if (previous === sha256) return { changed: false };
      await tx.settings.set('policy.sha256', sha256, now);
      await tx.audit.append(
        {
          actor: SYSTEM,
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

  verifyAudit() {
    return verifyAuditLog(this.deps.store.auditReader);
  }
}
