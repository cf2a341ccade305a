// The only module that reads process.env: validates it into a typed, frozen Settings object.
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { z } from 'zod';

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const url = (name: string) =>
  optional.refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), {
    message: `${name} must be an http(s) URL`,
  });

/** One trusted proxy: an IP address, or a CIDR range whose prefix fits its family. */
function proxyProblem(entry: string): string | undefined {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (!family || extra !== undefined)
    return `"${entry}" is not an IP address or CIDR range (e.g. 10.0.0.0/8, 192.0.2.7, fd00::/8)`;
  if (prefix === undefined) return undefined;
  const max = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= max
    ? undefined
    : `"${entry}": the prefix length must be 0 to ${max}`;
}

/** An age public key: `age1…` (X25519) or `age1pq1…` (hybrid), bech32. */
const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{20,}$/;

const proxyList = optional.transform((v, ctx) => {
  const entries = (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  for (const e of entries) {
    const problem = proxyProblem(e);
    if (problem) ctx.addIssue({ code: 'custom', message: `STEWARD_TRUSTED_PROXIES: ${problem}` });
  }
  return entries;
});

export const envSchema = z
  .object({
    NODE_ENV: optional,
    DATABASE_URL: optional
      .transform((v) => v ?? 'file:./data/steward.db')
      .refine((v) => /^(file:|postgres(ql)?:\/\/)/.test(v), {
        message: 'DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL)',
      }),
    STEWARD_CONFIG: optional.transform((v) => v ?? 'manifests/policy.example.yaml'),
    PORT: optional
      .transform((v) => (v === undefined ? 3000 : Number(v)))
      .refine((n) => Number.isInteger(n) && n >= 0 && n < 65536, {
        message: 'PORT must be a port number',
      }),
    HOST: optional.transform((v) => v ?? '0.0.0.0'),
    /** A listener that serves the public status page and nothing else (unset: none). */
    STATUS_PORT: optional
      .transform((v) => (v === undefined ? undefined : Number(v)))
      .refine((n) => n === undefined || (Number.isInteger(n) && n >= 0 && n < 65536), {
        message: 'STATUS_PORT must be a port number',
      }),
    LOG_LEVEL: optional.pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional()),
    SLACK_BOT_TOKEN: optional,
    SLACK_SIGNING_SECRET: optional,
    SLACK_APP_TOKEN: optional,
    SLACK_API_URL: url('SLACK_API_URL'),
    DISCORD_TOKEN: optional,
    DISCORD_APPLICATION_ID: optional,
    DISCORD_API_URL: url('DISCORD_API_URL'),
    DISCORD_GUILD_ID: optional,
    STEWARD_CONSOLE: optional.transform((v) => v ?? 'auto').pipe(z.enum(['auto', 'on', 'off'])),
    STEWARD_CONSOLE_USER: optional,
    STEWARD_REPLICA_ID: optional,
    STEWARD_SHUTDOWN_TIMEOUT: optional
      .transform((v) => (v === undefined ? 10_000 : Number(v) * 1000))
      .refine((n) => Number.isFinite(n) && n > 0, { message: 'STEWARD_SHUTDOWN_TIMEOUT must be a number of seconds' }),
    STEWARD_STRICT_LIMITS: optional,
    /** Bearer token the CLI sends to a running Steward's HTTP API (policy reload). */
    STEWARD_API_TOKEN: optional,
    /** Largest scanner report POST /api/v1/findings accepts, in bytes (default 200 MB). */
    STEWARD_MAX_REPORT_BYTES: optional
      .transform((v) => (v === undefined ? 200_000_000 : Number(v)))
      .refine((n) => Number.isSafeInteger(n) && n > 0, {
        message: 'STEWARD_MAX_REPORT_BYTES must be a whole number of bytes',
      }),
    /** Comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed. */
    STEWARD_TRUSTED_PROXIES: proxyList,
    /** Secret outside the database that MACs every audit entry (at least 32 characters). */
    STEWARD_AUDIT_KEY: optional.refine((v) => v === undefined || v.length >= 32, {
      message: 'STEWARD_AUDIT_KEY must be at least 32 characters (e.g. openssl rand -base64 32)',
    }),
    /** File (outside the database) where audit verification remembers the last head it saw. */
    STEWARD_AUDIT_HEAD_FILE: optional,
    /** age recipients (public keys, comma-separated) backups are encrypted to; replaces backup.recipients. */
    STEWARD_BACKUP_RECIPIENTS: optional.transform((v, ctx) => {
      if (v === undefined) return undefined;
      const list = v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      const bad = list.find((r) => !AGE_RECIPIENT.test(r));
      if (bad !== undefined || !list.length)
        ctx.addIssue({
          code: 'custom',
          message: `STEWARD_BACKUP_RECIPIENTS: "${(bad ?? v).slice(0, 20)}…" is not an age recipient (age1…)`,
        });
      return list;
    }),
  })
  .superRefine((e, ctx) => {
    if (e.SLACK_BOT_TOKEN && !e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN)
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: 'SLACK_BOT_TOKEN needs SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)',
      });
    if ((e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN) && !e.SLACK_BOT_TOKEN)
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_BOT_TOKEN'],
        message: 'Slack is half configured: SLACK_BOT_TOKEN is missing',
      });
    if (e.DISCORD_TOKEN && !e.DISCORD_APPLICATION_ID)
      ctx.addIssue({
        code: 'custom',
        path: ['DISCORD_APPLICATION_ID'],
        message: 'DISCORD_TOKEN needs DISCORD_APPLICATION_ID',
      });
  });

