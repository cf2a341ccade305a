import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, makeScrubber } from '../../src/observability/logger.js';

const capture = () => {
  const chunks: string[] = [];
  const dest = new Writable({
    write(c, _e, cb) {
      chunks.push(String(c));
      cb();
    },
  });
  return { dest, text: () => chunks.join('') };
};

describe('logs never carry secrets', () => {
  const slackBot = 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx';
  const appToken = 'xapp-1-A0STEWARD-1234567890-abcdef0123456789';
  const discord = 'MTExMTExMTExMTExMTExMTEx.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB';
  const signing = 'plain-signing-secret-value';

  it('redacts configured secrets and token-shaped strings wherever they appear', async () => {
    const out = capture();
    const log = createLogger({ level: 'trace', secrets: [signing], destination: out.dest });
    log.info({ token: 'x', headers: { authorization: `Bearer ${slackBot}` } }, 'by path');
    log.info({ nested: { deep: [`url?token=${slackBot}`] } }, `message mentions ${appToken} and ${discord}`);
    log.error({ err: new Error(`request failed with ${signing}`) }, 'error carrying a secret');
    log.debug(`Authorization: Bot ${discord}`);
    // Nested below the redacted paths: caught by value (configured secret, token shape).
    log.info({ settings: { slack: { signingSecret: signing, botToken: slackBot } } }, 'nested settings');
    const text = out.text();
    for (const s of [slackBot, appToken, discord, signing]) expect(text).not.toContain(s);
    expect(text.match(/\[REDACTED\]/g)?.length).toBeGreaterThanOrEqual(8);
    // Ordinary text survives.
    expect(text).toContain('message mentions');
    expect(
      text
        .split('\n')
        .filter(Boolean)
        .every((l) => JSON.parse(l).service === 'steward'),
    ).toBe(true);
  });

  it('redacts Steward API tokens: by shape anywhere, by path in authorization headers', () => {
    const apiToken = 'stw_Zm9vYmFyYmF6cXV4LXN0ZXdhcmQtdG9rZW4tMTIzNDU2Nzg';
    const out = capture();
    const log = createLogger({ level: 'trace', secrets: [], destination: out.dest });
    log.info({ req: { headers: { authorization: `Bearer ${apiToken}` } } }, 'by path');
    log.info({ headers: { Authorization: 'opaque-value-without-shape' } }, 'capitalised header');
    log.info({ apiToken: 'opaque-value-without-shape' }, 'settings field');
    log.warn(`retrying with ${apiToken} after curl -H "authorization: bearer ${apiToken}"`);
    const text = out.text();
    expect(text).not.toContain(apiToken);
    expect(text).not.toContain('opaque-value-without-shape');
    expect(text).toContain('retrying with [REDACTED]');
    expect(makeScrubber([])('{"msg":"stw_short"}')).toBe('{"msg":"stw_short"}');
    expect(makeScrubber([])(`x bearer ${apiToken}`)).toBe('x [REDACTED]');
  });

  it('redacts Slack response_urls, which grant posting rights', () => {
    const scrub = makeScrubber([]);
    expect(scrub('{"response_url":"https://hooks.slack.com/commands/T0STEWARD/123/AbCdEf"}')).toBe(
      '{"response_url":"[REDACTED]"}',
    );
  });

  it('leaves ordinary dotted values alone', () => {
    const scrub = makeScrubber([]);
    const line = '{"ms":12.5,"version":"1.2.3","host":"steward.example.com"}';
    expect(scrub(line)).toBe(line);
  });
});

describe('log lines survive a crash', () => {
  it('a line is on stdout as soon as it is logged: a process killed right after still leaves it', () => {
    const script = [
      "import { createLogger } from './src/observability/logger.ts';",
      "const log = createLogger({ level: 'info', secrets: [] });",
      "for (let i = 0; i < 3; i++) log.info({ i }, 'before the crash');",
      "process.kill(process.pid, 'SIGKILL');",
    ].join('\n');
    const root = new URL('../../', import.meta.url).pathname;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.signal).toBe('SIGKILL');
    const lines = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.msg, l.i])).toEqual([0, 1, 2].map((i) => ['before the crash', i]));
  });
});
