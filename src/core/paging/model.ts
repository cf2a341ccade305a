// Pages and their escalation steps: the frozen path, step numbering, and the pure rules around them.
import type { NotifyTarget } from '../policy/schema.js';
import type { Platform } from '../ports.js';

export type PageStatus = 'open' | 'acknowledged' | 'resolved';

/** The escalation path as frozen into a page when it starts. */
export interface FrozenPath {
  /** Escalation policy id, or null for a page of one person. */
  policy: string | null;
  levels: { notify: NotifyTarget[]; ackTimeoutMs: number }[];
  repeat: number;
  /** Team whose channel hears that nobody acknowledged (the service's team). */
  team: string | null;
  /** When the policy was frozen (policy version hash, for the record). */
  policyVersion: string;
}

export interface Page {
  id: number;
  number: number;
  key: string;
  serviceId: string | null;
  personId: string | null;
  /** The incident (INC-n) that opened the page. */
  incidentNumber: number | null;
  message: string;
  status: PageStatus;
  path: FrozenPath;
  createdBy: string | null;
  createdPlatform: Platform | 'system';
  createdUserId: string | null;
  createdAt: Date;
  stepSeq: number;
  notified: string[];
  exhaustedAt: Date | null;
  ackBy: string | null;
  ackPlatform: string | null;
  ackAt: Date | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  version: number;
  updatedAt: Date;
}

export type StepKind = 'notify' | 'exhausted';
export type StepState = 'pending' | 'fired' | 'cancelled';

export interface PageStep {
  id: number;
  pageId: number;
  seq: number;
  round: number;
  level: number;
  kind: StepKind;
  dueAt: Date;
  state: StepState;
  firedAt: Date | null;
  firedBy: string | null;
  targets: StepTargets | null;
}

/** What a step reached when it fired. */
export interface StepTargets {
  people: { person: string; via: string }[];
  teams: string[];
  /** Targets that reached nobody (e.g. "payments-primary: nobody on call"). */
  missed: string[];
}

export interface PageMessage {
  platform: Platform;
  channelId: string;
  messageId: string;
}

export const pageRef = (p: { number: number }) => `PAGE-${p.number}`;

/** Steps of a path: every level once per round (repeat + 1 rounds), then the "nobody acknowledged" notice. */
export const notifySteps = (path: FrozenPath) => path.levels.length * (path.repeat + 1);

export function stepAt(path: FrozenPath, seq: number): { kind: StepKind; round: number; level: number } {
  const n = notifySteps(path);
  if (seq >= n) return { kind: 'exhausted', round: path.repeat, level: -1 };
  return { kind: 'notify', round: Math.floor(seq / path.levels.length), level: seq % path.levels.length };
}

/** "level 2 of 3, round 1 of 2" for a fired step sequence number. */
export function progressText(path: FrozenPath, seq: number): string {
  if (seq < 0) return 'starting';
  const s = stepAt(path, seq);
  if (s.kind === 'exhausted') return 'nobody acknowledged';
  const rounds = path.repeat + 1;
  return `level ${s.level + 1} of ${path.levels.length}${rounds > 1 ? `, round ${s.round + 1} of ${rounds}` : ''}`;
}