export interface Settings {
  env: 'production' | 'development' | 'test';
  databaseUrl: string;
  policyFile: string;
  port: number;
  host: string;
  /** STATUS_PORT: a listener serving the status page alone (undefined: none). */
  statusPort?: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Log file descriptor: stdout, or stderr when the console chat owns stdout. */
  logFd: 1 | 2;
  slack?: { botToken: string; signingSecret?: string; appToken?: string; apiUrl?: string };
  discord?: { token: string; applicationId: string; apiUrl?: string; guildId?: string };
  console: { enabled: boolean; user?: string };
  replicaId: string;
  shutdownTimeoutMs: number;
  /** Platform limits throw instead of truncating (tests). */
  strictLimits: boolean;
  /** STEWARD_API_TOKEN: what CLI commands that call the HTTP API authenticate with. */
  apiToken?: string;
  /** STEWARD_MAX_REPORT_BYTES: the largest scanner report the HTTP API accepts. */
  maxReportBytes: number;
  /** STEWARD_TRUSTED_PROXIES: addresses and CIDR ranges whose X-Forwarded-For names the client. */
  trustedProxies: readonly string[];
  /** STEWARD_AUDIT_KEY: the audit log's HMAC key, kept outside the database. */
  auditKey?: string;
  /** STEWARD_AUDIT_HEAD_FILE: where the last verified audit head is remembered. */
  auditHeadFile?: string;
  /** STEWARD_BACKUP_RECIPIENTS: age public keys backups are encrypted to (instead of the policy's). */
  backupRecipients?: readonly string[];
}

export class EnvError extends Error {
  readonly code = 'CONFIG.ENV_INVALID';
  constructor(readonly problems: string[]) {
    super(`invalid environment:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const r = envSchema.safeParse(env);
  if (!r.success) throw new EnvError(r.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`));
  const e = r.data;
  const slack = e.SLACK_BOT_TOKEN
    ? {
        botToken: e.SLACK_BOT_TOKEN,
        signingSecret: e.SLACK_SIGNING_SECRET,
        appToken: e.SLACK_APP_TOKEN,
        apiUrl: e.SLACK_API_URL,
      }
    : undefined;
  const discord =
    e.DISCORD_TOKEN && e.DISCORD_APPLICATION_ID
      ? {
          token: e.DISCORD_TOKEN,
          applicationId: e.DISCORD_APPLICATION_ID,
          apiUrl: e.DISCORD_API_URL,
          guildId: e.DISCORD_GUILD_ID,
        }
      : undefined;
  const consoleEnabled = e.STEWARD_CONSOLE === 'on' || (e.STEWARD_CONSOLE === 'auto' && !slack && !discord);
  const nodeEnv = e.NODE_ENV === 'production' || e.NODE_ENV === 'test' ? e.NODE_ENV : 'development';
  return Object.freeze({
    env: nodeEnv,
    databaseUrl: e.DATABASE_URL,
    policyFile: e.STEWARD_CONFIG,
    port: e.PORT,
    host: e.HOST,
    statusPort: e.STATUS_PORT,
    // The console chat owns stdout: logs go to stderr, and only warnings unless asked for more.
    logLevel: e.LOG_LEVEL ?? (consoleEnabled ? 'warn' : 'info'),
    logFd: consoleEnabled ? 2 : 1,
    slack,
    discord,
    console: { enabled: consoleEnabled, user: e.STEWARD_CONSOLE_USER },
    replicaId: e.STEWARD_REPLICA_ID ?? `${hostname()}-${process.pid}`,
    shutdownTimeoutMs: e.STEWARD_SHUTDOWN_TIMEOUT,
    strictLimits: e.STEWARD_STRICT_LIMITS ? e.STEWARD_STRICT_LIMITS !== '0' : nodeEnv === 'test',
    apiToken: e.STEWARD_API_TOKEN,
    maxReportBytes: e.STEWARD_MAX_REPORT_BYTES,
    trustedProxies: Object.freeze(e.STEWARD_TRUSTED_PROXIES),
    auditKey: e.STEWARD_AUDIT_KEY,
    auditHeadFile: e.STEWARD_AUDIT_HEAD_FILE,
    backupRecipients: e.STEWARD_BACKUP_RECIPIENTS && Object.freeze(e.STEWARD_BACKUP_RECIPIENTS),
  });
}

/** Values that must never appear in logs. */
export function secretsOf(s: Settings): string[] {
  return namedSecretsOf(s).map((x) => x.value);
}

/** The secrets of the environment with the variables they come from (a backup refuses to carry any). */
export function namedSecretsOf(s: Settings): { name: string; value: string }[] {
  return [
    { name: 'SLACK_BOT_TOKEN', value: s.slack?.botToken },
    { name: 'SLACK_SIGNING_SECRET', value: s.slack?.signingSecret },
    { name: 'SLACK_APP_TOKEN', value: s.slack?.appToken },
    { name: 'DISCORD_TOKEN', value: s.discord?.token },
    { name: 'STEWARD_API_TOKEN', value: s.apiToken },
    { name: 'STEWARD_AUDIT_KEY', value: s.auditKey },
  ].filter((x): x is { name: string; value: string } => !!x.value);
}
