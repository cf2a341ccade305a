// Indexed, read-only view of the organisation policy: people, teams, services, schedules, paths.
import type { EscalationPolicy, Person, Policy, Schedule, Service, Team } from './policy/schema.js';
import type { Platform } from './ports.js';

export class Directory {
  private readonly people = new Map<string, Person>();
  private readonly bySlack = new Map<string, Person>();
  private readonly byDiscord = new Map<string, Person>();
  private readonly teams = new Map<string, Team>();
  private readonly services = new Map<string, Service>();
  private readonly schedules = new Map<string, Schedule>();
  private readonly escalations = new Map<string, EscalationPolicy>();

  constructor(
    readonly policy: Policy,
    readonly version: string,
  ) {
    for (const p of policy.people) {
      this.people.set(p.id, p);
      if (p.slack) this.bySlack.set(p.slack, p);
      if (p.discord) this.byDiscord.set(p.discord, p);
    }
    for (const t of policy.teams) this.teams.set(t.id, t);
    for (const s of policy.services) this.services.set(s.id, s);
    for (const s of policy.schedules) this.schedules.set(s.id, s);
    for (const e of policy.escalationPolicies) this.escalations.set(e.id, e);
  }

  person(id: string) {
    return this.people.get(id);
  }
  personOn(platform: Platform, userId: string): Person | undefined {
    if (platform === 'slack') return this.bySlack.get(userId);
    if (platform === 'discord') return this.byDiscord.get(userId);
    return this.people.get(userId);
  }
  team(id: string) {
    return this.teams.get(id);
  }
  service(id: string) {
    return this.services.get(id);
  }
  schedule(id: string) {
    return this.schedules.get(id);
  }
  escalation(id: string) {
    return this.escalations.get(id);
  }
  allServices(): Service[] {
    return this.policy.services;
  }
  allTeams(): Team[] {
    return this.policy.teams;
  }
  teamsOf(personId: string): Team[] {
    return this.policy.teams.filter((t) => t.members.includes(personId));
  }
  servicesOwnedBy(personId: string): Service[] {
    return this.policy.services.filter((s) => s.owners.includes(personId));
  }
  servicesOfTeam(teamId: string): Service[] {
    return this.policy.services.filter((s) => s.team === teamId);
  }
  /** Time zone for a person: their own, else the first team's, else the policy default. */
  timezoneOf(personId: string | undefined): string {
    const p = personId ? this.people.get(personId) : undefined;
    return (
      p?.timezone ??
      (personId ? this.teamsOf(personId).find((t) => t.timezone)?.timezone : undefined) ??
      this.policy.timezone
    );
  }
}
