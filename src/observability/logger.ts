// Structured JSON logs (pino). Secrets never reach the output: known secret values and token-shaped
// strings are replaced on the way out, and credential-bearing fields are redacted by path.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/** Token-shaped strings, whatever their value: Slack bot/user and app tokens, Discord bot tokens, Steward API tokens, auth headers. */
const TOKEN_SHAPES = new RegExp(
  [
    'xox[abposr]-[A-Za-z0-9-]+',
    'xapp-[A-Za-z0-9-]+',
    '\\b[MNO][A-Za-z0-9_-]{22,27}\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,40}',
    // Steward API tokens (`token new`: "stw_" + 32 random bytes in base64url).
    'stw_[A-Za-z0-9_-]{16,}',
    '(?:[Bb]earer|BEARER|Bot) [A-Za-z0-9._~+/=-]{8,}',
    // Slack response_url: whoever holds one may post as Steward to that user for 30 minutes.
    'https://hooks\\.slack\\.com/[^\\s"\\\\]+',
  ].join('|'),
  'g',
);

export function makeScrubber(secrets: string[]): (s: string) => string {
  const exact = secrets.filter((s) => s.length >= 6).sort((a, b) => b.length - a.length);
  return (s) => {
    let out = s;
    for (const secret of exact) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
    return out.replace(TOKEN_SHAPES, '[REDACTED]');
  };
}

export function createLogger(opts: {
  level: string;
  secrets: string[];
  destination?: DestinationStream;
  fd?: 1 | 2;
}): Logger {
  const scrub = makeScrubber(opts.secrets);
  // Each line is written when it is logged (pino's default): nothing is lost if the process dies,
  // and no batch buffer is rebuilt line by line.
  const destination = opts.destination ?? pino.destination({ dest: opts.fd ?? 1, sync: true });
  return pino(
    {
      level: opts.level,
      base: { service: 'steward' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Fixed paths only: a wildcard path ('*.token') makes every log call walk every field.
      // Secrets nested anywhere else are caught by the scrubber below (the configured secret
      // values and token shapes, on the whole line).
      redact: {
        paths: [
          'token',
          'botToken',
          'appToken',
          'apiToken',
          'signingSecret',
          'password',
          'authorization',
          'Authorization',
          'headers.authorization',
          'headers.Authorization',
          'req.headers.authorization',
          'config.headers.authorization',
          'config.headers.Authorization',
        ],
        censor: '[REDACTED]',
      },
      hooks: { streamWrite: scrub },
    },
    destination,
  );
}
