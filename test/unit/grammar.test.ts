// The /page and /oncall grammars through parseCommand, the one entry every adapter uses: Slack
// text, Discord subcommands joined to text ("service <id> <message>", "person @discord:<id> <message>"; mentions as the adapters hand them),
// and the console. Each case asserts the exact command, or the error code and what the message names.
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/adapters/shared/parse.js';

const ok = (name: string, text: string) => {
  const r = parseCommand(name, text);
  if (!r.ok) throw new Error(`${name} ${text}: ${r.error.code} ${r.error.message}`);
  return r.command;
};
const refused = (name: string, text: string) => {
  const r = parseCommand(name, text);
  if (r.ok) throw new Error(`${name} ${text} parsed as ${JSON.stringify(r.command)}`);
  return r.error;
};

describe('/page', () => {
  it('a service and a message; the message keeps its inner spacing and line breaks', () => {
    expect(ok('/page', 'payments-api checkout is down')).toEqual({
      kind: 'page.create',
      target: 'payments-api',
      message: 'checkout is down',
    });
    expect(ok('/page', '  payments-api   checkout  is\n  down  ')).toEqual({
      kind: 'page.create',
      target: 'payments-api',
      message: 'checkout  is\n  down',
    });
    expect(ok('page', 'ledger 502s on /refund, since 06:00')).toEqual({
      kind: 'page.create',
      target: 'ledger',
      message: '502s on /refund, since 06:00',
    });
  });

  it('a person: a Slack mention (with or without its name), an @name, or a person id', () => {
    expect(ok('/page', '@slack:U0BEA hi')).toEqual({ kind: 'page.create', target: '@slack:U0BEA', message: 'hi' });
    expect(ok('/page', '@slack:U0BEA can you look')).toEqual({
      kind: 'page.create',
      target: '@slack:U0BEA',
      message: 'can you look',
    });
    expect(ok('/page', '@bea hi')).toEqual({ kind: 'page.create', target: '@bea', message: 'hi' });
    expect(ok('/page', 'bea hi')).toEqual({ kind: 'page.create', target: 'bea', message: 'hi' });
  });

  it("Discord's subcommands: service <id> <message> and person @discord:<id> <message>", () => {
    expect(ok('page', 'service payments-api checkout   is down')).toEqual({
      kind: 'page.create',
      target: 'payments-api',
      message: 'checkout   is down',
    });
    expect(ok('page', 'person @discord:123456789012345678 call me')).toEqual({
      kind: 'page.create',
      target: '@discord:123456789012345678',
      message: 'call me',
    });
    expect(ok('page', 'SERVICE ledger down')).toEqual({ kind: 'page.create', target: 'ledger', message: 'down' });
  });

  it('list, in any case', () => {
    expect(ok('/page', 'list')).toEqual({ kind: 'page.list' });
    expect(ok('/page', '  LIST ')).toEqual({ kind: 'page.list' });
  });

  it('no message: refused, naming the target and showing how to say what is wrong', () => {
    for (const text of [
      'payments-api',
      'payments-api   ',
      'service payments-api',
      'person @discord:123456789012345678',
    ]) {
      const e = refused('/page', text);
      expect(e.code).toBe('COMMAND.INVALID');
      expect(e.message).toMatch(/say what is wrong/);
    }
    expect(refused('/page', 'payments-api').message).toContain('/page payments-api');
    expect(refused('page', 'person @discord:123456789012345678').message).toContain('@discord:123456789012345678');
  });

  it('no target: refused, saying who to page and a message are needed', () => {
    for (const text of ['', '   ', '\n']) {
      const e = refused('/page', text);
      expect(e).toMatchObject({ code: 'COMMAND.INVALID', message: expect.stringMatching(/who to page/) });
      expect(e.hint).toContain('list');
    }
  });

  it('a message over 1000 characters is refused, naming the message and the limit; 1000 is fine', () => {
    expect(ok('/page', `payments-api ${'x'.repeat(1000)}`)).toEqual({
      kind: 'page.create',
      target: 'payments-api',
      message: 'x'.repeat(1000),
    });
    const e = refused('/page', `payments-api ${'x'.repeat(1001)}`);
    expect(e.code).toBe('COMMAND.INVALID');
    expect(e.message).toMatch(/message/);
    expect(e.message).toMatch(/1000/);
  });

  it('a target over 120 characters is refused, naming the target', () => {
    const e = refused('/page', `${'p'.repeat(121)} down`);
    expect(e.code).toBe('COMMAND.INVALID');
    expect(e.message).toMatch(/target/);
  });
});

