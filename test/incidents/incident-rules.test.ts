import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/adapters/shared/parse.js';
import { CHANNEL_NAME_MAX, durations, slugify, warRoomName } from '../../src/core/incidents/model.js';
import { decodeForm, encodeForm } from '../../src/render/form-codec.js';

describe('war-room names', () => {
  const i = {
    number: 7,
    title: 'Checkout fails: 502s on /pay (EU) — Ünïcödé!',
    severity: 'SEV1',
    serviceId: 'payments-api',
  };

  it('fills the policy template, lowercase and slugged', () => {
    expect(warRoomName('inc-{number}-{slug}', i)).toBe('inc-7-checkout-fails-502s-on-pay-eu-unicode');
    expect(warRoomName('{severity}-{service}-{number}', i)).toBe('sev1-payments-api-7');
    expect(warRoomName('Inc {number}', i, 3)).toBe('inc-7-3');
  });

  it('stays within 80 characters, suffix included, cutting the title rather than the number', () => {
    const long = { ...i, title: 'x'.repeat(200) };
    const name = warRoomName('incident-{number}-{slug}', long, 12);
    expect(name.length).toBeLessThanOrEqual(CHANNEL_NAME_MAX);
    expect(name).toMatch(/^incident-7-x+-12$/);
  });

  it('mentions and markup in titles cannot reach the channel name', () => {
    expect(warRoomName('inc-{number}-{slug}', { ...i, title: '@here <!channel> fix' })).toBe('inc-7-here-channel-fix');
    expect(slugify('***')).toBe('');
    expect(warRoomName('{slug}', { ...i, title: '***' })).toBe('inc-7');
  });
});

describe('response durations', () => {
  it('measure from the declaration; missing steps are null', () => {
    const d = new Date('2026-01-01T00:00:00Z');
    expect(
      durations({
        declaredAt: d,
        acknowledgedAt: new Date(d.getTime() + 60_000),
        mitigatedAt: null,
        resolvedAt: new Date(d.getTime() + 3_600_000),
      }),
    ).toEqual({
      toAcknowledgeMs: 60_000,
      toMitigateMs: null,
      toResolveMs: 3_600_000,
    });
  });
});

describe('/incident grammar', () => {
  const p = (t: string) => parseCommand('incident', t);
  it('parses every subcommand, with INC-n optional and free text kept as typed', () => {
    expect(p('declare  DB   down')).toEqual({ ok: true, command: { kind: 'incident.declare', title: 'DB   down' } });
    expect(p('declare')).toEqual({ ok: true, command: { kind: 'incident.declare' } });
    expect(p('update INC-12 Rolled back; "errors" falling')).toEqual({
      ok: true,
      command: { kind: 'incident.update', incident: 12, text: 'Rolled back; "errors" falling', public: false },
    });
    // --public, before or after INC-n: a public update on the status page.
    for (const line of ['update --public INC-12 Payments recovered', 'update INC-12 --public Payments recovered'])
      expect(p(line)).toEqual({
        ok: true,
        command: { kind: 'incident.update', incident: 12, text: 'Payments recovered', public: true },
      });
    expect(p('update --publicly wrong')).toEqual({
      ok: true,
      command: { kind: 'incident.update', text: '--publicly wrong', public: false },
    });
    expect(p('publish INC-4')).toEqual({ ok: true, command: { kind: 'incident.publish', incident: 4 } });
    expect(p('publish')).toEqual({ ok: true, command: { kind: 'incident.publish' } });
    expect(p('publish INC-4 now')).toMatchObject({ ok: false, error: { code: 'COMMAND.INVALID' } });
    expect(p('status monitoring errors falling')).toEqual({
      ok: true,
      command: { kind: 'incident.status', status: 'monitoring', text: 'errors falling' },
    });
    expect(p('severity sev1')).toEqual({ ok: true, command: { kind: 'incident.severity', severity: 'SEV1' } });
    expect(p('role Scribe <@U0BOB|bob>')).toEqual({
      ok: true,
      command: { kind: 'incident.role', role: 'scribe', user: '<@U0BOB|bob>' },
    });
    expect(p('resolve INC-3')).toEqual({ ok: true, command: { kind: 'incident.resolve', incident: 3 } });
    expect(p('stats 90d')).toEqual({ ok: true, command: { kind: 'incident.stats', window: '90d' } });
    expect(p('stats')).toEqual({ ok: true, command: { kind: 'incident.stats', window: '30d' } });
    expect(p('')).toEqual({ ok: true, command: { kind: 'incident.help' } });
  });
  it('answers mistakes with the reason', () => {
    expect(p('update')).toMatchObject({
      ok: false,
      error: { message: '/incident update needs the text of the update.' },
    });
    expect(p('status sleeping')).toMatchObject({ ok: false, error: { code: 'COMMAND.INVALID' } });
    expect(p('status resolved')).toMatchObject({ ok: false });
    expect(p('role commander')).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/needs a role and a person/) },
    });
    expect(p('stats 3y')).toMatchObject({ ok: false });
  });
});

describe('form ids', () => {
  it('round-trip and refuse forgeries', () => {
    for (const t of [
      { kind: 'incident.declare', nonce: 'abcDEF123_-' },
      { kind: 'incident.status', number: 42, nonce: 'abcdefgh' },
    ] as const) {
      expect(decodeForm(encodeForm(t))).toEqual({ ok: true, target: t });
    }
    expect(decodeForm('f1|incident.delete|x')).toMatchObject({ ok: false });
    expect(decodeForm('f1|incident.status|0|abcdefgh')).toMatchObject({ ok: false });
    expect(decodeForm('st1|service.list|')).toEqual({ ok: false, reason: 'not a Steward form' });
  });
});
