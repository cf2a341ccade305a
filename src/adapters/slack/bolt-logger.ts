// Routes Bolt's own logging into Steward's structured logger.
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../observability/logger.js';

export function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.WARN;
  const msg = (args: unknown[]) =>
    args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  return {
    // Bolt logs at debug level several times per request: format only when it will be written.
    debug: (...a) => {
      if (log.isLevelEnabled('debug')) log.debug({ source: 'bolt' }, msg(a));
    },
    info: (...a) => log.info({ source: 'bolt' }, msg(a)),
    warn: (...a) => log.warn({ source: 'bolt' }, msg(a)),
    error: (...a) => log.error({ source: 'bolt' }, msg(a)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