describe('/oncall', () => {
  it('alone: who is on call for the caller', () => {
    expect(ok('/oncall', '')).toEqual({ kind: 'oncall.show' });
    expect(ok('oncall', '   ')).toEqual({ kind: 'oncall.show' });
    expect(ok('/oncall', 'show')).toEqual({ kind: 'oncall.show' });
  });

  it('a service or schedule, bare or after show; ids lowered', () => {
    expect(ok('/oncall', 'payments-api')).toEqual({ kind: 'oncall.show', target: 'payments-api' });
    expect(ok('/oncall', 'show payments-primary')).toEqual({ kind: 'oncall.show', target: 'payments-primary' });
    expect(ok('/oncall', 'Payments-API')).toEqual({ kind: 'oncall.show', target: 'payments-api' });
    expect(ok('/oncall', 'SHOW Payments-Primary')).toEqual({ kind: 'oncall.show', target: 'payments-primary' });
  });

  it('override: a person and a duration, optionally a schedule, in any order', () => {
    expect(ok('/oncall', 'override @bea 4h')).toEqual({ kind: 'oncall.override', user: '@bea', duration: '4h' });
    expect(ok('/oncall', 'override 4h @slack:U1 payments-primary')).toEqual({
      kind: 'oncall.override',
      user: '@slack:U1',
      duration: '4h',
      schedule: 'payments-primary',
    });
    expect(ok('/oncall', 'override payments-primary 4h @slack:U1')).toEqual({
      kind: 'oncall.override',
      user: '@slack:U1',
      duration: '4h',
      schedule: 'payments-primary',
    });
    expect(ok('/oncall', 'override @slack:U1 payments-primary 4h')).toEqual({
      kind: 'oncall.override',
      user: '@slack:U1',
      duration: '4h',
      schedule: 'payments-primary',
    });
    // Without a mention the first word that is not the duration is the person.
    expect(ok('/oncall', 'override 30m bea platform-primary')).toEqual({
      kind: 'oncall.override',
      user: 'bea',
      duration: '30m',
      schedule: 'platform-primary',
    });
    expect(ok('/oncall', 'override @bea 2d')).toEqual({ kind: 'oncall.override', user: '@bea', duration: '2d' });
    expect(ok('/oncall', 'override @bea 1w')).toEqual({ kind: 'oncall.override', user: '@bea', duration: '1w' });
  });

  it('override: the duration and schedule lowered, the mention kept as typed', () => {
    expect(ok('/oncall', 'OVERRIDE @slack:U0BEA 4H Payments-Primary')).toEqual({
      kind: 'oncall.override',
      user: '@slack:U0BEA',
      duration: '4h',
      schedule: 'payments-primary',
    });
  });

  it('override with a bad duration: refused, naming the duration and the accepted forms', () => {
    for (const d of ['4x', '0h', '1y', '04h']) {
      const e = refused('/oncall', `override @bea ${d}`);
      expect(e.code).toBe('COMMAND.INVALID');
      expect(e.message).toMatch(/duration/);
      expect(e.message).toContain('30m, 4h, 2d or 1w');
    }
  });

  it('override without a duration or a person: refused, saying both are needed', () => {
    for (const text of ['override', 'override @bea', 'override 4h', 'override @bea forever', 'override @bea 1.5h']) {
      const e = refused('/oncall', text);
      expect(e.code).toBe('COMMAND.INVALID');
      expect(e.message).toMatch(/needs a person and a duration/);
    }
  });

  it('too many arguments: refused', () => {
    const show = refused('/oncall', 'show payments-api ledger');
    expect(show.code).toBe('COMMAND.INVALID');
    expect(show.message).toMatch(/at most one service or schedule/);
    const override = refused('/oncall', 'override @bea 4h payments-primary extra');
    expect(override.code).toBe('COMMAND.INVALID');
    expect(override.message).toMatch(/override/);
    const bare = refused('/oncall', 'payments-api ledger');
    expect(bare.code).toBe('COMMAND.INVALID');
    expect(bare.message).toContain('payments-api');
  });

  it('a schedule or target that is not an id is refused, naming it', () => {
    expect(refused('/oncall', 'override @bea 4h Bad_Sched')).toMatchObject({
      code: 'COMMAND.INVALID',
      message: expect.stringMatching(/schedule must be an id/),
    });
    expect(refused('/oncall', '<!channel>')).toMatchObject({
      code: 'COMMAND.INVALID',
      message: expect.stringMatching(/target must be an id/),
    });
  });
});
