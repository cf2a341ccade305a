// Repository port of patch SLA digests and of the messages patch SLAs send (implemented in src/store/patch-digests.ts).

export interface DigestRecord {
  id: number;
  team: string;
  occurrence: Date;
  late: boolean;
  overdue: number;
  /** The digest as computed (JSON of DigestData, see digest.ts). */
  summary: string;
  at: Date;
}

export interface PatchDigestRepo {
  /** Records a team's digest for one occurrence; null when that occurrence already has one. */
  record(d: Omit<DigestRecord, 'id'>): Promise<number | null>;
  byId(id: number): Promise<DigestRecord | null>;
  /** The team's latest recorded digest (before `before`, when given). */
  latest(team: string, before?: Date): Promise<DigestRecord | null>;
  hasMessage(sendKey: string): Promise<boolean>;
  /** False when a message with this send key exists. */
  addMessage(
    sendKey: string,
    m: { platform: string; channelId: string; messageId: string },
    at: Date,
  ): Promise<boolean>;
}

declare module '../../ports.js' {
  interface Tx {
    digests: PatchDigestRepo;
  }
}
