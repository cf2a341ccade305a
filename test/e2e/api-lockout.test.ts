// The HTTP API's failed-attempt limit cannot lock anyone out: a valid token is never refused by
// failures (its own client's or anyone else's); only failures are limited, per client address;
// X-Forwarded-For names the client only when the peer is a trusted proxy. And /readyz never
// answers with internal error text. Real HTTP server, real limiter, an injected clock.
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createApi } from '../../src/adapters/http/api.js';
import { clientAddress, TrustedProxies } from '../../src/adapters/http/client-address.js';
import { startHttp, type HttpServer } from '../../src/adapters/http/server.js';
import { EnvError, loadSettings } from '../../src/config/env.js';
import { parsePolicy } from '../../src/config/policy.js';
import { FailureLimiter } from '../../src/core/api/tokens.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import type { IncomingMessage } from 'node:http';
import { fixedClock } from '../support/clock.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const TOKEN = `stw_${'v'.repeat(43)}`;
const { policy } = parsePolicy(
  `teams: [{ id: t, name: T }]\nservices: [{ id: a, name: A, team: t, tier: 1 }]\napi:\n  tokens: [{ id: ci, sha256: "${sha(TOKEN)}", scopes: [changes:read] }]\n`,
);

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

let http: HttpServer | undefined;
afterEach(async () => {
  await http?.close(1_000);
  http = undefined;
});

