import { describe, expect, it } from 'vitest';
import { parseCommand, tokenize } from '../../src/adapters/shared/parse.js';

describe('command parsing', () => {
  it('parses the catalog and help commands', () => {
    expect(parseCommand('/service', 'list')).toEqual({ ok: true, command: { kind: 'service.list' } });
    expect(parseCommand('service', '')).toEqual({ ok: true, command: { kind: 'service.list' } });
    expect(parseCommand('/service', 'list Payments')).toEqual({
      ok: true,
      command: { kind: 'service.list', team: 'payments' },
    });
    expect(parseCommand('/service', '  show   payments-api ')).toEqual({
      ok: true,
      command: { kind: 'service.show', id: 'payments-api' },
    });
    expect(parseCommand('/steward', 'help')).toEqual({ ok: true, command: { kind: 'steward.help' } });
    expect(parseCommand('/steward', '')).toEqual({ ok: true, command: { kind: 'steward.help' } });
  });

  it('answers bad input with a code and usage', () => {
    expect(parseCommand('/service', 'show')).toMatchObject({
      ok: false,
      error: { code: 'COMMAND.INVALID', hint: expect.stringContaining('Usage: /service list') },
    });
    expect(parseCommand('/service', 'show a b')).toMatchObject({ ok: false, error: { code: 'COMMAND.INVALID' } });
    expect(parseCommand('/service', 'show <!channel>')).toMatchObject({
      ok: false,
      error: { code: 'COMMAND.INVALID', message: expect.stringMatching(/id must be an id/) },
    });
    expect(parseCommand('/service', 'delete x')).toMatchObject({
      ok: false,
      error: { message: '/service has no subcommand "delete".' },
    });
    expect(parseCommand('/nope', '')).toMatchObject({ ok: false, error: { code: 'COMMAND.UNKNOWN' } });
  });

  it('keeps quoted text together', () => {
    expect(tokenize('update "db is down" now')).toEqual(['update', 'db is down', 'now']);
    expect(tokenize('say “smart quotes” ok')).toEqual(['say', 'smart quotes', 'ok']);
  });
});
