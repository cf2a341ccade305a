// The platform-neutral application: resolves the actor, checks access, routes each command to
// its use case. Adapters call `execute`; nothing here knows Slack, Discord or the database engine.
import type { Policy } from '../config/policy-schema.js';
import { Catalog } from './catalog/catalog.js';
import { Directory } from './catalog/directory.js';
import type { Command, CommandKind, CommandOf } from './commands.js';
import type { Access, Ctx, Invocation } from './context.js';
import type { Reply } from './card.js';
import { fail, type Outcome } from './errors.js';
import { help } from './help.js';
import { Identity } from './identity/identity.js';
import type { ActorRef, Clock, Store } from './ports.js';
import { verifyAuditLog } from './audit/audit.js';

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
}

export class Steward {
  private directory: Directory;
  readonly identity: Identity;
  readonly catalog: Catalog;
  private readonly handlers: Handlers;

  constructor(private readonly deps: StewardDeps) {
    this.directory = new Directory(deps.policy.policy, deps.policy.sha256);
    const dir = () => this.directory;
    this.identity = new Identity(deps.store, dir);
    this.catalog = new Catalog(dir);
    this.handlers = {
      'service.list': { access: 'read', run: (c, m) => this.catalog.list(c, m) },
      'service.show': { access: 'read', run: (c, m) => this.catalog.show(c, m) },
      'service.escalation': { access: 'read', run: (c, m) => this.catalog.escalation(c, m) },
      'steward.help': { access: 'read', run: (c) => help(c, this.directory) },
    };
  }

  get dir(): Directory {
    return this.directory;
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

  /** Records the policy version in the audit log when it differs from the last one applied. */
  async applyPolicy(): Promise<{ changed: boolean }> {
    const { sha256, policy } = this.deps.policy;
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