async function serve(trusted: string[] = [], readiness: Parameters<typeof startHttp>[0]['readiness'] = []) {
  let t = Date.parse('2026-12-06T10:00:00Z');
  const clock = fixedClock(() => t);
  const logs = new Capture();
  const log = createLogger({ level: 'debug', secrets: [TOKEN], destination: logs });
  const metrics = new Metrics({ defaults: false });
  const api = createApi({
    dir: () => ({ policy }),
    limiter: new FailureLimiter({ clock }),
    trustedProxies: new TrustedProxies(trusted),
    log,
    metrics,
  });
  http = await startHttp({
    host: '127.0.0.1',
    port: 0,
    log,
    metrics,
    readiness,
    routes: {
      'GET /api/v1/whoami': api.route('changes:read', (r) => ({
        status: 200,
        body: { token: r.token.id, client: r.client },
      })),
    },
  });
  const base = `http://127.0.0.1:${http.port}`;
  const call = (token: string, forwardedFor?: string) =>
    fetch(`${base}/api/v1/whoami`, {
      headers: { authorization: `Bearer ${token}`, ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    });
  return { base, call, logs, advance: (ms: number) => (t += ms) };
}

describe('the failed-attempt limit of the HTTP API', () => {
  it('after 12 bad tokens from one address, a valid token from that same address still succeeds; bad ones get 429', async () => {
    const s = await serve();
    for (let i = 0; i < 10; i++) expect((await s.call(`stw_guess-${i}`)).status).toBe(401);
    for (let i = 10; i < 12; i++) expect((await s.call(`stw_guess-${i}`)).status).toBe(429);
    const ok = await s.call(TOKEN);
    expect([ok.status, await ok.json()]).toEqual([200, { token: 'ci', client: '127.0.0.1' }]);
    const limited = await s.call('stw_guess-12');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The window passes: a bad token is answered 401 again.
    s.advance(61_000);
    expect((await s.call('stw_guess-13')).status).toBe(401);
    expect(s.logs.text).not.toContain(TOKEN);
  });

  it('behind a trusted proxy the limit counts the forwarded client: one client locked out, another and the good token not', async () => {
    const s = await serve(['127.0.0.1']);
    for (let i = 0; i < 10; i++) expect((await s.call(`stw_guess-${i}`, '198.51.100.7')).status).toBe(401);
    expect((await s.call('stw_guess-10', '198.51.100.7')).status).toBe(429);
    // Another client behind the same proxy is not limited by the first one's failures.
    expect((await s.call('stw_guess-11', '203.0.113.9')).status).toBe(401);
    // A forged left part does not help: the proxy appended the real address on the right.
    expect((await s.call('stw_guess-12', '203.0.113.50, 198.51.100.7')).status).toBe(429);
    const ok = await s.call(TOKEN, '198.51.100.7');
    expect([ok.status, await ok.json()]).toEqual([200, { token: 'ci', client: '198.51.100.7' }]);
    expect(s.logs.text).toMatch(/"client":"198\.51\.100\.7".*not authenticated/);
  });

  it("an untrusted peer's X-Forwarded-For is ignored: rotating it does not escape the limit", async () => {
    const s = await serve(['10.0.0.0/8']);
    for (let i = 0; i < 10; i++) expect((await s.call(`stw_guess-${i}`, `192.0.2.${i}`)).status).toBe(401);
    expect((await s.call('stw_guess-10', '192.0.2.77')).status).toBe(429);
    const ok = await s.call(TOKEN, '192.0.2.1');
    expect([ok.status, await ok.json()]).toEqual([200, { token: 'ci', client: '127.0.0.1' }]);
  });
});

describe('clientAddress', () => {
  const req = (remoteAddress: string, xff?: string | string[]) =>
    ({
      socket: { remoteAddress },
      headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
    }) as unknown as IncomingMessage;
  const proxies = new TrustedProxies(['10.0.0.0/8', 'fd00::/8', '192.0.2.1']);

  it('walks X-Forwarded-For from the right past trusted proxies; stops at a malformed element', () => {
    expect(clientAddress(req('10.1.1.1', '198.51.100.7'), proxies)).toBe('198.51.100.7');
    expect(clientAddress(req('::ffff:10.1.1.1', '6.6.6.6, 198.51.100.7, 10.2.2.2'), proxies)).toBe('198.51.100.7');
    expect(clientAddress(req('fd00::1', ['203.0.113.1', '[2001:db8::5]:443']), proxies)).toBe('2001:db8::5');
    expect(clientAddress(req('10.1.1.1', '198.51.100.7:5123'), proxies)).toBe('198.51.100.7');
    expect(clientAddress(req('10.1.1.1', 'nonsense, 10.3.3.3'), proxies)).toBe('10.3.3.3');
    expect(clientAddress(req('10.1.1.1'), proxies)).toBe('10.1.1.1');
    // Not a trusted peer: its header is not read.
    expect(clientAddress(req('198.51.100.9', '10.1.1.1'), proxies)).toBe('198.51.100.9');
    expect(clientAddress(req('::ffff:192.0.2.1', '203.0.113.4'), proxies)).toBe('203.0.113.4');
  });

  it('STEWARD_TRUSTED_PROXIES takes addresses and CIDR ranges, and names a bad entry', () => {
    expect(loadSettings({ STEWARD_TRUSTED_PROXIES: ' 10.0.0.0/8, ::1 ,192.0.2.1' }).trustedProxies).toEqual([
      '10.0.0.0/8',
      '::1',
      '192.0.2.1',
    ]);
    expect(loadSettings({}).trustedProxies).toEqual([]);
    expect(() => loadSettings({ STEWARD_TRUSTED_PROXIES: '10.0.0.0/33' })).toThrow(
      /STEWARD_TRUSTED_PROXIES: "10\.0\.0\.0\/33": the prefix length must be 0 to 32/,
    );
    expect(() => loadSettings({ STEWARD_TRUSTED_PROXIES: 'proxy.internal' })).toThrow(EnvError);
    expect(() => loadSettings({ STEWARD_TRUSTED_PROXIES: 'proxy.internal' })).toThrow(
      /"proxy\.internal" is not an IP address or CIDR range/,
    );
  });
});

describe('/readyz', () => {
  it('answers a failed check with a generic reason; the error text goes only to the log', async () => {
    const secret = 'connect ECONNREFUSED db.internal.example:5432 user=steward_admin';
    const s = await serve([], [{ name: 'database', check: () => Promise.reject(new Error(secret)) }]);
    const res = await fetch(`${s.base}/readyz`);
    const text = await res.text();
    expect(res.status).toBe(503);
    expect(JSON.parse(text)).toEqual({
      status: 'not ready',
      checks: [{ name: 'database', ok: false, detail: 'check failed (see the log)' }],
    });
    expect(text).not.toContain('db.internal');
    expect(s.logs.text).toContain('db.internal.example:5432');
    expect(s.logs.text).toContain('readiness check failed');
  });
});
